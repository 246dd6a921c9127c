// Stage 5: drop Q30 points too close to the last kept one. Twin of golden/thin.py.
#ifndef GX_THIN_H
#define GX_THIN_H

#include <cstdint>

namespace gx {

//! First index of the end region: ceil(n (1 - end_num/end_den)).
int gx_thin_end_start_index(int n);

//! Indices kept (increasing, starting with 0); returns their count m (1 <= m <= n).
//! p: Q30 points in [0, 2^30] (the smoothed normalised points), so squared distances fit int64.
int gx_thin_indices(const int32_t (*p)[2], int n, int32_t* keep);

}  // namespace gx

#endif  // GX_THIN_H
