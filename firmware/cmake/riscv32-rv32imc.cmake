# CMake toolchain file: RISC-V RV32IMC, ilp32 (soft-float) -- the ESP32-C3's ISA -- with Debian's
# riscv64-unknown-elf-gcc and picolibc.
#   Debian: apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
# Used by firmware/boards/riscv_virt (QEMU -M virt, qemu-system-riscv32).
#
# Debian's RISC-V gcc ships no libstdc++ (not even the freestanding headers), so the few
# C++ wrapper headers the firmware includes (<cstdint>, <cstdio>, <cstring>, <cinttypes>;
# <new> for placement new) come from firmware/cmake/cxxshim, which maps them onto
# picolibc's C headers; the core
# needs nothing else from the C++ library (no exceptions, RTTI, heap or thread-safe statics).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(GX_CROSS_PREFIX riscv64-unknown-elf-)
set(CMAKE_C_COMPILER ${GX_CROSS_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${GX_CROSS_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${GX_CROSS_PREFIX}gcc)
set(CMAKE_OBJCOPY ${GX_CROSS_PREFIX}objcopy CACHE FILEPATH "objcopy")
set(CMAKE_SIZE ${GX_CROSS_PREFIX}size CACHE FILEPATH "size")

# rv32imc has no multilib of its own in Debian's gcc; -march=rv32imc selects rv32im/ilp32
# for libgcc and picolibc (compatible: the C extension only adds compressed encodings).
# Zicsr (for the instret/cycle counters) is not in -march; the board code encodes the one
# CSR read it needs with .insn, so the multilib selection stays on rv32im/ilp32.
set(GX_ARCH_FLAGS "-march=rv32imc -mabi=ilp32 -mcmodel=medany")
set(GX_CXXSHIM "${CMAKE_CURRENT_LIST_DIR}/cxxshim")
set(CMAKE_C_FLAGS_INIT "${GX_ARCH_FLAGS} --specs=picolibc.specs -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT
    "${GX_ARCH_FLAGS} --specs=picolibc.specs -isystem ${GX_CXXSHIM} -ffunction-sections -fdata-sections -fno-threadsafe-statics")
set(CMAKE_ASM_FLAGS_INIT "${GX_ARCH_FLAGS}")
# There is no libstdc++ to link and g++ 12 always adds -lstdc++ (-nostdlib++ came in gcc 13):
# C++ programs are linked with the C driver. The link line repeats CMAKE_CXX_FLAGS
# (architecture, --specs=picolibc.specs).
set(CMAKE_CXX_LINK_EXECUTABLE
    "${GX_CROSS_PREFIX}gcc <FLAGS> <CMAKE_CXX_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
