# CMake toolchain file: ARM Cortex-M4F (hard-float ABI), Debian's arm-none-eabi-gcc with newlib.
#   Debian: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
# Used by firmware/boards/mps2_an386 (QEMU -M mps2-an386). Bare metal: try_compile builds a
# static library so CMake's compiler checks need no startup code or linker script.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(GX_CROSS_PREFIX arm-none-eabi-)
set(CMAKE_C_COMPILER ${GX_CROSS_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${GX_CROSS_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${GX_CROSS_PREFIX}gcc)
set(CMAKE_OBJCOPY ${GX_CROSS_PREFIX}objcopy CACHE FILEPATH "objcopy")
set(CMAKE_SIZE ${GX_CROSS_PREFIX}size CACHE FILEPATH "size")

# Cortex-M4 with the single-precision FPU (FPv4-SP-D16), hard-float calling convention.
set(GX_ARCH_FLAGS "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
# Debian's arm-none-eabi gcc has a self-contained <stdint.h> (it does not include newlib's),
# so newlib's <inttypes.h> never sees its __int64_t_defined flag and leaves PRId64/SCNd64
# undefined. Both headers define int64_t as long long, so setting the flag (to the value
# newlib's sys/_stdint.h gives it) is exact.
set(GX_NEWLIB_FIX "-D__int64_t_defined=1")
set(CMAKE_C_FLAGS_INIT "${GX_ARCH_FLAGS} ${GX_NEWLIB_FIX} -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT "${GX_ARCH_FLAGS} ${GX_NEWLIB_FIX} -ffunction-sections -fdata-sections -fno-threadsafe-statics")
set(CMAKE_ASM_FLAGS_INIT "${GX_ARCH_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${GX_ARCH_FLAGS} -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
