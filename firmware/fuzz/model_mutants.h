// Writable deep copies of the compiled-in models (app/models.cpp) and a table of every
// scalar field and of sample elements of every array ("slots"), so that tests and fuzz
// targets can change any one of them and call the start-up check (model_check.cpp).
#ifndef GX_MODEL_MUTANTS_H
#define GX_MODEL_MUTANTS_H

#include <cstdint>

#include "recognizer.h"

namespace gx {

struct MutSlot {
    void* p;          //!< the field or array element in the writable copy
    int bytes;        //!< 1 (int8 weight) or 4 (int32)
    int net;          //!< 0 lstm, 1 cnn, 2 signal
    const char* cls;  //!< dim, index, flag, n_mult, shift, multiplier, offset, act, weight, bias, lstm, io, info
};

//! Builds the copies (once); the GxModels of the copies (verified when built). Null without models.
GxModels* mutants_models();
int mutants_slot_count();
const MutSlot& mutants_slot(int i);
int32_t mutants_get(const MutSlot& s);
void mutants_set(const MutSlot& s, int32_t v);
//! Recomputes io_checksum and checksum of every copy whose ranges pass (a "re-signed" model:
//! only the range checks then stand between arbitrary parameters and the kernels).
void mutants_resign();

}  // namespace gx

#endif  // GX_MODEL_MUTANTS_H
