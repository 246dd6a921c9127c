// Stage 7: Q30 points -> out x out Q15 image (draw on a canvas, blur + area downscale with
// one integer matrix A = W G, scale by the maximum). Twin of golden/raster.py.
#ifndef GX_RASTER_H
#define GX_RASTER_H

#include <cstdint>

#include "params.h"

namespace gx {

//! Words of one bit-packed canvas row (32 pixels per uint32_t).
constexpr int kCanvasWords = (kCanvasPx + 31) / 32;

//! Work buffers of one rasteriser (static, no heap): the bit-packed 0/1 canvas (2 KB for
//! 128 x 128 instead of 16 KB as bytes) and A canvas A^T. A canvas is never stored whole:
//! gx_raster goes column by column (kOutPx int32 on the stack), so the 28 x 128 int32
//! intermediate (14 KB) of the straightforward order is gone; the integer sums are exact
//! (int64, no overflow), so the order does not change a bit.
struct GxRaster {
    uint32_t canvas[kCanvasPx][kCanvasWords];  //!< drawn polyline, bit c%32 of word c/32
    int64_t img[kOutPx][kOutPx];               //!< A canvas A^T (<= 2^46)
};

//! Pixel (row, col) of the drawn canvas: 0 or 1.
inline int gx_canvas_px(const GxRaster* r, int row, int col) {
    return static_cast<int>((r->canvas[row][col >> 5] >> (col & 31)) & 1u);
}

//! Draw the polyline of n Q30 points (clamped to [0, 2^30]) onto r->canvas (cleared first).
void gx_draw(const int32_t (*p)[2], int n, GxRaster* r);

//! Full stage: draw, blur + downscale, scale to Q15 (0..32768; all zero if blank).
void gx_raster(const int32_t (*p)[2], int n, GxRaster* r, int32_t image[kOutPx][kOutPx]);

//! Entry (j, c) of the compile-time blur-and-area matrix A (for tests).
int32_t gx_blur_area_entry(int j, int c);

}  // namespace gx

#endif  // GX_RASTER_H
