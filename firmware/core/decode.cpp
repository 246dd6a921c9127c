// Word decoding with a lexicon in flash (decode.h): equal to glovexfer.golden.decode.decode_word.
//
// Why it is the golden model's result:
//  * Costs: the golden model builds the letter-cost matrix from the same tables (exported from
//    the Lexicon's), cost_single[p] or cost_lstm[a] + cost_cnn[b] (at most 255: the start-up
//    check refuses tables whose largest lstm and cnn costs add up to more, so a row entry is
//    a byte), and adds prior + the matrix entries in int32 (numpy) and the extra/missing
//    penalties; here the same integers are added in int32 (at most 255 + 255 + 25 * 255, far
//    from overflow).
//  * One spotted letter left out / one word letter unspotted: the golden model takes the
//    minimum over every position of the sum with that position removed; here the same sums
//    are a prefix sum plus a suffix sum, and the minimum over the same positions.
//  * Order: the golden model keeps the lexicographically smallest (cost, case, word index)
//    over the cases 0 (L letters), 1 (L - 1), 2 (L + 1), each case's first argmin being its
//    most frequent word. Here the cases are visited in that order and each group in frequency
//    order, and a candidate replaces the best only when its cost is strictly lower: an equal
//    cost later is always a larger (case, index), which the golden model ranks after.
//  * Early stop: the priors of a group never decrease (the flash format stores their
//    increases), and a word's cost is at least its prior + the case's penalty + the sum of
//    the cheapest letter costs it can use (lower_bound below). Once that is >= the best cost,
//    no later word of the group can be strictly lower, so the scan of the group ends without
//    changing the result.
#include "decode.h"

#include "fnv.h"

namespace gx {

namespace {

constexpr int32_t kCostMax = 255;  // golden decode.COST_MAX: priors and table entries
constexpr int32_t kNoCost = 0x7fffffff;
constexpr int32_t kMaxVersion = 200;
constexpr int32_t kLetterMask = (1 << kGxLetterBits) - 1;
static_assert(kGxLexLetters <= kLetterMask + 1, "a letter fits its code");

// Reads one group's bit stream, least significant bit first. Never reads outside
// [p, end): past the end it reads zeros and remembers that it overran.
class BitReader {
public:
    BitReader(const uint8_t* p, const uint8_t* end) : p_(p), end_(end) {}
    // k <= 8 bits
    uint32_t take(int32_t k) {
        if (n_ < k) {
            if (p_ < end_) {
                acc_ |= static_cast<uint32_t>(*p_++) << n_;
            } else {
                overrun_ = true;
            }
            n_ += 8;
        }
        const uint32_t v = acc_ & ((1u << k) - 1u);
        acc_ >>= k;
        n_ -= k;
        return v;
    }
    // a unary count (1 bits up to a 0 bit), at most limit + 1 (more is not read)
    int32_t unary(int32_t limit) {
        int32_t d = 0;
        while (d <= limit && take(1) != 0) ++d;
        return d;
    }
    bool overrun() const { return overrun_; }
    // bits not yet taken of the last byte read (they must be zero padding at a group's end)
    uint32_t rest() const { return acc_; }

private:
    const uint8_t* p_;
    const uint8_t* end_;
    uint32_t acc_ = 0;
    int32_t n_ = 0;
    bool overrun_ = false;
};

BitReader group_reader(const GxLexicon* lex, int32_t n) {
    return BitReader(lex->bits + lex->offset[n], lex->bits + lex->offset[n + 1]);
}

// One word of n letters from the reader: its prior (running) and letter codes.
void read_word(BitReader* r, int32_t n, int32_t* prior, uint8_t* w) {
    *prior += r->unary(kCostMax);
    for (int32_t j = 0; j < n; ++j) w[j] = static_cast<uint8_t>(r->take(kGxLetterBits));
}

bool in(int32_t v, int32_t lo, int32_t hi) { return v >= lo && v <= hi; }

bool version_ok(const char* s) { return gx_version_ok(s, kMaxVersion - 1); }

// Every field in range, so that the arrays' lengths are the ones the fields say.
bool fields_ok(const GxLexicon* lex) {
    if (!gx_lexicon_format_ok(lex) || lex->bits == nullptr || lex->cost_single == nullptr ||
        lex->cost_lstm == nullptr || lex->cost_cnn == nullptr || !in(lex->max_len, 1, kGxLexMaxLen) || !in(lex->extra_letter, 0, kCostMax) ||
        !in(lex->missing_letter, 0, kCostMax) || lex->count[0] != 0 || lex->offset[0] != 0 ||
        lex->offset[kGxLexMaxLen + 1] != lex->n_bytes)
        return false;
    int32_t total = 0;
    for (int32_t n = 0; n <= kGxLexMaxLen; ++n) {
        // a group of count words needs at least count * (5n + 1) bits
        if (!in(lex->count[n], 0, 1 << 20) || (n > lex->max_len && lex->count[n] != 0)) return false;
        if (lex->offset[n + 1] < lex->offset[n]) return false;
        total += lex->count[n];
    }
    if (total != lex->n_words || total <= 0 || lex->count[lex->max_len] <= 0) return false;
    // a fused letter cost (lstm + cnn) fits a scratch byte
    int32_t max_lstm = 0, max_cnn = 0;
    for (int32_t s = 0; s <= kGxProbMax; ++s) {
        if (lex->cost_lstm[s] > max_lstm) max_lstm = lex->cost_lstm[s];
        if (lex->cost_cnn[s] > max_cnn) max_cnn = lex->cost_cnn[s];
    }
    return max_lstm + max_cnn <= kCostMax;
}

// Reads every word of every group: letters are codes of a..z, priors at most 255, each group
// ends in its last byte with zero padding.
bool words_ok(const GxLexicon* lex) {
    uint8_t w[kGxLexMaxLen];
    for (int32_t n = 0; n <= kGxLexMaxLen; ++n) {
        BitReader r = group_reader(lex, n);
        int32_t prior = 0;
        for (int32_t k = 0; k < lex->count[n]; ++k) {
            read_word(&r, n, &prior, w);
            if (prior > kCostMax) return false;
            for (int32_t j = 0; j < n; ++j)
                if (w[j] >= kGxLexLetters) return false;
            if (r.overrun()) return false;
        }
        // the group's bytes all read (its last one holding only padding after the words)
        BitReader end = r;
        if (r.rest() != 0 || end.take(8) != 0 || !end.overrun()) return false;
    }
    return true;
}

class Fnv : public GxFnv1a {
public:
    void bytes(const uint8_t* p, int32_t n) {
        for (int32_t i = 0; i < n; ++i) byte(p[i]);
    }
};

struct Best {
    int32_t cost = kNoCost;
    int32_t length = -1;
    int32_t pos = -1;  // in its group
};

// The spotted letters' cost rows, their minima's sum and the largest minimum.
struct Bounds {
    int32_t sum_min = 0;
    int32_t max_min = 0;
};

// Case 0: words of n letters, spotted letter i read as word letter i.
void scan_exact(const GxLexicon* lex, const GxDecodeScratch& s, int32_t n, int32_t bound, Best* best) {
    BitReader r = group_reader(lex, n);
    int32_t prior = 0;
    for (int32_t k = 0; k < lex->count[n]; ++k) {
        prior += r.unary(kCostMax);
        if (prior + bound >= best->cost) return;  // no later word is lower (priors never decrease)
        int32_t cost = prior;
        for (int32_t j = 0; j < n; ++j) cost += s.cost[j][r.take(kGxLetterBits)];
        if (cost < best->cost) *best = Best{cost, n, k};
    }
}

// Case 1: words of m letters from m + 1 spotted ones, spotted letter i left out: word letter
// j is spotted letter j before i, j + 1 from i on. Cost: min over i = 0..m of
// sum_{j<i} cost[j][w_j] + sum_{j>=i} cost[j+1][w_j] (a prefix sum + a suffix sum).
void scan_shorter(const GxLexicon* lex, const GxDecodeScratch& s, int32_t m, int32_t add, int32_t bound, Best* best) {
    BitReader r = group_reader(lex, m);
    uint8_t w[kGxLexMaxLen];
    int32_t suffix[kGxLexMaxLen + 1];
    int32_t prior = 0;
    for (int32_t k = 0; k < lex->count[m]; ++k) {
        prior += r.unary(kCostMax);
        if (prior + bound >= best->cost) return;
        for (int32_t j = 0; j < m; ++j) w[j] = static_cast<uint8_t>(r.take(kGxLetterBits));
        suffix[m] = 0;
        for (int32_t j = m - 1; j >= 0; --j) suffix[j] = suffix[j + 1] + s.cost[j + 1][w[j]];
        int32_t pre = 0, low = suffix[0];
        for (int32_t i = 1; i <= m; ++i) {
            pre += s.cost[i - 1][w[i - 1]];
            if (pre + suffix[i] < low) low = pre + suffix[i];
        }
        const int32_t cost = prior + add + low;
        if (cost < best->cost) *best = Best{cost, m, k};
    }
}

// Case 2: words of m letters from m - 1 spotted ones, word letter i not spotted: word letter
// j is spotted letter j before i, j - 1 after i. Cost: min over i = 0..m-1 of
// sum_{j<i} cost[j][w_j] + sum_{j>i} cost[j-1][w_j].
void scan_longer(const GxLexicon* lex, const GxDecodeScratch& s, int32_t m, int32_t add, int32_t bound, Best* best) {
    BitReader r = group_reader(lex, m);
    uint8_t w[kGxLexMaxLen];
    int32_t suffix[kGxLexMaxLen];
    int32_t prior = 0;
    for (int32_t k = 0; k < lex->count[m]; ++k) {
        prior += r.unary(kCostMax);
        if (prior + bound >= best->cost) return;
        for (int32_t j = 0; j < m; ++j) w[j] = static_cast<uint8_t>(r.take(kGxLetterBits));
        suffix[m - 1] = 0;
        for (int32_t j = m - 2; j >= 0; --j) suffix[j] = suffix[j + 1] + s.cost[j][w[j + 1]];
        int32_t pre = 0, low = suffix[0];
        for (int32_t i = 1; i < m; ++i) {
            pre += s.cost[i - 1][w[i - 1]];
            if (pre + suffix[i] < low) low = pre + suffix[i];
        }
        const int32_t cost = prior + add + low;
        if (cost < best->cost) *best = Best{cost, m, k};
    }
}

}  // namespace

bool gx_lexicon_format_ok(const GxLexicon* lex) {
    static_assert(kGxLexFormat >= 1 && kGxLexFormat <= 9, "the format is one digit");
    const char want[] = {'g', 'x', 'l', 'e', 'x', '/', static_cast<char>('0' + kGxLexFormat), ' '};
    if (lex == nullptr || !version_ok(lex->version)) return false;
    for (uint32_t i = 0; i < sizeof want; ++i)
        if (lex->version[i] != want[i]) return false;  // a shorter string ends at its NUL first
    return true;
}

bool gx_lexicon_checksum(const GxLexicon* lex, uint32_t* sum) {
    if (sum == nullptr || !fields_ok(lex) || !words_ok(lex)) return false;
    Fnv f;
    int32_t len = 0;
    while (lex->version[len] != '\0') ++len;
    f.i32(len);
    f.bytes(reinterpret_cast<const uint8_t*>(lex->version), len);
    const int32_t head[] = {lex->n_words, lex->max_len, lex->extra_letter, lex->missing_letter};
    for (int32_t v : head) f.i32(v);
    for (int32_t v : lex->count) f.i32(v);
    for (int32_t v : lex->offset) f.i32(v);
    f.i32(lex->n_bytes);
    f.bytes(lex->bits, lex->n_bytes);
    f.bytes(lex->cost_single, kGxProbMax + 1);
    f.bytes(lex->cost_lstm, kGxProbMax + 1);
    f.bytes(lex->cost_cnn, kGxProbMax + 1);
    *sum = f.sum();
    return true;
}

bool gx_lexicon_verify(const GxLexicon* lex) {
    uint32_t s = 0;
    return gx_lexicon_checksum(lex, &s) && s == lex->checksum;
}

namespace {

// scratch->cost rows of n letters from letter i's outputs at probs + i * nets * 26: row i,
// letter c = first[p(c)] (+ second[p(26 + c)] with two networks), at most 255; codes 26..31
// cost 255.
GxDecodeStatus fill_costs(const uint8_t* probs, int32_t nets, int32_t n_letters, const uint8_t* first,
                          const uint8_t* second, GxDecodeScratch* scratch) {
    if (probs == nullptr || first == nullptr || (nets == 2 && second == nullptr) || scratch == nullptr ||
        n_letters < 0)
        return GX_DECODE_ERR_ARGS;
    const int32_t n = n_letters < kGxDecodeMaxLetters ? n_letters : kGxDecodeMaxLetters;
    for (int32_t i = 0; i < n; ++i) {
        const uint8_t* p = probs + i * nets * kGxLexLetters;
        for (int32_t c = 0; c < kGxLexLetters; ++c) {
            int32_t v = first[p[c]];
            // a verified lexicon's sum is at most 255; an unverified one's is clamped to the byte
            if (nets == 2) v += second[p[kGxLexLetters + c]];
            scratch->cost[i][c] = static_cast<uint8_t>(v < kCostMax ? v : kCostMax);
        }
        for (int32_t c = kGxLexLetters; c <= kLetterMask; ++c) scratch->cost[i][c] = kCostMax;
    }
    return GX_DECODE_OK;
}

}  // namespace

GxDecodeStatus gx_letter_costs_single(const uint8_t* probs, int32_t n_letters, const GxLexicon* lex,
                                      GxDecodeScratch* scratch) {
    if (lex == nullptr) return GX_DECODE_ERR_ARGS;
    return fill_costs(probs, 1, n_letters, lex->cost_single, nullptr, scratch);
}

GxDecodeStatus gx_letter_costs_fused(const uint8_t* probs, int32_t n_letters, const GxLexicon* lex,
                                     GxDecodeScratch* scratch) {
    if (lex == nullptr) return GX_DECODE_ERR_ARGS;
    return fill_costs(probs, 2, n_letters, lex->cost_lstm, lex->cost_cnn, scratch);
}

GxDecodeStatus gx_decode_word(int32_t n_letters, const GxLexicon* lex, const GxDecodeScratch* scratch,
                              GxDecodeResult* result) {
    if (result == nullptr) return GX_DECODE_ERR_ARGS;
    *result = GxDecodeResult{-1, 0, 0};
    if (lex == nullptr || scratch == nullptr || n_letters < 0) return GX_DECODE_ERR_ARGS;
    // the golden model: no word of L - 1, L or L + 1 letters, no candidate
    if (n_letters > kGxDecodeMaxLetters) return GX_DECODE_NONE;
    const int32_t n = n_letters;
    Bounds b;
    for (int32_t i = 0; i < n; ++i) {
        int32_t lo = kCostMax;
        for (int32_t c = 0; c < kGxLexLetters; ++c)
            if (scratch->cost[i][c] < lo) lo = scratch->cost[i][c];
        b.sum_min += lo;
        if (lo > b.max_min) b.max_min = lo;
    }
    Best best;
    if (n >= 1 && n <= kGxLexMaxLen) scan_exact(lex, *scratch, n, b.sum_min, &best);
    // left out: the word uses all spotted letters but one, at best the dearest minimum
    if (n >= 2) scan_shorter(lex, *scratch, n - 1, lex->extra_letter, lex->extra_letter + b.sum_min - b.max_min, &best);
    // unspotted: the word letter costs nothing, every spotted letter is used
    if (n + 1 <= kGxLexMaxLen) scan_longer(lex, *scratch, n + 1, lex->missing_letter, lex->missing_letter + b.sum_min, &best);
    if (best.length < 0) return GX_DECODE_NONE;
    int32_t entry = best.pos;
    for (int32_t k = 0; k < best.length; ++k) entry += lex->count[k];
    *result = GxDecodeResult{entry, best.length, best.cost};
    return GX_DECODE_OK;
}

int32_t gx_lexicon_word(const GxLexicon* lex, int32_t entry, char* out, int32_t cap) {
    if (lex == nullptr || out == nullptr || entry < 0) return -1;
    for (int32_t n = 0; n <= kGxLexMaxLen; ++n) {
        if (entry >= lex->count[n]) {
            entry -= lex->count[n];
            continue;
        }
        if (cap < n + 1) return -1;
        BitReader r = group_reader(lex, n);
        uint8_t w[kGxLexMaxLen];
        int32_t prior = 0;
        for (int32_t k = 0; k <= entry; ++k) read_word(&r, n, &prior, w);
        for (int32_t j = 0; j < n; ++j) out[j] = static_cast<char>('a' + (w[j] < kGxLexLetters ? w[j] : 0));
        out[n] = '\0';
        return n;
    }
    return -1;
}

}  // namespace gx
