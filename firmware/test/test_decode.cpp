// Test program: the word decoder (core/decode.h) on the compiled-in lexicon against the golden
// model's answers (glovexfer.golden.decode.decode_word), and the lexicon's start-up check.
// Usage: gx_test_decode <cases.txt> [bench]
//        gx_test_decode mutate
// Cases file (written by tests/test_decode.py): a line "gxdec 2 <n>", then n lines
//   <nets> <L> <word | - (no candidate)> <cost> <L * nets * 26 network outputs 0..255>
// letter by letter (nets 2: a fused model, the letter's LSTM outputs then its second
// network's). Each is turned into letter costs (gx_letter_costs_single / _fused), decoded, and
// the word (unpacked from flash) and cost compared with the golden ones. Before the cases the
// refused arguments (null pointers, L < 0) are checked to be answered GX_DECODE_ERR_ARGS.
// "bench" (emulated boards, QEMU -icount): one line "INSN <L> <instructions> <stack bytes>" per
// case, the decoder's instructions and the stack high-water mark during it.
// "mutate": the lexicon copied to RAM, one bit of it changed at a time (descriptor fields,
// bit stream, cost tables, version), each copy refused by gx_lexicon_verify; tables whose
// largest lstm and cnn costs add up to more than 255 refused by the checksum's range check.
// Last line: "N passed, M failed"; exit status 0 iff no failure.
#include <cstdio>
#include <cstring>

#include "decode.h"
#include "gx_lexicon.h"
#include "select.h"
#ifdef GX_TARGET_COUNTER
#include "target.h"
#endif

static_assert(gx::kGxWithLexicon, "the decoder's test carries the lexicon (GX_WITH_LEXICON=1)");

namespace {

using namespace gx;

constexpr int32_t kMaxCaseLetters = 64;
uint8_t g_probs[kMaxCaseLetters * 2 * kGxLexLetters];
GxDecodeScratch g_scratch;
int g_passed = 0, g_failed = 0;
bool g_reported = false;

void fail_once(const char* what) {
    if (!g_reported) std::printf("FIRST MISMATCH %s\n", what);
    g_reported = true;
    ++g_failed;
}

#ifdef GX_TARGET_COUNTER
GxDecodeResult g_bench_result;
const uint8_t* g_bench_probs;
int32_t g_bench_n, g_bench_nets;
#endif

// The letter costs of n letters' outputs of nets networks, then the word.
GxDecodeStatus costs_and_decode(const uint8_t* p, int32_t n, int32_t nets, GxDecodeResult* r) {
    const GxDecodeStatus st = nets == 2 ? gx_letter_costs_fused(p, n, gx_lexicon(), &g_scratch)
                                        : gx_letter_costs_single(p, n, gx_lexicon(), &g_scratch);
    return st != GX_DECODE_OK ? st : gx_decode_word(n, gx_lexicon(), &g_scratch, r);
}

#ifdef GX_TARGET_COUNTER
int bench_call() { return costs_and_decode(g_bench_probs, g_bench_n, g_bench_nets, &g_bench_result); }
#endif

GxDecodeStatus decode(const uint8_t* p, int32_t n, int32_t nets, GxDecodeResult* r, bool bench) {
#ifdef GX_TARGET_COUNTER
    if (bench) {
        g_bench_probs = p;
        g_bench_n = n;
        g_bench_nets = nets;
        gx_target_stack_paint();
        const uint64_t t0 = gx_target_instructions();
        const int st = gx_target_run(bench_call);
        const uint64_t t1 = gx_target_instructions();
        std::printf("INSN %ld %lu %lu\n", static_cast<long>(n), static_cast<unsigned long>(t1 - t0),
                    static_cast<unsigned long>(gx_target_stack_high_water()));
        *r = g_bench_result;
        return static_cast<GxDecodeStatus>(st);
    }
#else
    (void)bench;
#endif
    return costs_and_decode(p, n, nets, r);
}

// Refused arguments: each answered GX_DECODE_ERR_ARGS (and the result cleared).
void check_refused() {
    const GxLexicon* lex = gx_lexicon();
    GxDecodeResult r{7, 7, 7};
    const bool ok = gx_letter_costs_single(nullptr, 1, lex, &g_scratch) == GX_DECODE_ERR_ARGS &&
                    gx_letter_costs_fused(nullptr, 1, lex, &g_scratch) == GX_DECODE_ERR_ARGS &&
                    gx_letter_costs_single(g_probs, -1, lex, &g_scratch) == GX_DECODE_ERR_ARGS &&
                    gx_letter_costs_fused(g_probs, 1, nullptr, &g_scratch) == GX_DECODE_ERR_ARGS &&
                    gx_letter_costs_single(g_probs, 1, lex, nullptr) == GX_DECODE_ERR_ARGS &&
                    gx_decode_word(-1, lex, &g_scratch, &r) == GX_DECODE_ERR_ARGS && r.entry == -1 && r.cost == 0 &&
                    gx_decode_word(1, nullptr, &g_scratch, &r) == GX_DECODE_ERR_ARGS &&
                    gx_decode_word(1, lex, nullptr, &r) == GX_DECODE_ERR_ARGS &&
                    gx_decode_word(1, lex, &g_scratch, nullptr) == GX_DECODE_ERR_ARGS;
    if (ok) {
        ++g_passed;
    } else {
        fail_once("a refused argument was accepted");
    }
}

int run_cases(const char* path, bool bench) {
    FILE* f = std::fopen(path, "r");
    char tag[16];
    int ver = 0, n = 0;
    if (f == nullptr || std::fscanf(f, "%15s %d %d", tag, &ver, &n) != 3 || std::strcmp(tag, "gxdec") != 0 || ver != 2) {
        std::printf("%s: not a gxdec 2 file\n0 passed, 1 failed\n", path);
        if (f != nullptr) std::fclose(f);
        return 2;
    }
    if (!bench) check_refused();
    long letters = 0;
    int cases = 0;
    for (int k = 0; k < n; ++k) {
        long nets = 0, len = 0, cost = 0;
        char want[40];
        if (std::fscanf(f, "%ld %ld %39s %ld", &nets, &len, want, &cost) != 4 || len < 0 || len > kMaxCaseLetters ||
            (nets != 1 && nets != 2)) {
            std::printf("case %d: unreadable\n", k);
            ++g_failed;
            break;
        }
        bool ok = true;
        for (long i = 0; i < len * nets * kGxLexLetters && ok; ++i) {
            unsigned v = 0;
            ok = std::fscanf(f, "%u", &v) == 1 && v <= static_cast<unsigned>(kGxProbMax);
            g_probs[i] = static_cast<uint8_t>(v);
        }
        if (!ok) {
            std::printf("case %d: unreadable scores\n", k);
            ++g_failed;
            break;
        }
        GxDecodeResult r{};
        ++cases;
        const GxDecodeStatus st = decode(g_probs, static_cast<int32_t>(len), static_cast<int32_t>(nets), &r, bench);
        char got[kGxLexMaxLen + 1] = "-";
        long got_cost = 0;
        if (st == GX_DECODE_ERR_ARGS) {
            std::strcpy(got, "!");
        } else if (st == GX_DECODE_OK) {
            if (gx_lexicon_word(gx_lexicon(), r.entry, got, sizeof got) != r.length) std::strcpy(got, "?");
            got_cost = r.cost;
        }
        letters += len;
        if (std::strcmp(got, want) == 0 && got_cost == cost) {
            ++g_passed;
        } else {
            char what[160];
            std::snprintf(what, sizeof what, "case %d (L=%ld, nets %ld): golden %s %ld, C++ %s %ld", k, len, nets, want, cost,
                          got, got_cost);
            fail_once(what);
        }
    }
    std::fclose(f);
    std::printf("%d cases, %ld letters, %d mismatches\n", cases, letters, g_failed);
    return 0;
}

// The lexicon in RAM, its arrays copied so that one bit of each can be changed.
uint8_t g_bits[64 * 1024];
uint8_t g_cost_single[kGxProbMax + 1];
uint8_t g_cost_lstm[kGxProbMax + 1];
uint8_t g_cost_cnn[kGxProbMax + 1];
char g_version[256];

GxLexicon ram_copy(const GxLexicon& src) {
    GxLexicon c = src;
    std::memcpy(g_bits, src.bits, static_cast<size_t>(src.n_bytes));
    std::memcpy(g_cost_single, src.cost_single, sizeof g_cost_single);
    std::memcpy(g_cost_lstm, src.cost_lstm, sizeof g_cost_lstm);
    std::memcpy(g_cost_cnn, src.cost_cnn, sizeof g_cost_cnn);
    std::strncpy(g_version, src.version, sizeof g_version - 1);
    c.bits = g_bits;
    c.cost_single = g_cost_single;
    c.cost_lstm = g_cost_lstm;
    c.cost_cnn = g_cost_cnn;
    c.version = g_version;
    return c;
}

// One bit of bytes p[0..n) flipped at a time (every stride-th byte, bit k % 8), each refused.
void mutate_bytes(const GxLexicon& src, uint8_t* p, int32_t n, int32_t stride, const char* what) {
    int32_t tried = 0, refused = 0;
    for (int32_t i = 0; i < n; i += stride) {
        GxLexicon c = ram_copy(src);
        p[i] ^= static_cast<uint8_t>(1u << (i % 8));
        ++tried;
        if (!gx_lexicon_verify(&c)) ++refused;
        p[i] ^= static_cast<uint8_t>(1u << (i % 8));
    }
    std::printf("mutate %s: %ld changed, %ld refused\n", what, static_cast<long>(tried), static_cast<long>(refused));
    if (tried == refused) {
        ++g_passed;
    } else {
        fail_once(what);
    }
}

int run_mutations() {
    const GxLexicon& src = *gx_lexicon();
    if (static_cast<size_t>(src.n_bytes) > sizeof g_bits) {
        std::printf("lexicon larger than the test's copy\n0 passed, 1 failed\n");
        return 1;
    }
    GxLexicon same = ram_copy(src);
    if (gx_lexicon_verify(&same)) {
        ++g_passed;
    } else {
        fail_once("the unchanged RAM copy is refused");
    }
    // every int32 field of the descriptor, each bit position in turn
    GxLexicon base = ram_copy(src);
    uint8_t* fields = reinterpret_cast<uint8_t*>(&base.n_words);
    const int32_t field_bytes = static_cast<int32_t>(reinterpret_cast<uint8_t*>(&base.offset[kGxLexMaxLen + 1] + 1) - fields);
    int32_t tried = 0, refused = 0;
    for (int32_t i = 0; i < field_bytes; ++i) {
        GxLexicon c = base;
        reinterpret_cast<uint8_t*>(&c.n_words)[i] ^= static_cast<uint8_t>(1u << (i % 8));
        ++tried;
        if (!gx_lexicon_verify(&c)) ++refused;
    }
    GxLexicon c = base;
    c.n_bytes ^= 1;
    ++tried;
    if (!gx_lexicon_verify(&c)) ++refused;
    c = base;
    c.checksum ^= 0x100u;
    ++tried;
    if (!gx_lexicon_verify(&c)) ++refused;
    std::printf("mutate fields: %ld changed, %ld refused\n", static_cast<long>(tried), static_cast<long>(refused));
    if (tried == refused) {
        ++g_passed;
    } else {
        fail_once("fields");
    }
    mutate_bytes(src, g_bits, src.n_bytes, 7, "bits");
    mutate_bytes(src, g_cost_single, kGxProbMax + 1, 1, "cost_single");
    mutate_bytes(src, g_cost_lstm, kGxProbMax + 1, 1, "cost_lstm");
    mutate_bytes(src, g_cost_cnn, kGxProbMax + 1, 1, "cost_cnn");
    // tables whose largest lstm and cnn costs add up to more than 255 (a fused letter cost
    // would not fit its byte): refused whatever the checksum says
    {
        GxLexicon dear = ram_copy(src);
        uint32_t sum = 0;
        g_cost_lstm[0] = static_cast<uint8_t>(256 - g_cost_cnn[0]);
        const bool refused = !gx_lexicon_checksum(&dear, &sum);
        g_cost_lstm[0] = static_cast<uint8_t>(255 - g_cost_cnn[0]);
        const bool kept = gx_lexicon_checksum(&dear, &sum);  // at most 255: read, the checksum differs
        std::printf("tables: lstm + cnn 256 %s, 255 %s\n", refused ? "refused" : "ACCEPTED", kept ? "read" : "REFUSED");
        if (refused && kept) {
            ++g_passed;
        } else {
            fail_once("tables");
        }
    }
    // a lexicon of format 1 (its version "gxlex/1 ..."): refused as such, whatever the checksum
    {
        GxLexicon old = ram_copy(src);
        uint32_t sum = 0;
        const bool now = gx_lexicon_format_ok(&old);
        g_version[6] = '1';
        const bool refused = !gx_lexicon_format_ok(&old) && !gx_lexicon_checksum(&old, &sum);
        std::printf("format: %s %s, %s %s\n", src.version, now ? "read" : "REFUSED", g_version,
                    refused ? "refused" : "ACCEPTED");
        if (now && refused) {
            ++g_passed;
        } else {
            fail_once("format");
        }
    }
    mutate_bytes(src, reinterpret_cast<uint8_t*>(g_version), static_cast<int32_t>(std::strlen(src.version)), 1,
                 "version");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const bool ok = gx_lexicon_verify(gx_lexicon());
    std::printf("lexicon %s: %ld words, checksum %s\n", gx_lexicon()->version, static_cast<long>(gx_lexicon()->n_words),
                ok ? "ok" : "REFUSED");
    if (!ok) ++g_failed;
    int rc = 0;
    if (argc == 2 && std::strcmp(argv[1], "mutate") == 0) {
        rc = run_mutations();
    } else if (argc == 2 || (argc == 3 && std::strcmp(argv[2], "bench") == 0)) {
        rc = run_cases(argv[1], argc == 3);
    } else {
        std::printf("usage: %s <cases.txt> [bench] | mutate\n", argv[0]);
        rc = 2;
        ++g_failed;
    }
    std::printf("%d passed, %d failed\n", g_passed, g_failed);
    return rc != 0 ? rc : (g_failed == 0 ? 0 : 1);
}
