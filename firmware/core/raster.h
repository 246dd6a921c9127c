// Stage 7: Q30 points -> out x out Q15 image (draw on a canvas, blur + area downscale with
// one integer matrix A = W G, scale by the maximum). Twin of golden/raster.py.
#ifndef GX_RASTER_H
#define GX_RASTER_H

#include <cstdint>

#include "params.h"

namespace gx {

//! How far (pixels) the line's disc reaches from its centre.
constexpr int gx_disc_reach() {
    int m = 0;
    for (int d = 0; d < kDiscOffsetCount; ++d)
        for (int k = 0; k < 2; ++k) {
            const int v = kParams.disc_offsets[d][k] < 0 ? -kParams.disc_offsets[d][k] : kParams.disc_offsets[d][k];
            m = v > m ? v : m;
        }
    return m;
}
//! The canvas square a drawing can reach: the line's centres lie in [margin, margin + span]
//! on both axes (the points are clamped to the unit square first, and every position along
//! a segment lies between its ends), the disc reaches gx_disc_reach() further. Outside it
//! the canvas stays blank, so only this square is stored: rows and columns kCanvasLo ..
//! kCanvasLo + kCanvasSpan - 1.
constexpr int kCanvasLo = static_cast<int>(kParams.margin_px) - gx_disc_reach();
constexpr int kCanvasSpan = static_cast<int>(kParams.span_px) + 1 + 2 * gx_disc_reach();
static_assert(kCanvasLo >= 0 && kCanvasLo + kCanvasSpan <= kCanvasPx, "the line stays on the canvas");
//! Words of one bit-packed stored canvas row (32 pixels per uint32_t).
constexpr int kCanvasWords = (kCanvasSpan + 31) / 32;

//! Work buffers of one rasteriser (static, no heap): the bit-packed 0/1 canvas (its
//! reachable 100 x 100 square: 1.6 KB instead of 16 KB for 128 x 128 bytes) and the high
//! bits of A canvas A^T. gx_raster forms that product one output row at a time (a row of
//! A canvas, kCanvasSpan int32, on the stack) and keeps each entry (< 2^48, exact) split:
//! bits 0..31 in the caller's image, which it then scales in place, bits 32.. here (1.5 KB
//! instead of a 6 KB int64 accumulator).
struct GxRaster {
    uint32_t canvas[kCanvasSpan][kCanvasWords];  //!< pixel (kCanvasLo + i, kCanvasLo + c): bit c%32 of word c/32 of row i
    uint16_t hi[kOutPx][kOutPx];                 //!< bits 32..47 of A canvas A^T
};

//! Pixel (row, col) of the drawn 0 .. kCanvasPx-1 canvas: 0 or 1.
inline int gx_canvas_px(const GxRaster* r, int row, int col) {
    const int i = row - kCanvasLo, c = col - kCanvasLo;
    if (i < 0 || i >= kCanvasSpan || c < 0 || c >= kCanvasSpan) return 0;
    return static_cast<int>((r->canvas[i][c >> 5] >> (c & 31)) & 1u);
}

//! Draw the polyline of n Q30 points (clamped to [0, 2^30]) onto r->canvas (cleared first).
void gx_draw(const int32_t (*p)[2], int n, GxRaster* r);

//! Full stage: draw, blur + downscale, scale to Q15 (0..32768; all zero if blank).
void gx_raster(const int32_t (*p)[2], int n, GxRaster* r, int32_t image[kOutPx][kOutPx]);

//! Entry (j, c) of the compile-time blur-and-area matrix A (for tests).
int32_t gx_blur_area_entry(int j, int c);

}  // namespace gx

#endif  // GX_RASTER_H
