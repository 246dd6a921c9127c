// Stage 3: int32 points (2^-24 turn) -> unit square in Q30, aspect kept.
// Twin of host/glovexfer/golden/normalise.py.
#ifndef GX_NORMALISE_H
#define GX_NORMALISE_H

#include <cstdint>

namespace gx {

//! (n, 2) Q30 in [0, 2^30]; |p| <= 2^29 required (returns false otherwise, out untouched).
bool gx_normalise(const int32_t (*p)[2], int n, int32_t (*out)[2]);

}  // namespace gx

#endif  // GX_NORMALISE_H
