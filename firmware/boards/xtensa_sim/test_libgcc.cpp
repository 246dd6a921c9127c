// Test of the integer helpers in libgcc_extra.c (the divisions and the 64-bit multiply that
// Debian's lx106 libgcc lacks) against expected results computed by the host: the C
// operators below compile to calls of those helpers on the LX106. Semihosted:
//   gx_test_libgcc CASES.bin
// CASES.bin: records of 4 little-endian uint32 words op, 2 uint64 operands a, b and the
// expected uint64 result (32-bit ops use the low words). Last line: "N checks, M failed";
// exit status 0 iff M == 0. Written and run by tests/test_cross_targets.py.
#include <cinttypes>
#include <cstdint>
#include <cstdio>

namespace {

enum Op : uint32_t {
    kUDiv32, kUMod32, kDiv32, kMod32,  // __udivsi3 __umodsi3 __divsi3 __modsi3
    kUDiv64, kUMod64, kDiv64, kMod64,  // __udivdi3 __umoddi3 __divdi3 __moddi3
    kMul64,                            // __muldi3
    kUMul32x64, kMul32x64,             // 32 x 32 -> 64 (widening; __muldi3 on the LX106)
    kOps
};

uint64_t compute(uint32_t op, uint64_t a, uint64_t b) {
    const uint32_t ua = static_cast<uint32_t>(a), ub = static_cast<uint32_t>(b);
    const int32_t sa = static_cast<int32_t>(ua), sb = static_cast<int32_t>(ub);
    switch (op) {
        case kUDiv32: return ua / ub;
        case kUMod32: return ua % ub;
        case kDiv32: return static_cast<uint32_t>(sa / sb);
        case kMod32: return static_cast<uint32_t>(sa % sb);
        case kUDiv64: return a / b;
        case kUMod64: return a % b;
        case kDiv64: return static_cast<uint64_t>(static_cast<int64_t>(a) / static_cast<int64_t>(b));
        case kMod64: return static_cast<uint64_t>(static_cast<int64_t>(a) % static_cast<int64_t>(b));
        case kMul64: return a * b;
        case kUMul32x64: return static_cast<uint64_t>(ua) * ub;
        case kMul32x64: return static_cast<uint64_t>(static_cast<int64_t>(sa) * sb);
        default: return 0;
    }
}

uint64_t word64(const uint32_t* w) { return (static_cast<uint64_t>(w[1]) << 32) | w[0]; }

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::printf("usage: gx_test_libgcc CASES.bin\n");
        return 2;
    }
    FILE* f = std::fopen(argv[1], "rb");
    if (f == nullptr) {
        std::printf("cannot open %s\n", argv[1]);
        return 2;
    }
    uint32_t rec[7];
    long n = 0, failed = 0;
    while (std::fread(rec, sizeof rec, 1, f) == 1) {
        const uint64_t a = word64(rec + 1), b = word64(rec + 3), want = word64(rec + 5);
        const uint64_t got = rec[0] < kOps ? compute(rec[0], a, b) : ~want;
        if (got != want) {
            if (failed < 5) {
                std::printf("MISMATCH case %ld op %lu a 0x%08lx%08lx b 0x%08lx%08lx: got 0x%08lx%08lx want 0x%08lx%08lx\n",
                            n, static_cast<unsigned long>(rec[0]), static_cast<unsigned long>(rec[2]),
                            static_cast<unsigned long>(rec[1]), static_cast<unsigned long>(rec[4]),
                            static_cast<unsigned long>(rec[3]), static_cast<unsigned long>(got >> 32),
                            static_cast<unsigned long>(got & 0xFFFFFFFFu), static_cast<unsigned long>(rec[6]),
                            static_cast<unsigned long>(rec[5]));
            }
            ++failed;
        }
        ++n;
    }
    std::fclose(f);
    std::printf("%ld checks, %ld failed\n", n, failed);
    return failed == 0 && n > 0 ? 0 : 1;
}
