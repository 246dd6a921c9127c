#include "calibrate.h"

#include "fnv.h"

namespace gx {

namespace {

const uint8_t kMagic[4] = {'G', 'X', 'L', '5'};
// Records of earlier specs: refused (GX_CALIB_ERR_VERSION): v1 fixed gain, v2 reach 1, v3 other
// gains, v4 no letter mean.
const uint8_t kMagicOld[4][4] = {{'G', 'X', 'L', '1'}, {'G', 'X', 'L', '2'}, {'G', 'X', 'L', '3'}, {'G', 'X', 'L', '4'}};
constexpr int32_t kNoDistance = INT32_MAX;

void put_u32(uint8_t* p, uint32_t v) {
    for (int k = 0; k < 4; ++k) p[k] = static_cast<uint8_t>(v >> (8 * k));
}
uint32_t get_u32(const uint8_t* p) {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= static_cast<uint32_t>(p[k]) << (8 * k);
    return v;
}

bool same4(const uint8_t* a, const uint8_t* b) { return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3]; }

bool is_gain(int32_t g) {
    for (int i = 0; i < kGxCalibNGains; ++i)
        if (g == kGxCalibGains[i]) return true;
    return false;
}

const uint8_t* record_bytes(const GxCalibSet* set) { return reinterpret_cast<const uint8_t*>(set); }

uint32_t digest_of(const GxCalibSet* set, int n) {
    GxFnv1a h;
    const uint8_t* p = record_bytes(set);
    for (int i = 8; i < n; ++i) h.byte(p[i]);
    return h.sum();
}

// Offset of network k's features in a sample.
int feat_off(const GxCalibSet* set, int k) { return k == 0 ? 0 : set->dims[0]; }

// L1 distance of two feature slices of n values (int8: each term <= 255, n <= 128).
int32_t l1(const int8_t* a, const int8_t* b, int n) {
    int32_t d = 0;
    for (int i = 0; i < n; ++i) {
        const int32_t t = static_cast<int32_t>(a[i]) - b[i];
        d += t < 0 ? -t : t;
    }
    return d;
}

int32_t dist(const GxCalibSet* set, int k, const int8_t* x, const GxCalibSample& s) {
    const int off = feat_off(set, k);
    return l1(x + off, s.feat + off, set->dims[k]);
}

// The scale of the set without sample `skip` (-1: none), from each sample's nearest other
// letter (near1) and, when that is `skip` itself, its second nearest (near2).
void scale_from(const GxCalibSet* set, const GxCalibLooScratch* sc, int skip, int letters, GxCalibScale* out) {
    out->active = letters >= 2;
    for (int k = 0; k < kGxCalibMaxNets; ++k) out->tau[k] = 1;
    if (!out->active) return;
    for (int k = 0; k < set->n_nets; ++k) {
        int64_t sum = 0;
        int32_t count = 0;
        for (int j = 0; j < set->n_samples; ++j) {
            if (j == skip) continue;
            sum += sc->near1_at[j][k] == skip ? sc->near2[j][k] : sc->near1[j][k];
            ++count;
        }
        const int64_t t = sum / count;
        out->tau[k] = t < 1 ? 1 : static_cast<int32_t>(t);
    }
}

// Nearest and second-nearest distance of every sample to another letter's samples.
void neighbours(const GxCalibSet* set, GxCalibLooScratch* sc) {
    for (int j = 0; j < set->n_samples; ++j)
        for (int k = 0; k < set->n_nets; ++k) {
            sc->near1[j][k] = sc->near2[j][k] = kNoDistance;
            sc->near1_at[j][k] = 0xff;
        }
    for (int i = 0; i < set->n_samples; ++i)
        for (int j = i + 1; j < set->n_samples; ++j) {
            if (set->s[i].letter == set->s[j].letter) continue;
            for (int k = 0; k < set->n_nets; ++k) {
                const int32_t d = dist(set, k, set->s[i].feat, set->s[j]);
                const int ends[2] = {i, j};
                for (int e = 0; e < 2; ++e) {
                    const int a = ends[e], b = ends[1 - e];
                    if (d < sc->near1[a][k]) {
                        sc->near2[a][k] = sc->near1[a][k];
                        sc->near1[a][k] = d;
                        sc->near1_at[a][k] = static_cast<uint8_t>(b);
                    } else if (d < sc->near2[a][k]) {
                        sc->near2[a][k] = d;
                    }
                }
            }
        }
}

// Spec v5: a letter's 3 samples a, b, c (network k's slices) in one pass over x: their L1
// distances da, db, dc and e = sum_i |3 x_i - (a_i + b_i + c_i)| (3 x the distance to their
// mean), the sum of the three signed differences (each term <= 3 x 255, at most 128 terms).
static_assert(kGxCalibMeanFrom == 3 && kGxCalibKMax == 3, "a letter's mean is of its 3 samples");
void three_dist(const int8_t* x, const int8_t* a, const int8_t* b, const int8_t* c, int n, int32_t* nearest,
                int32_t* e_out) {
    int32_t da = 0, db = 0, dc = 0, e = 0;
    for (const int8_t* end = x + n; x != end; ++x, ++a, ++b, ++c) {  // pointers: no index arithmetic per term
        const int32_t xi = *x;
        const int32_t ta = xi - *a, tb = xi - *b, tc = xi - *c, t = ta + tb + tc;
        da += ta < 0 ? -ta : ta;
        db += tb < 0 ? -tb : tb;
        dc += tc < 0 ? -tc : tc;
        e += t < 0 ? -t : t;
    }
    const int32_t m = da < db ? da : db;
    *nearest = m < dc ? m : dc;
    *e_out = e;
}

// d[c]: the distance of x (network k) to letter c in the set without sample `skip` (-1: none):
// its nearest sample's, or with kGxCalibMeanFrom samples the mean of that and its samples'
// mean's (spec v5); kNoDistance for letters without samples. `near` (unless null): the
// nearest sample's distance of every letter (continuous writing's outputs, spec v5).
void nearest_net(const GxCalibSet* set, int k, const int8_t* x, int skip, int32_t d[kGxClasses],
                 int32_t* near = nullptr) {
    uint8_t at[kGxClasses][kGxCalibKMax];
    uint8_t count[kGxClasses] = {};
    for (int j = 0; j < set->n_samples; ++j) {  // each letter's samples (gx_calib_check: at most K_MAX)
        const int c = set->s[j].letter;
        if (j != skip && count[c] < kGxCalibKMax) at[c][count[c]++] = static_cast<uint8_t>(j);
    }
    const int off = feat_off(set, k), n = set->dims[k];
    const int8_t* xk = x + off;
    for (int c = 0; c < kGxClasses; ++c) {
        int32_t m = kNoDistance, v = kNoDistance;
        if (count[c] == kGxCalibMeanFrom) {
            int32_t e;
            three_dist(xk, set->s[at[c][0]].feat + off, set->s[at[c][1]].feat + off, set->s[at[c][2]].feat + off, n, &m, &e);
            v = (3 * m + e) / 6;  // 3 x 32640 + 128 x 765 fits int32
        } else {
            for (int j = 0; j < count[c]; ++j) {
                const int32_t t = l1(xk, set->s[at[c][j]].feat + off, n);
                if (t < m) m = t;
            }
            v = m;
        }
        d[c] = v;
        if (near != nullptr) near[c] = m;
    }
}

// nearest_net of every network (`near`: each network's nearest-sample distances, unless null).
void nearest(const GxCalibSet* set, const int8_t* x, int skip, int32_t d[kGxCalibMaxNets][kGxClasses],
             int32_t (*near)[kGxClasses] = nullptr) {
    for (int k = 0; k < set->n_nets; ++k) nearest_net(set, k, x, skip, d[k], near != nullptr ? near[k] : nullptr);
}

// Network k's share of gain g (spec v3): a quarter for the BiLSTM of a two-network model.
int32_t net_gain(const GxCalibSet* set, int k, int32_t g) { return set->n_nets == 2 && k == 0 ? g / kGxCalibLstmShare : g; }

// The bonus of gain g at distance d (scale tau): 0 without samples (kNoDistance) or from
// r x tau on (r: kGxCalibReach for a decision, kGxCalibOutputReach for continuous writing's
// calibrated outputs).
int32_t bonus_at(int32_t d, int32_t tau, int32_t g, int32_t r = kGxCalibReach) {
    const int32_t reach = r * tau;  // tau <= 255 x 128, r <= 2: reach < 2^16
    // (reach - d) * g <= 65280 * 4080 fits int32
    return d == kNoDistance || d >= reach ? 0 : g * (reach - d) / reach;
}

// base + the bonus of gain g for the distances d (an inactive scale: base).
void with_bonus(const GxCalibSet* set, const GxCalibScale* scale, const int32_t d[kGxCalibMaxNets][kGxClasses],
                int32_t g, const uint16_t base[kGxClasses], uint16_t out[kGxClasses]) {
    for (int c = 0; c < kGxClasses; ++c) out[c] = base[c];
    if (!scale->active) return;
    for (int k = 0; k < set->n_nets; ++k) {
        const int32_t gk = net_gain(set, k, g);
        for (int c = 0; c < kGxClasses; ++c)  // a score stays below 510 + 4080 + 1020
            out[c] = static_cast<uint16_t>(out[c] + bonus_at(d[k][c], scale->tau[k], gk));
    }
}

// with_bonus, and each network's bonus of reach kGxCalibOutputReach (spec v4) at the nearest
// sample's distances `near` (spec v5) kept in `bonus` (0 past n_nets or inactive): what
// continuous writing's calibrated outputs read.
void with_bonus_kept(const GxCalibSet* set, const GxCalibScale* scale, const int32_t d[kGxCalibMaxNets][kGxClasses],
                     const int32_t near[kGxCalibMaxNets][kGxClasses], int32_t g, const uint16_t base[kGxClasses],
                     uint16_t out[kGxClasses], uint16_t bonus[kGxCalibMaxNets][kGxClasses]) {
    for (int c = 0; c < kGxClasses; ++c) out[c] = base[c];
    for (int k = 0; k < kGxCalibMaxNets; ++k)
        for (int c = 0; c < kGxClasses; ++c) bonus[k][c] = 0;
    if (!scale->active) return;
    for (int k = 0; k < set->n_nets; ++k) {
        const int32_t gk = net_gain(set, k, g);
        for (int c = 0; c < kGxClasses; ++c) {  // a bonus is at most 4080
            out[c] = static_cast<uint16_t>(out[c] + bonus_at(d[k][c], scale->tau[k], gk));
            bonus[k][c] = static_cast<uint16_t>(bonus_at(near[k][c], scale->tau[k], gk, kGxCalibOutputReach));
        }
    }
}

int first_max(const uint16_t v[kGxClasses]) {
    int best = 0;
    for (int c = 1; c < kGxClasses; ++c)
        if (v[c] > v[best]) best = c;
    return best;
}

}  // namespace

void gx_calib_init(GxCalibSet* set, int model_sel, uint32_t model_sum, int n_nets, const int32_t dims[]) {
    for (int k = 0; k < 4; ++k) set->magic[k] = kMagic[k];
    put_u32(set->model_sum, model_sum);
    set->model_sel = static_cast<uint8_t>(model_sel);
    set->n_nets = static_cast<uint8_t>(n_nets < 1 ? 1 : (n_nets > kGxCalibMaxNets ? kGxCalibMaxNets : n_nets));
    for (int k = 0; k < kGxCalibMaxNets; ++k) set->dims[k] = static_cast<uint8_t>(k < set->n_nets ? dims[k] : 0);
    gx_calib_clear(set);
}

void gx_calib_clear(GxCalibSet* set) {
    set->n_samples = 0;
    set->enabled = 0;
    gx_calib_set_gain(set, kGxCalibGains[0]);
    gx_calib_seal(set);
}

int32_t gx_calib_gain(const GxCalibSet* set) { return static_cast<int32_t>(set->gain[0] | (set->gain[1] << 8)); }

bool gx_calib_set_gain(GxCalibSet* set, int32_t g) {
    if (!is_gain(g)) return false;
    set->gain[0] = static_cast<uint8_t>(g);
    set->gain[1] = static_cast<uint8_t>(g >> 8);
    return true;
}

int gx_calib_count(const GxCalibSet* set, int letter) {
    int n = 0;
    for (int j = 0; j < set->n_samples; ++j) n += set->s[j].letter == letter;
    return n;
}

int gx_calib_letters(const GxCalibSet* set) {
    int n = 0;
    for (int c = 0; c < kGxClasses; ++c) n += gx_calib_count(set, c) > 0;
    return n;
}

int gx_calib_feat_len(const GxCalibSet* set) {
    int n = 0;
    for (int k = 0; k < set->n_nets; ++k) n += set->dims[k];
    return n;
}

bool gx_calib_add(GxCalibSet* set, int letter, const int8_t* x) {
    if (letter < 0 || letter >= kGxClasses) return false;
    if (gx_calib_count(set, letter) >= kGxCalibKMax) {  // drop the letter's oldest: the samples keep their order
        int j = 0;
        while (set->s[j].letter != letter) ++j;
        for (; j + 1 < set->n_samples; ++j) set->s[j] = set->s[j + 1];
        --set->n_samples;
    }
    GxCalibSample& s = set->s[set->n_samples];
    s.letter = static_cast<uint8_t>(letter);
    const int n = gx_calib_feat_len(set);
    for (int i = 0; i < kGxFeatMax; ++i) s.feat[i] = i < n ? x[i] : 0;
    ++set->n_samples;
    return true;
}

void gx_calib_scale(const GxCalibSet* set, GxCalibScale* scale) {
    scale->active = gx_calib_letters(set) >= 2;
    for (int k = 0; k < kGxCalibMaxNets; ++k) scale->tau[k] = 1;
    if (!scale->active) return;
    for (int k = 0; k < set->n_nets; ++k) {
        int64_t sum = 0;
        for (int j = 0; j < set->n_samples; ++j) {
            int32_t best = kNoDistance;
            for (int i = 0; i < set->n_samples; ++i) {
                if (set->s[i].letter == set->s[j].letter) continue;
                const int32_t d = dist(set, k, set->s[j].feat, set->s[i]);
                if (d < best) best = d;
            }
            sum += best;
        }
        const int64_t t = sum / set->n_samples;
        scale->tau[k] = t < 1 ? 1 : static_cast<int32_t>(t);
    }
}

void gx_calib_decide(const GxCalibSet* set, const GxCalibScale* scale, const int8_t* x,
                     const uint16_t base[kGxClasses], GxCalibOut* out) {
    int32_t d[kGxCalibMaxNets][kGxClasses], near[kGxCalibMaxNets][kGxClasses];
    if (scale->active) nearest(set, x, -1, d, near);
    with_bonus_kept(set, scale, d, near, gx_calib_gain(set), base, out->scores, out->bonus);
    gx_top3(out->scores, kGxClasses, out->top3);
    out->index = out->top3[0];
}

void gx_calib_outputs(const GxCalibOut* out, int k, const uint8_t p[kGxClasses], uint8_t q[kGxClasses]) {
    static const uint16_t kNone[kGxClasses] = {};
    const uint16_t* b = k >= 0 && k < kGxCalibMaxNets ? out->bonus[k] : kNone;
    int32_t sp = 0, sb = 0;
    for (int c = 0; c < kGxClasses; ++c) {
        sp += p[c];
        sb += b[c];
    }
    const int32_t t = sp + sb > 1 ? sp + sb : 1;
    for (int c = 0; c < kGxClasses; ++c) {
        // p_c + b_c <= 255 + 4080 and sp <= 26 * 255: (255 + 4080) * 26 * 255 = 28,741,050 fits int32
        const int32_t v = (static_cast<int32_t>(p[c]) + b[c]) * sp / t;
        q[c] = static_cast<uint8_t>(v > 255 ? 255 : v);
    }
}

bool gx_calib_loo(const GxCalibSet* set, GxCalibScoresFn scores_of, void* ctx, GxCalibLooScratch* scratch,
                  GxCalibLoo* out) {
    out->n = 0;
    out->uncal_correct = 0;
    for (int g = 0; g < kGxCalibNGains; ++g) out->cal_by_gain[g] = 0;
    neighbours(set, scratch);
    const int letters = gx_calib_letters(set);
    for (int j = 0; j < set->n_samples; ++j) {
        const int c = set->s[j].letter;
        if (gx_calib_count(set, c) < 2) continue;  // spec v3: a letter's only sample is not judged
        ++out->n;
        GxCalibScale scale;
        scale_from(set, scratch, j, letters, &scale);  // the judged sample's letter keeps a sample
        uint16_t base[kGxClasses], v[kGxClasses];
        if (!scores_of(ctx, j, set->s[j].feat, base)) return false;
        int32_t d[kGxCalibMaxNets][kGxClasses];
        if (scale.active) nearest(set, set->s[j].feat, j, d);  // once for every gain
        out->uncal_correct += first_max(base) == c;
        for (int g = 0; g < kGxCalibNGains; ++g) {
            with_bonus(set, &scale, d, kGxCalibGains[g], base, v);
            out->cal_by_gain[g] += first_max(v) == c;
        }
    }
    int best = 0;  // spec v4: the most samples right, ties to the larger gain; nothing judged: the first
    if (out->n > 0)
        for (int g = 1; g < kGxCalibNGains; ++g)
            if (out->cal_by_gain[g] >= out->cal_by_gain[best]) best = g;
    out->gain = kGxCalibGains[best];
    out->cal_correct = out->cal_by_gain[best];
    return true;
}

int gx_calib_record_bytes(const GxCalibSet* set) {
    const int n = set->n_samples > kGxCalibMaxSamples ? kGxCalibMaxSamples : set->n_samples;
    return kGxCalibHeaderBytes + n * static_cast<int>(sizeof(GxCalibSample));
}

void gx_calib_seal(GxCalibSet* set) {
    for (int k = 0; k < 4; ++k) set->magic[k] = kMagic[k];
    put_u32(set->digest, digest_of(set, gx_calib_record_bytes(set)));
}

int gx_calib_check(const GxCalibSet* set, int n, int model_sel, uint32_t model_sum, int n_nets,
                   const int32_t dims[]) {
    if (n < kGxCalibHeaderBytes || n > kGxCalibRecordMax) return GX_CALIB_ERR_SIZE;
    for (const uint8_t* old : kMagicOld)
        if (same4(set->magic, old)) return GX_CALIB_ERR_VERSION;
    if (!same4(set->magic, kMagic)) return GX_CALIB_ERR_MAGIC;
    if (set->n_samples > kGxCalibMaxSamples || n != gx_calib_record_bytes(set)) return GX_CALIB_ERR_SIZE;
    if (get_u32(set->digest) != digest_of(set, n)) return GX_CALIB_ERR_DIGEST;
    if (set->model_sel != model_sel || get_u32(set->model_sum) != model_sum || set->n_nets != n_nets)
        return GX_CALIB_ERR_MODEL;
    for (int k = 0; k < kGxCalibMaxNets; ++k)
        if (set->dims[k] != (k < n_nets ? dims[k] : 0)) return GX_CALIB_ERR_MODEL;
    if (set->enabled > 1 || !is_gain(gx_calib_gain(set))) return GX_CALIB_ERR_RANGE;
    for (int c = 0; c < kGxClasses; ++c)
        if (gx_calib_count(set, c) > kGxCalibKMax) return GX_CALIB_ERR_RANGE;
    for (int j = 0; j < set->n_samples; ++j)
        if (set->s[j].letter >= kGxClasses) return GX_CALIB_ERR_RANGE;
    return GX_CALIB_OK;
}

}  // namespace gx
