#include "raster.h"

#include "fixed.h"

namespace gx {

namespace {

struct BlurArea {
    int32_t a[kOutPx][kCanvasPx];
    // the columns where row j of A meets the stored canvas square and is not zero: canvas
    // columns kCanvasLo + [first, last] (first > last: none)
    int32_t first[kOutPx], last[kOutPx];
};

// A = W G at compile time: W[j][i] = max(0, min(out (i+1), C (j+1)) - max(out i, C j)),
// G[r][c] = taps[c - r + K/2] (zero padding). Row sums C * 2^16 = 2^23 fit int32.
constexpr BlurArea make_blur_area() {
    BlurArea A{};
    constexpr int C = kCanvasPx, O = kOutPx, h = kBlurTapCount / 2;
    for (int j = 0; j < O; ++j) {
        for (int c = 0; c < C; ++c) {
            int64_t acc = 0;
            const int r_lo = c - h < 0 ? 0 : c - h;
            const int r_hi = c + h >= C ? C - 1 : c + h;
            for (int r = r_lo; r <= r_hi; ++r) {
                const int64_t lo = O * r > C * j ? O * r : C * j;
                const int64_t hi = O * (r + 1) < C * (j + 1) ? O * (r + 1) : C * (j + 1);
                const int64_t w = hi - lo > 0 ? hi - lo : 0;
                acc += w * kParams.blur_taps[c - r + h];
            }
            A.a[j][c] = static_cast<int32_t>(acc);
        }
        A.first[j] = kCanvasSpan;
        A.last[j] = -1;
        for (int c = 0; c < kCanvasSpan; ++c)
            if (A.a[j][kCanvasLo + c] != 0) {
                A.first[j] = A.first[j] < c ? A.first[j] : c;
                A.last[j] = c;
            }
    }
    return A;
}

constexpr BlurArea kA = make_blur_area();

// The largest row sum of A: bounds t = (A canvas)[j][c] (a 0/1 canvas) and, squared, an
// entry of A canvas A^T.
constexpr int64_t max_row_sum() {
    int64_t mx = 0;
    for (int j = 0; j < kOutPx; ++j) {
        int64_t s = 0;
        for (int c = 0; c < kCanvasPx; ++c) s += kA.a[j][c] >= 0 ? kA.a[j][c] : -kA.a[j][c];
        mx = s > mx ? s : mx;
    }
    return mx;
}
static_assert(max_row_sum() <= (INT64_C(1) << 23), "t = (A canvas)[j][c] fits int32 (row sums of A <= C 2^16)");
static_assert(max_row_sum() * max_row_sum() < (INT64_C(1) << 48),
              "an entry of A canvas A^T is below 2^48: its bits 32.. fit the uint16 GxRaster::hi");

// The disc as one bit mask per row: bit dc + R of row dr + R set for each offset (dr, dc).
constexpr int kReach = gx_disc_reach();
struct DiscRows {
    uint32_t mask[2 * kReach + 1];
};
constexpr DiscRows make_disc_rows() {
    DiscRows d{};
    for (int k = 0; k < kDiscOffsetCount; ++k)
        d.mask[kParams.disc_offsets[k][0] + kReach] |= UINT32_C(1) << (kParams.disc_offsets[k][1] + kReach);
    return d;
}
constexpr DiscRows kDisc = make_disc_rows();
static_assert(2 * kReach + 1 <= 32, "a disc row fits one word");

void stamp(GxRaster* r, int64_t row, int64_t col) {
    const int64_t half = INT64_C(1) << (kQCanvas - 1);
    const int64_t r0 = gx_asr(row + half, kQCanvas), c0 = gx_asr(col + half, kQCanvas);
    // the disc's top-left corner in the stored square; the disc always lies inside it
    // (kCanvasLo's geometry), the test guards memory alone
    const int64_t i0 = r0 - kReach - kCanvasLo, c = c0 - kReach - kCanvasLo;
    if (i0 < 0 || i0 + 2 * kReach >= kCanvasSpan || c < 0 || c + 2 * kReach >= kCanvasSpan) return;
    const int w = static_cast<int>(c >> 5), b = static_cast<int>(c & 31);
    for (int dr = 0; dr <= 2 * kReach; ++dr) {
        uint32_t* words = r->canvas[i0 + dr];
        words[w] |= kDisc.mask[dr] << b;
        if (b + 2 * kReach >= 32) words[w + 1] |= kDisc.mask[dr] >> (32 - b);  // b > 0 here
    }
}

}  // namespace

int32_t gx_blur_area_entry(int j, int c) { return kA.a[j][c]; }

void gx_draw(const int32_t (*p)[2], int n, GxRaster* r) {
    for (int i = 0; i < kCanvasSpan; ++i)
        for (int w = 0; w < kCanvasWords; ++w) r->canvas[i][w] = 0;
    if (n < 1) return;
    const int64_t m0 = gx_shl(kParams.margin_px, kQCanvas);
    const int64_t s = kParams.span_px;
    int64_t prow = 0, pcol = 0;
    for (int i = 0; i < n; ++i) {
        const int64_t x = gx_sat(p[i][0], 0, kOneQ30), y = gx_sat(p[i][1], 0, kOneQ30);
        const int64_t row = m0 + gx_rshift_round((kOneQ30 - y) * s, 30 - kQCanvas);
        const int64_t col = m0 + gx_rshift_round(x * s, 30 - kQCanvas);
        if (n == 1) {
            stamp(r, row, col);
        } else if (i > 0) {
            const int64_t dr = row - prow, dc = col - pcol;
            const int64_t c = gx_isqrt_ceil(4 * (dr * dr + dc * dc));  // <= 2^57
            int64_t k = (c + (INT64_C(1) << kQCanvas) - 1) >> kQCanvas;
            if (k < 1) k = 1;
            for (int64_t t = 0; t <= k; ++t)
                stamp(r, prow + gx_div_round(t * dr, k), pcol + gx_div_round(t * dc, k));
        }
        prow = row;
        pcol = col;
    }
}

void gx_raster(const int32_t (*p)[2], int n, GxRaster* r, int32_t image[kOutPx][kOutPx]) {
    gx_draw(p, n, r);
    // img = (A canvas) A^T one output row j at a time: t = row j of A canvas (t[c] = sum of
    // A[j][i] over the drawn pixels (i, c), i within row j's band), then img[j][k] = sum of
    // t[c] A[k][c] over row k's band. Exact integer sums (int32 t, int64 img), so equal to
    // the golden A @ canvas @ A.T bit for bit. img (< 2^48) is kept split until its maximum
    // is known: bits 0..31 in `image` (then scaled there in place), bits 32.. in r->hi.
    int64_t mx = 0;
    for (int j = 0; j < kOutPx; ++j) {
        int32_t t[kCanvasSpan] = {};  // t[c] for canvas column kCanvasLo + c (blank elsewhere)
        bool any = false;
        const int32_t* aj = kA.a[j] + kCanvasLo;
        for (int i = kA.first[j]; i <= kA.last[j]; ++i) {
            const int32_t a = aj[i];
            for (int w = 0; w < kCanvasWords; ++w)
                for (uint32_t bits = r->canvas[i][w]; bits != 0; bits &= bits - 1) {
                    t[w * 32 + __builtin_ctz(bits)] += a;
                    any = true;
                }
        }
        for (int k = 0; k < kOutPx; ++k) {
            int64_t acc = 0;
            const int32_t* ak = kA.a[k] + kCanvasLo;
            if (any)
                for (int c = kA.first[k]; c <= kA.last[k]; ++c) acc += static_cast<int64_t>(t[c]) * ak[c];
            image[j][k] = static_cast<int32_t>(static_cast<uint32_t>(acc));
            r->hi[j][k] = static_cast<uint16_t>(acc >> 32);
            mx = acc > mx ? acc : mx;
        }
    }
    for (int j = 0; j < kOutPx; ++j)
        for (int k = 0; k < kOutPx; ++k) {
            const int64_t v = static_cast<int64_t>(static_cast<uint64_t>(r->hi[j][k]) << 32 |
                                                   static_cast<uint32_t>(image[j][k]));
            image[j][k] = mx <= 0 ? 0 : static_cast<int32_t>(gx_div_round(gx_shl(v, kQImage), mx));
        }
}

}  // namespace gx
