# CMake toolchain file: Xtensa LX106 (the ESP8266's core: call0 ABI, no FPU, no 32-bit
# divider, no MAC16; NOT the ESP32's LX6), Debian's xtensa-lx106-elf-gcc with picolibc.
#   Debian: apt-get install gcc-xtensa-lx106 binutils-xtensa-lx106 picolibc-xtensa-lx106-elf
# Used by firmware/boards/xtensa_sim (QEMU -M sim -cpu lx106, qemu-system-xtensa).
#
# Like the RISC-V toolchain, Debian's lx106 gcc ships no libstdc++: the C++ wrapper headers
# come from firmware/cmake/cxxshim and C++ programs are linked with the C driver. Start-up
# code, linker script and the libgcc helpers Debian's lx106 libgcc lacks are the board's
# (firmware/boards/xtensa_sim), hence -nostartfiles and -T there.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR xtensa)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(GX_CROSS_PREFIX xtensa-lx106-elf-)
set(CMAKE_C_COMPILER ${GX_CROSS_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${GX_CROSS_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${GX_CROSS_PREFIX}gcc)
set(CMAKE_OBJCOPY ${GX_CROSS_PREFIX}objcopy CACHE FILEPATH "objcopy")
set(CMAKE_SIZE ${GX_CROSS_PREFIX}size CACHE FILEPATH "size")

# No -mlongcalls: the linker script keeps all code together, ahead of the model weights,
# well within a CALL0's +-512 kB reach. Literal pools (.literal) go with .text.
set(GX_ARCH_FLAGS "")
set(GX_CXXSHIM "${CMAKE_CURRENT_LIST_DIR}/cxxshim")
# Debian installs picolibc's specs file outside gcc's search path: named by its full path.
set(GX_PICOLIBC_SPECS "/usr/lib/xtensa-lx106-elf/picolibc.specs")
set(CMAKE_C_FLAGS_INIT "${GX_ARCH_FLAGS} --specs=${GX_PICOLIBC_SPECS} -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT
    "${GX_ARCH_FLAGS} --specs=${GX_PICOLIBC_SPECS} -isystem ${GX_CXXSHIM} -ffunction-sections -fdata-sections -fno-threadsafe-statics")
set(CMAKE_ASM_FLAGS_INIT "${GX_ARCH_FLAGS}")
set(CMAKE_CXX_LINK_EXECUTABLE
    "${GX_CROSS_PREFIX}gcc <FLAGS> <CMAKE_CXX_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")
# printf/scanf without floating point (the firmware prints none): the float variants need
# soft-float helpers that Debian's lx106 libgcc lacks too.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostartfiles -DPICOLIBC_INTEGER_PRINTF_SCANF -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
