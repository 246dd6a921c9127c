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
//! 128 x 128 instead of 16 KB as bytes) and the high bits of A canvas A^T. gx_raster forms
//! that product one output row at a time (a 128-entry int32 row of A canvas on the stack)
//! and keeps each entry (< 2^48, exact) split: bits 0..31 in the caller's image, which it
//! then scales in place, bits 32.. here (1.5 KB instead of a 6 KB int64 accumulator).
struct GxRaster {
    uint32_t canvas[kCanvasPx][kCanvasWords];  //!< drawn polyline, bit c%32 of word c/32
    uint16_t hi[kOutPx][kOutPx];               //!< bits 32..47 of A canvas A^T
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
