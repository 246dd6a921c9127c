#ifndef GX_BOARD_FUZZ_H
#define GX_BOARD_FUZZ_H

#include <cstdint>

namespace gx {

struct FuzzOutStats {
    long bytes = 0, lines = 0, err_lines = 0, letter_lines = 0, word_lines = 0, end_lines = 0;
};

void fuzz_set_input(const uint8_t* data, int len);
FuzzOutStats* fuzz_stats();

}  // namespace gx

#endif  // GX_BOARD_FUZZ_H
