// Host test: runs the C++ core on golden test vectors and compares every intermediate.
// Usage: gx_test_core <vector_dir>   (reads <vector_dir>/index.txt)
// Last line of output: "N passed, M failed" (recordings; an isqrt self-check failure
// counts as one failure). Exit status 0 iff no mismatch.
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
    g_values += rows * cols;
    g_stage_values[stage_idx] += rows * cols;
    return true;
}

int64_t g_buf[kMaxValues];

template <int C>
const int64_t* flat(const int32_t (*a)[C], int rows) {
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < C; ++c) g_buf[r * C + c] = a[r][c];
    return g_buf;
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
    const int rc = gx::gx_run_pipeline_n(counts, n, &g_out);
    if (rc != gx::GX_OK) {
        std::printf("%s: gx_run_pipeline_n returned %d\n", vec->name, rc);
        return false;
    }
    bool ok = true;
    ok = compare(vec, 0, n, 3, flat<3>(g_out.dtheta, n)) && ok;
    ok = compare(vec, 1, n, 4, flat<4>(g_out.quaternions, n)) && ok;
    ok = compare(vec, 2, n, 3, flat<3>(g_out.euler, n)) && ok;
    ok = compare(vec, 3, n, 2, flat<2>(g_out.points, n)) && ok;
    ok = compare(vec, 4, n, 2, flat<2>(g_out.normalised, n)) && ok;
    ok = compare(vec, 5, n, 2, flat<2>(g_out.smoothed, n)) && ok;
    for (int i = 0; i < g_out.n_keep; ++i) g_buf[i] = g_out.thin_keep[i];
    ok = compare(vec, 6, g_out.n_keep, 1, g_buf) && ok;
    ok = compare(vec, 7, g_out.n_keep, 2, flat<2>(g_out.thinned, g_out.n_keep)) && ok;
    ok = compare(vec, 8, gx::kResamplePoints, 2, flat<2>(g_out.resampled, gx::kResamplePoints)) && ok;
    for (int i = 0; i < gx::kCanvasPx * gx::kCanvasPx; ++i)
        g_buf[i] = gx::gx_canvas_px(&g_out.raster, i / gx::kCanvasPx, i % gx::kCanvasPx);
    ok = compare(vec, 9, gx::kCanvasPx, gx::kCanvasPx, g_buf) && ok;
    ok = compare(vec, 10, gx::kOutPx, gx::kOutPx, flat<gx::kOutPx>(g_out.image, gx::kOutPx)) && ok;
    return ok;
}

// isqrt self-check: the bitwise loop against exact bounds on some structured values.
bool check_isqrt() {
    uint64_t vals[64 + 8];
    int nv = 0;
    for (int b = 0; b < 64; ++b) vals[nv++] = (UINT64_C(1) << b) - 1;
    vals[nv++] = UINT64_MAX;
    vals[nv++] = UINT64_C(4294967295) * UINT64_C(4294967295);
    for (int i = 0; i < nv; ++i) {
        const uint64_t n = vals[i], r = gx::gx_isqrt_u64(n);
        const bool lo = r <= UINT64_C(4294967295) && r * r <= n;
        const bool hi = r + 1 > UINT64_C(4294967295) || (r + 1) * (r + 1) > n;
        if (!lo || !hi) {
            std::printf("isqrt_u64(%" PRIu64 ") = %" PRIu64 " wrong\n", n, r);
            return false;
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
    if (!check_isqrt()) ++failed;  // self-check of the bitwise isqrt (not a recording)
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
