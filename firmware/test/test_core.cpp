// Host test: runs the C++ core on golden test vectors and compares every intermediate.
// Usage: gx_test_core <vector_dir>   (reads <vector_dir>/index.txt)
// Last line of output: "N passed, M failed" (recordings; a failure of the fixed-point
// helpers' self-check counts as one failure). Exit status 0 iff no mismatch.
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "fixed.h"
#include "pipeline.h"

namespace {

constexpr int kMaxStages = 16;
constexpr int kMaxValues = gx::kCanvasPx * gx::kCanvasPx;  // largest stage: the canvas

struct Stage {
    char name[32];
    int rows, cols;
    int64_t v[kMaxValues];
};

struct Vector {
    char name[128];
    int n_stages;
    Stage st[kMaxStages];
};

Vector g_vec;       // static: large
gx::GxStages g_out;  // static: large

bool read_vector(const char* path, Vector* vec) {
    FILE* f = std::fopen(path, "r");
    if (!f) return false;
    char tok[128];
    int ver = 0;
    bool ok = std::fscanf(f, "%127s %d", tok, &ver) == 2 && std::strcmp(tok, "gxvec") == 0 && ver == 1;
    ok = ok && std::fscanf(f, "%127s %127s", tok, vec->name) == 2;
    vec->n_stages = 0;
    while (ok && std::fscanf(f, "%127s", tok) == 1) {
        if (std::strcmp(tok, "end") == 0) break;
        if (std::strcmp(tok, "stage") != 0 || vec->n_stages >= kMaxStages) { ok = false; break; }
        Stage* s = &vec->st[vec->n_stages++];
        if (std::fscanf(f, "%31s %d %d", s->name, &s->rows, &s->cols) != 3 || s->rows < 0 || s->cols < 0 ||
            s->rows * s->cols > kMaxValues) { ok = false; break; }
        for (int i = 0; i < s->rows * s->cols && ok; ++i) ok = std::fscanf(f, "%" SCNd64, &s->v[i]) == 1;
    }
    std::fclose(f);
    return ok;
}

const Stage* find(const Vector* vec, const char* name) {
    for (int i = 0; i < vec->n_stages; ++i)
        if (std::strcmp(vec->st[i].name, name) == 0) return &vec->st[i];
    return nullptr;
}

long g_values = 0;
long g_stage_values[kMaxStages];
bool g_counting = true;  // false: a re-check of values already counted
const char* g_stage_names[kMaxStages] = {"dtheta", "quaternions", "euler", "points", "normalised", "smoothed",
                                         "thin_keep", "thinned", "resampled", "canvas", "image"};
constexpr int kNumCompared = 11;
bool g_reported = false;

// Compare rows x cols values got[] with the golden stage; report the first mismatch.
bool compare(const Vector* vec, int stage_idx, int rows, int cols, const int64_t* got) {
    const char* name = g_stage_names[stage_idx];
    const Stage* s = find(vec, name);
    if (!s) {
        std::printf("%s: stage %s missing from vector file\n", vec->name, name);
        return false;
    }
    if (s->rows != rows || s->cols != cols) {
        if (!g_reported)
            std::printf("FIRST MISMATCH %s stage %s: shape golden (%d, %d) C++ (%d, %d)\n", vec->name, name,
                        s->rows, s->cols, rows, cols);
        g_reported = true;
        return false;
    }
    for (int i = 0; i < rows * cols; ++i) {
        if (s->v[i] != got[i]) {
            if (!g_reported)
                std::printf("FIRST MISMATCH %s stage %s index %d (row %d col %d): golden %" PRId64 " C++ %" PRId64
                            "\n",
                            vec->name, name, i, i / cols, i % cols, s->v[i], got[i]);
            g_reported = true;
            return false;
        }
    }
    if (g_counting) {
        g_values += rows * cols;
        g_stage_values[stage_idx] += rows * cols;
    }
    return true;
}

int64_t g_buf[kMaxValues];
unsigned g_stages_seen = 0;  // bit per GxStageId the sink heard of

template <int C>
const int64_t* flat(const int32_t (*a)[C], int rows) {
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < C; ++c) g_buf[r * C + c] = a[r][c];
    return g_buf;
}

// The pipeline's GxStageSink: compares each stage while its result is in the stages (the
// early intermediates share one work area with the raster's buffers).
struct Check {
    const Vector* vec;
    bool ok;
};

void check_stage(void* ctx, int stage, const gx::GxStages* s) {
    Check* c = static_cast<Check*>(ctx);
    const Vector* vec = c->vec;
    const int n = s->n;
    const gx::GxEarlyStages& e = s->work.early;
    bool ok = true;
    switch (stage) {
        case gx::GX_STAGE_ORIENTATION:
            ok = compare(vec, 0, n, 3, flat<3>(e.dtheta, n)) && ok;
            ok = compare(vec, 1, n, 4, flat<4>(s->quaternions, n)) && ok;
            break;
        case gx::GX_STAGE_EULER: ok = compare(vec, 2, n, 3, flat<3>(e.euler, n)); break;
        case gx::GX_STAGE_POINTS: ok = compare(vec, 3, n, 2, flat<2>(e.points, n)); break;
        case gx::GX_STAGE_NORMALISED: ok = compare(vec, 4, n, 2, flat<2>(e.normalised, n)); break;
        case gx::GX_STAGE_SMOOTHED: ok = compare(vec, 5, n, 2, flat<2>(e.smoothed, n)); break;
        case gx::GX_STAGE_THINNED:
            for (int i = 0; i < s->n_keep; ++i) g_buf[i] = e.thin_keep[i];
            ok = compare(vec, 6, s->n_keep, 1, g_buf) && ok;
            ok = compare(vec, 7, s->n_keep, 2, flat<2>(e.thinned, s->n_keep)) && ok;
            break;
        case gx::GX_STAGE_RESAMPLED:
            ok = compare(vec, 8, gx::kResamplePoints, 2, flat<2>(s->resampled, gx::kResamplePoints));
            break;
        case gx::GX_STAGE_IMAGE:
            for (int i = 0; i < gx::kCanvasPx * gx::kCanvasPx; ++i)
                g_buf[i] = gx::gx_canvas_px(&s->work.raster, i / gx::kCanvasPx, i % gx::kCanvasPx);
            ok = compare(vec, 9, gx::kCanvasPx, gx::kCanvasPx, g_buf) && ok;
            ok = compare(vec, 10, gx::kOutPx, gx::kOutPx, flat<gx::kOutPx>(s->image, gx::kOutPx)) && ok;
            break;
        default: ok = false; break;
    }
    c->ok = ok && c->ok;
    g_stages_seen |= 1u << stage;
}

bool check_one(const Vector* vec) {
    const Stage* cs = find(vec, "counts");
    if (!cs || cs->cols != 9 || cs->rows < 1 || cs->rows > gx::kMaxSamples) {
        std::printf("%s: bad counts stage\n", vec->name);
        return false;
    }
    const int n = cs->rows;
    int16_t counts[gx::kMaxSamples][9];
    for (int i = 0; i < n * 9; ++i) counts[i / 9][i % 9] = static_cast<int16_t>(cs->v[i]);
    Check c = {vec, true};
    const gx::GxStageSink sink = {check_stage, &c};
    g_stages_seen = 0;
    const int rc = gx::gx_run_pipeline_opts(counts, n, true, &g_out, &sink);
    if (rc != gx::GX_OK) {
        std::printf("%s: gx_run_pipeline_opts returned %d\n", vec->name, rc);
        return false;
    }
    if (g_stages_seen != (1u << (gx::GX_STAGE_IMAGE + 1)) - 1) {
        std::printf("%s: the sink heard of stages 0x%x, not every one\n", vec->name, g_stages_seen);
        return false;
    }
    // what stays after the pipeline (the networks' inputs) still equals the golden stages
    bool ok = c.ok;
    g_counting = false;
    ok = compare(vec, 8, gx::kResamplePoints, 2, flat<2>(g_out.resampled, gx::kResamplePoints)) && ok;
    ok = compare(vec, 10, gx::kOutPx, gx::kOutPx, flat<gx::kOutPx>(g_out.image, gx::kOutPx)) && ok;
    g_counting = true;
    return ok;
}

// Self-check of the fast fixed-point helpers (the FPU square-root estimates on the Cortex-M4F,
// the 64/32 divide, the shared-reciprocal normalisation and its float-seeded reciprocal)
// against plain reference versions: structured edge values and pseudo-random ones of every
// magnitude, on every target.
uint64_t ref_isqrt(uint64_t n) {  // digit by digit (golden isqrt_u64_bitwise)
    uint64_t res = 0, bit = UINT64_C(1) << 62;
    while (bit > n) bit >>= 2;
    for (; bit != 0; bit >>= 2) {
        if (n >= res + bit) {
            n -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
    }
    return res;
}

bool ref_normalise(const int64_t* v, int n, int64_t* out) {  // golden normalise_vec, plainly
    uint64_t m = 0;
    for (int k = 0; k < n; ++k) {
        const uint64_t a = v[k] < 0 ? UINT64_C(0) - static_cast<uint64_t>(v[k]) : static_cast<uint64_t>(v[k]);
        if (a > m) m = a;
    }
    if (m == 0) return false;
    int bits = 0;
    for (uint64_t t = m; t != 0; t >>= 1) ++bits;
    int64_t w[4], n2 = 0;
    for (int k = 0; k < n; ++k) {
        w[k] = gx::gx_rshift_round(v[k], bits - 30);
        n2 += w[k] * w[k];
    }
    const int64_t r0 = static_cast<int64_t>(ref_isqrt(static_cast<uint64_t>(n2)));
    const int64_t r = n2 - r0 * r0 > r0 ? r0 + 1 : r0;
    for (int k = 0; k < n; ++k)
        out[k] = w[k] >= 0 ? (w[k] * (INT64_C(1) << 30) + r / 2) / r : -((-w[k] * (INT64_C(1) << 30) + r / 2) / r);
    return true;
}

uint64_t g_rng = UINT64_C(0x9E3779B97F4A7C15);
uint64_t next_rand() {  // xorshift64
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

bool check_fixed() {
    uint64_t vals[64 + 8];
    int nv = 0;
    for (int b = 0; b < 64; ++b) vals[nv++] = (UINT64_C(1) << b) - 1;
    vals[nv++] = UINT64_MAX;
    vals[nv++] = UINT64_C(4294967295) * UINT64_C(4294967295);
    for (int i = 0; i < nv; ++i) {
        const uint64_t n = vals[i], r = gx::gx_isqrt_u64(n);
        if (r != ref_isqrt(n)) {
            std::printf("isqrt_u64(%" PRIu64 ") = %" PRIu64 " wrong\n", n, r);
            return false;
        }
    }
    for (int b = 0; b < 63; ++b) {  // along an axis: a power of two scales to 2^29, the divisor's edge
        const int64_t v[3] = {0, (b & 1) ? -(INT64_C(1) << b) : (INT64_C(1) << b), 0};
        int64_t got[3], want[3];
        if (!gx::gx_normalise_vec(v, 3, got) || !ref_normalise(v, 3, want) || got[1] != want[1] || got[0] != 0) {
            std::printf("normalise_vec of +-2^%d along an axis wrong\n", b);
            return false;
        }
    }
    // gx_isqrt_round (float-seeded on the Cortex-M4F for n in [2^40, 2^62]) at the rounding
    // edges R^2 - R, R^2 - R + 1, R^2 + R, R^2 + R + 1 and at random points
    for (int i = 0; i < 2000; ++i) {
        const uint64_t R = (UINT64_C(1) << 20) + next_rand() % ((UINT64_C(1) << 31) - (UINT64_C(1) << 20));
        const uint64_t cand[5] = {R * R - R, R * R - R + 1, R * R + R, R * R + R + 1, next_rand() >> 2};
        for (uint64_t n : cand) {
            const uint64_t r0 = ref_isqrt(n);
            const int64_t want = static_cast<int64_t>(n - r0 * r0 > r0 ? r0 + 1 : r0);
            if (gx::gx_isqrt_round(static_cast<int64_t>(n)) != want) {
                std::printf("isqrt_round(%" PRIu64 ") wrong\n", n);
                return false;
            }
        }
    }
    // the divide-seeded isqrt_round of the targets without an FPU (n in [2^56, 2^62]) at its
    // seed intervals' edges i 2^56 - 1, i 2^56, i 2^56 + 2^32 - 1 and the ends of its range
    for (uint64_t i = 1; i <= 64; ++i) {
        const uint64_t cand[4] = {(i << 56) - 1, i << 56, (i << 56) + 0xFFFFFFFFu, (i << 56) | (next_rand() >> 8)};
        for (uint64_t n : cand) {
            if (n > (UINT64_C(1) << 62)) continue;
            const uint64_t r0 = ref_isqrt(n);
            const int64_t want = static_cast<int64_t>(n - r0 * r0 > r0 ? r0 + 1 : r0);
            if (gx::gx_isqrt_round(static_cast<int64_t>(n)) != want) {
                std::printf("isqrt_round(%" PRIu64 ") wrong\n", n);
                return false;
            }
        }
    }
    // normalise_vec's shared reciprocal floor(2^61 / r) over its whole divisor range: along an
    // axis r = |x| (2^29 < r <= 2^30), with four equal components r = 2|x| (up to 2^31)
    for (int i = 0; i < 1000; ++i) {
        const int64_t x = static_cast<int64_t>((UINT64_C(1) << 29) + 1 + next_rand() % (UINT64_C(1) << 29));
        const int64_t vs[2][4] = {{x, 0, 0, 0}, {x, -x, x, (i & 1) ? x : x - 1}};
        for (const auto& v : vs) {
            int64_t got[4], want[4];
            if (!gx::gx_normalise_vec(v, 4, got) || !ref_normalise(v, 4, want)) return false;
            for (int k = 0; k < 4; ++k) {
                if (got[k] != want[k]) {
                    std::printf("normalise_vec of (%" PRId64 ", ...) wrong\n", v[0]);
                    return false;
                }
            }
        }
    }
    // gx_normalise_vec16 (sensor readings) against the plain reference on the int64 copy:
    // every magnitude class (bit length 1..16), int16's extremes, zero and one-axis vectors
    for (int i = 0; i < 3000; ++i) {
        int16_t v16[3];
        int64_t v[3], want[3];
        int32_t got[3];
        for (int k = 0; k < 3; ++k) {
            const uint64_t x = next_rand();
            const int32_t mag = static_cast<int32_t>((x >> 8) & 0xFFFFu) >> static_cast<int>((x >> 4) % 16);
            int32_t e = (x & 1) ? -mag : mag;
            if (x % 11 == 0) e = INT16_MIN;
            if (x % 13 == 0) e = INT16_MAX;
            if (x % 5 == 0 || (i % 9 == 0 && k > 0)) e = 0;
            v16[k] = static_cast<int16_t>(e);
            v[k] = v16[k];
        }
        const bool ok_ref = ref_normalise(v, 3, want);
        if (gx::gx_normalise_vec16(v16, got) != ok_ref) {
            std::printf("normalise_vec16: zero-vector result differs\n");
            return false;
        }
        for (int k = 0; ok_ref && k < 3; ++k) {
            if (got[k] != want[k]) {
                std::printf("normalise_vec16(%d, %d, %d) component %d wrong\n", v16[0], v16[1], v16[2], k);
                return false;
            }
        }
    }
    for (int i = 0; i < 4000; ++i) {
        const uint64_t n = next_rand() >> (next_rand() % 64);
        if (gx::gx_isqrt_u64(n) != ref_isqrt(n)) {
            std::printf("isqrt_u64(%" PRIu64 ") wrong\n", n);
            return false;
        }
        const uint64_t a = next_rand() >> (next_rand() % 64), b = (next_rand() >> (next_rand() % 64)) | 1;
        if (gx::gx_udiv_u64(a, b) != a / b) {
            std::printf("udiv_u64(%" PRIu64 ", %" PRIu64 ") wrong\n", a, b);
            return false;
        }
        const int n_dim = 2 + static_cast<int>(next_rand() % 3);
        const int shift = static_cast<int>(next_rand() % 63) + 1;
        int64_t v[4], got[4], want[4];
        int32_t v32[4], got32[4];
        bool small = true;
        for (int k = 0; k < n_dim; ++k) {
            const uint64_t x = next_rand();
            v[k] = (x % 5 == 0) ? 0 : static_cast<int64_t>(x >> shift) * ((x & 1) ? -1 : 1);
            if (i % 7 == 0 && k > 0) v[k] = 0;  // along an axis: the divisor can be exactly 2^29
            small = small && v[k] >= INT32_MIN && v[k] <= INT32_MAX;
            v32[k] = static_cast<int32_t>(v[k]);
        }
        const bool ok_ref = ref_normalise(v, n_dim, want);
        if (gx::gx_normalise_vec(v, n_dim, got) != ok_ref ||
            (small && gx::gx_normalise_vec32(v32, n_dim, got32) != ok_ref)) {
            std::printf("normalise_vec: zero-vector result differs\n");
            return false;
        }
        for (int k = 0; ok_ref && k < n_dim; ++k) {
            if (got[k] != want[k] || (small && got32[k] != want[k])) {
                std::printf("normalise_vec: component %d differs (%" PRId64 " vs %" PRId64 ")\n", k, got[k], want[k]);
                return false;
            }
        }
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::printf("usage: %s <vector_dir>\n0 passed, 1 failed\n", argv[0]);
        return 2;
    }
    char path[4096];
    std::snprintf(path, sizeof path, "%s/index.txt", argv[1]);
    FILE* idx = std::fopen(path, "r");
    if (!idx) {
        std::printf("cannot open %s\n0 passed, 1 failed\n", path);
        return 2;
    }
    int passed = 0, failed = 0;
    if (!check_fixed()) ++failed;  // self-check of the fixed-point helpers (not a recording)
    char fname[1024];
    while (std::fscanf(idx, "%1023s", fname) == 1) {
        std::snprintf(path, sizeof path, "%s/%s", argv[1], fname);
        if (!read_vector(path, &g_vec)) {
            std::printf("cannot read vector file %s\n", path);
            ++failed;
            continue;
        }
        if (check_one(&g_vec)) ++passed; else ++failed;
    }
    std::fclose(idx);
    for (int i = 0; i < kNumCompared; ++i)
        std::printf("stage %-12s values compared equal: %ld\n", g_stage_names[i], g_stage_values[i]);
    std::printf("values compared equal: %ld\n", g_values);
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
