// Host checker for tests/test_recognizer.py: reads commands on stdin, one per line, and
// prints the C++ results (compared there with the golden model):
//   softmax MULT SHIFT DIFF_MIN x0 .. x25   ->  "ok|fail p0 .. p25"      (gx_softmax_int8)
//   fuse l0 .. l25 c0 .. c25                 ->  "s0 .. s25 index conf t0 t1 t2" (gx_fuse)
#include <cstdio>
#include <cstring>

#include "recognizer.h"
#include "softmax.h"

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
        } else {
            return 2;
        }
        std::fflush(stdout);
    }
    return 0;
}
