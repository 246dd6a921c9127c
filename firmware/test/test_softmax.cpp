// Host checker for tests/test_recognizer.py: reads commands on stdin, one per line, and
// prints the C++ results (compared there with the golden model):
//   softmax MULT SHIFT DIFF_MIN x0 .. x25   ->  "ok|fail p0 .. p25"      (gx_softmax_int8)
//   fuse l0 .. l25 c0 .. c25                 ->  "s0 .. s25 index conf t0 t1 t2" (gx_fuse)
//   pool avg|max IN_H IN_W C OUT_H OUT_W F_H F_W STRIDE_H STRIDE_W PAD_T PAD_L ACT_MIN ACT_MAX
//        x0 .. x(IN_H*IN_W*C-1)              ->  "ok|fail y0 .. y(OUT_H*OUT_W*C-1)"
//                                                (gx_average_pool2d / gx_max_pool2d, NHWC)
#include <cstdio>
#include <cstring>

#include "pool.h"
#include "recognizer.h"
#include "softmax.h"

namespace {

constexpr int kPoolMaxValues = 4096;  // input and output values of one pool command
int8_t g_pool_in[kPoolMaxValues];
int8_t g_pool_out[kPoolMaxValues];

// One "pool" command (after the keyword); returns false on malformed input.
bool pool_command() {
    char kind[8];
    long v[13];
    if (std::scanf("%7s", kind) != 1) return false;
    for (long& x : v)
        if (std::scanf("%ld", &x) != 1) return false;
    const gx::GxPoolParams p{static_cast<int32_t>(v[0]), static_cast<int32_t>(v[1]), static_cast<int32_t>(v[2]),
                             static_cast<int32_t>(v[3]), static_cast<int32_t>(v[4]), static_cast<int32_t>(v[5]),
                             static_cast<int32_t>(v[6]), static_cast<int32_t>(v[7]), static_cast<int32_t>(v[8]),
                             static_cast<int32_t>(v[9]), static_cast<int32_t>(v[10]), static_cast<int32_t>(v[11]),
                             static_cast<int32_t>(v[12])};
    const long n_in = v[0] * v[1] * v[2], n_out = v[3] * v[4] * v[2];
    if (n_in < 1 || n_in > kPoolMaxValues || n_out < 1 || n_out > kPoolMaxValues) return false;
    for (long i = 0; i < n_in; ++i) {
        int x = 0;
        if (std::scanf("%d", &x) != 1) return false;
        g_pool_in[i] = static_cast<int8_t>(x);
    }
    bool ok = true;
    if (std::strcmp(kind, "avg") == 0) {
        ok = gx::gx_average_pool2d(g_pool_in, &p, g_pool_out);
    } else if (std::strcmp(kind, "max") == 0) {
        gx::gx_max_pool2d(g_pool_in, &p, g_pool_out);
    } else {
        return false;
    }
    std::printf("%s", ok ? "ok" : "fail");
    for (long i = 0; i < n_out; ++i) std::printf(" %d", g_pool_out[i]);
    std::printf("\n");
    return true;
}

}  // namespace

int main() {
    char cmd[16];
    while (std::scanf("%15s", cmd) == 1) {
        if (std::strcmp(cmd, "softmax") == 0) {
            long m = 0, s = 0, d = 0;
            if (std::scanf("%ld %ld %ld", &m, &s, &d) != 3) return 2;
            int8_t x[gx::kGxClasses], p[gx::kGxClasses];
            for (int i = 0; i < gx::kGxClasses; ++i) {
                int v = 0;
                if (std::scanf("%d", &v) != 1) return 2;
                x[i] = static_cast<int8_t>(v);
            }
            const gx::GxSoftmaxParams sp{static_cast<int32_t>(m), static_cast<int32_t>(s), static_cast<int32_t>(d)};
            const bool ok = gx::gx_softmax_int8(x, gx::kGxClasses, sp, p);
            std::printf("%s", ok ? "ok" : "fail");
            for (int i = 0; i < gx::kGxClasses; ++i) std::printf(" %d", p[i]);
            std::printf("\n");
        } else if (std::strcmp(cmd, "fuse") == 0) {
            gx::GxNetOut a{}, b{};
            for (int i = 0; i < 2 * gx::kGxClasses; ++i) {
                int v = 0;
                if (std::scanf("%d", &v) != 1) return 2;
                (i < gx::kGxClasses ? a.probs_q8[i] : b.probs_q8[i - gx::kGxClasses]) = static_cast<uint8_t>(v);
            }
            gx::GxFusedOut f{};
            gx::gx_fuse(a, b, &f);
            for (int i = 0; i < gx::kGxClasses; ++i) std::printf("%d ", f.scores[i]);
            std::printf("%d %d %d %d %d\n", f.index, f.confidence_q8, f.top3[0], f.top3[1], f.top3[2]);
        } else if (std::strcmp(cmd, "pool") == 0) {
            if (!pool_command()) return 2;
        } else {
            return 2;
        }
        std::fflush(stdout);
    }
    return 0;
}
