// Stage 7: Q30 points -> out x out Q15 image (draw on a canvas, blur + area downscale with
// one integer matrix A = W G, scale by the maximum). Twin of golden/raster.py.
#ifndef GX_RASTER_H
#define GX_RASTER_H

#include <cstdint>

#include "params.h"

namespace gx {

//! Work buffers of one rasteriser (static, no heap): the 0/1 canvas and A canvas.
struct GxRaster {
    uint8_t canvas[kCanvasPx][kCanvasPx];  //!< drawn polyline, 0 or 1
    int32_t tmp[kOutPx][kCanvasPx];        //!< A canvas (<= 2^23)
    int64_t img[kOutPx][kOutPx];           //!< A canvas A^T (<= 2^46)
};

//! Draw the polyline of n Q30 points (clamped to [0, 2^30]) onto r->canvas (cleared first).
void gx_draw(const int32_t (*p)[2], int n, GxRaster* r);

//! Full stage: draw, blur + downscale, scale to Q15 (0..32768; all zero if blank).
void gx_raster(const int32_t (*p)[2], int n, GxRaster* r, int32_t image[kOutPx][kOutPx]);

//! Entry (j, c) of the compile-time blur-and-area matrix A (for tests).
int32_t gx_blur_area_entry(int j, int c);

}  // namespace gx

#endif  // GX_RASTER_H
