# Shared build of the firmware for an emulated board (included by
# firmware/boards/mps2_an386/CMakeLists.txt, firmware/boards/riscv_virt/CMakeLists.txt and
# firmware/boards/xtensa_sim/CMakeLists.txt, which set the toolchain and the GX_BOARD_*
# variables below first).
#
#   GX_BOARD_DIR           the board directory
#   GX_BOARD_SOURCES       start-up, UART, counter, board.h implementation
#   GX_BOARD_LINK_OPTIONS  linker script etc. (all programs)
#   GX_SEMIHOST_LINK       libraries/options of the semihosted test programs (stdio + files)
#   GX_PLAIN_LINK          libraries/options of the UART programs (app, bench)
#   GX_BOARD_STACK_PAINT   OFF when the board paints its stack itself (host build)
#
# Programs (each an ELF with a linker map <name>.map next to it):
#   gx_test_core   firmware/test/test_core.cpp over semihosting: every pre-network stage
#                  against golden vectors (same program as the native test)
#   gx_test_int8   firmware/test/test_int8.cpp over semihosting (needs -DGX_MODEL_DIR)
#   gx_test_decode firmware/test/test_decode.cpp over semihosting: the word decoder on the
#                  shipped lexicon (models/glove/firmware/gx_lexicon.cpp), instruction counts
#   gx_test_spotter  firmware/test/test_spotter.cpp over semihosting (GX_MODEL_DIR with
#                  gx_model_spotter.cpp); gx_bench_spotter: its instruction counts per hop
#                  (boards/qemu_common/bench_spotter.cpp, semihosted, run with -icount)
#   gx_test_mpu9250  the ESP32 board's MPU-9250 driver against a simulated chip
#   gx_test_fault  a deliberate bus fault: the board's fault report on the UART
#                  (xtensa_sim adds gx_test_unaligned: an unaligned 32-bit load, and
#                  gx_test_libgcc: its integer division/multiply helpers)
#   gx_app         firmware/app + board: the serial protocol on the UART (needs the app
#                  sources and -DGX_MODEL_DIR with gx_model_io.h); with continuous writing
#                  (the letter spotter, and the lexicon when shipped: sources.cmake's
#                  gx_continuous_app) when GX_MODEL_DIR holds gx_model_spotter.cpp
#   gx_app_<m>     the same app built for m = lstm, cnn, fused only (sizes per model): the
#                  core (gxcore_<m>) and the app compiled with that build-time selection
#                  (GX_WITH_LSTM / GX_WITH_CNN / GX_WITH_SIGNAL, firmware/core/select.h), so
#                  only that model's networks, buffers and weights are linked; without the
#                  letter calibration (GX_WITH_CALIB=0, board gxboard_plain_nocalib): the
#                  recognition path's sizes (the calibration's: gx_bench_calib)
#   gx_bench_<m>   firmware/boards/qemu_common/bench_main.cpp for m = lstm, cnn, fused, on
#                  gxcore_<m> (instruction counts per stage, stack high-water mark; GX_MODEL_DIR)
#   When GX_MODEL_DIR also holds the optional signal network (gx_model_signal.cpp, see
#   firmware/models.cmake): gx_app carries it (GX_HAVE_SIGNAL_MODEL), and gx_app_<m> /
#   gx_bench_<m> exist for m = signal, fused_signal too (LSTM + signal network).
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release)
endif()

get_filename_component(GX_FW "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(GX_COMMON "${GX_FW}/boards/qemu_common")
# The firmware rules' flags (firmware/CMakeLists.txt) plus -Os-free -O2 as on the host:
# the same optimisation level keeps the emulated and native builds comparable.
set(GX_FLAGS -Wall -Wextra -Werror -fno-exceptions -fno-rtti -O2)

# Core and app sources: the lists every build uses (firmware/sources.cmake).
include("${GX_FW}/sources.cmake")

# Generated model sources: default the shipped models/glove/firmware (as the native build,
# sources.cmake's GX_DEFAULT_MODEL_DIR).
set(GX_MODEL_DIR "${GX_DEFAULT_MODEL_DIR}" CACHE PATH
    "directory with the generated model sources gx_model_lstm/cnn.{h,cpp} (glovexfer.export.model_data)")
gx_check_model_dir()

add_library(gxcore STATIC ${GX_CORE_SOURCES})
target_include_directories(gxcore PUBLIC "${GX_FW}/core")
target_compile_options(gxcore PRIVATE ${GX_FLAGS})

# The board code twice: with semihosting (test programs: argv, files, exit status) and
# without (UART programs).
if(NOT DEFINED GX_BOARD_STACK_PAINT)
  set(GX_BOARD_STACK_PAINT ON)
endif()
set(_paint "")
if(GX_BOARD_STACK_PAINT)
  set(_paint "${GX_COMMON}/stack_paint.cpp")
endif()
# plain_nocalib: the UART board for the per-model apps, built without the letter
# calibration (GX_WITH_CALIB=0), so that its settings store keeps no room for that record.
foreach(kind semi plain plain_nocalib)
  add_library(gxboard_${kind} OBJECT ${GX_BOARD_SOURCES} ${_paint} "${GX_FW}/boards/settings_ram.cpp")
  target_include_directories(gxboard_${kind} PUBLIC "${GX_COMMON}" "${GX_FW}/boards" "${GX_FW}/core")
  target_compile_options(gxboard_${kind} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${GX_FLAGS}>)
endforeach()
target_compile_definitions(gxboard_semi PRIVATE GX_SEMIHOSTING=1)
target_compile_definitions(gxboard_plain PRIVATE GX_SEMIHOSTING=0)
target_compile_definitions(gxboard_plain_nocalib PRIVATE GX_SEMIHOSTING=0 GX_WITH_CALIB=0)

# The program links GX_PROGRAM_CORE when the caller sets it (a per-model core), else gxcore.
function(gx_target_program name kind)
  add_executable(${name} ${ARGN} $<TARGET_OBJECTS:gxboard_${kind}>)
  set_target_properties(${name} PROPERTIES SUFFIX ".elf")
  target_include_directories(${name} PRIVATE "${GX_COMMON}" "${GX_FW}/boards")
  if(GX_PROGRAM_CORE)
    target_link_libraries(${name} PRIVATE ${GX_PROGRAM_CORE})
  else()
    target_link_libraries(${name} PRIVATE gxcore)
  endif()
  target_compile_options(${name} PRIVATE ${GX_FLAGS})
  if(kind STREQUAL "semi")
    set(_libs ${GX_SEMIHOST_LINK})
  else()
    set(_libs ${GX_PLAIN_LINK})
  endif()
  target_link_options(${name} PRIVATE ${GX_BOARD_LINK_OPTIONS} ${_libs} "-Wl,-Map=$<TARGET_FILE_DIR:${name}>/${name}.map")
  if(CMAKE_SIZE)
    add_custom_command(TARGET ${name} POST_BUILD COMMAND ${CMAKE_SIZE} "$<TARGET_FILE:${name}>" VERBATIM)
  endif()
endfunction()

gx_target_program(gx_test_core semi "${GX_FW}/test/test_core.cpp")
# The letter calibration's instructions per recognition, per change and per guard (semihosted).
gx_target_program(gx_bench_calib semi "${GX_COMMON}/bench_calib.cpp")

# The word decoder against golden answers (GX_TARGET_COUNTER: its instruction counts under
# QEMU -icount with "bench") and the lexicon's start-up check.
if(GX_LEXICON_SOURCE)
  get_filename_component(_gx_lex_dir "${GX_LEXICON_SOURCE}" DIRECTORY)
  gx_target_program(gx_test_decode semi "${GX_FW}/test/test_decode.cpp" "${GX_LEXICON_SOURCE}")
  target_include_directories(gx_test_decode PRIVATE "${_gx_lex_dir}")
  target_compile_definitions(gx_test_decode PRIVATE GX_WITH_LEXICON=1 GX_TARGET_COUNTER=1)
endif()

# The fault handler reports a fault on the UART and stops (emulated boards only).
if(GX_BOARD_STACK_PAINT)
  gx_target_program(gx_test_fault plain "${GX_COMMON}/fault_main.cpp")
endif()

# The ESP32 glove's portable IMU driver (MPU-9250) against a simulated chip.
gx_target_program(gx_test_mpu9250 semi "${GX_FW}/boards/esp32/test_mpu9250.cpp" "${GX_FW}/boards/esp32/mpu9250.cpp")
target_include_directories(gx_test_mpu9250 PRIVATE "${GX_FW}/boards/esp32")

if(GX_MODEL_DIR)
  # Each model's generated source compiled once (the CNN's is ~1 MB of C++).
  foreach(m lstm cnn)
    add_library(gxmodel_${m} OBJECT "${GX_MODEL_DIR}/gx_model_${m}.cpp")
    target_include_directories(gxmodel_${m} PRIVATE "${GX_FW}/core" "${GX_MODEL_DIR}")
    target_compile_options(gxmodel_${m} PRIVATE ${GX_FLAGS})
  endforeach()
  set(_obj_lstm $<TARGET_OBJECTS:gxmodel_lstm>)
  set(_obj_cnn $<TARGET_OBJECTS:gxmodel_cnn>)
  # The optional signal network (re-run cmake after adding or removing it).
  set(_gx_signal OFF)
  set(_obj_signal "")
  set(_io_depends "${GX_MODEL_DIR}/gx_model_lstm.cpp" "${GX_MODEL_DIR}/gx_model_cnn.cpp")
  if(EXISTS "${GX_MODEL_DIR}/gx_model_signal.cpp")
    set(_gx_signal ON)
    add_library(gxmodel_signal OBJECT "${GX_MODEL_DIR}/gx_model_signal.cpp")
    target_include_directories(gxmodel_signal PRIVATE "${GX_FW}/core" "${GX_MODEL_DIR}")
    target_compile_options(gxmodel_signal PRIVATE ${GX_FLAGS})
    set(_obj_signal $<TARGET_OBJECTS:gxmodel_signal>)
    list(APPEND _io_depends "${GX_MODEL_DIR}/gx_model_signal.cpp")
  endif()
  # The model list as a file (rewritten only when it changes), so that adding or removing
  # the signal network regenerates gx_model_io.h in an existing build directory.
  set(_gx_list_file "${CMAKE_CURRENT_BINARY_DIR}/gen/model_sources.txt")
  set(_gx_old "")
  if(EXISTS "${_gx_list_file}")
    file(READ "${_gx_list_file}" _gx_old)
  endif()
  if(NOT _gx_old STREQUAL "${_io_depends}")
    file(WRITE "${_gx_list_file}" "${_io_depends}")
  endif()

  gx_target_program(gx_test_int8 semi "${GX_FW}/test/test_int8.cpp" ${_obj_lstm} ${_obj_cnn})
  target_include_directories(gx_test_int8 PRIVATE "${GX_MODEL_DIR}")

  # The letter spotter (GX_WITH_SPOTTER on its own sources, firmware/sources.cmake) against
  # golden sessions, when GX_MODEL_DIR holds it.
  if(EXISTS "${GX_MODEL_DIR}/gx_model_spotter.cpp")
    gx_target_program(gx_test_spotter semi "${GX_FW}/test/test_spotter.cpp" ${GX_SPOTTER_SOURCES}
      "${GX_MODEL_DIR}/gx_model_spotter.cpp")
    target_include_directories(gx_test_spotter PRIVATE "${GX_MODEL_DIR}")
    target_compile_definitions(gx_test_spotter PRIVATE ${GX_SELECT_spotter})
    # its benchmark (instructions per hop, per window, per normalised letter; semihosted)
    gx_target_program(gx_bench_spotter semi "${GX_COMMON}/bench_spotter.cpp" ${GX_SPOTTER_SOURCES}
      "${GX_MODEL_DIR}/gx_model_spotter.cpp")
    target_include_directories(gx_bench_spotter PRIVATE "${GX_MODEL_DIR}")
    target_compile_definitions(gx_bench_spotter PRIVATE ${GX_SELECT_spotter})
  endif()

  # gx_model_io.h (input quantisation + softmax constants) from the models' scales, by the
  # host's Python exactly as the native build makes it (firmware/CMakeLists.txt).
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  set(GX_GEN_DIR "${CMAKE_CURRENT_BINARY_DIR}/gen")
  add_custom_command(
    OUTPUT "${GX_GEN_DIR}/gx_model_io.h"
    COMMAND ${CMAKE_COMMAND} -E env "PYTHONPATH=${GX_FW}/../host"
            ${Python3_EXECUTABLE} -m glovexfer.device.model_io "${GX_MODEL_DIR}" "${GX_GEN_DIR}"
    DEPENDS ${_io_depends} "${_gx_list_file}"
            "${GX_FW}/../host/glovexfer/device/model_io.py"
    COMMENT "gx_model_io.h from ${GX_MODEL_DIR}")
  add_custom_target(gx_model_io DEPENDS "${GX_GEN_DIR}/gx_model_io.h")
  set(_app_models ${_obj_lstm} ${_obj_cnn} ${_obj_signal})
  set(_app_includes "${GX_MODEL_DIR}" "${GX_GEN_DIR}")
  set(_app_defs "")
  if(_gx_signal)
    set(_app_defs GX_HAVE_SIGNAL_MODEL)
  endif()
  # gx_app (not the per-model gx_app_<m>, whose sizes the benchmark reports) carries
  # continuous writing when GX_MODEL_DIR has the spotter, as the virtual glove does.
  set(_gx_spotter_src "")
  if(EXISTS "${GX_MODEL_DIR}/gx_model_spotter.cpp")
    set(_gx_spotter_src "${GX_MODEL_DIR}/gx_model_spotter.cpp")
  endif()
  gx_continuous_app("${_gx_spotter_src}")

  # The same app once per model selection, each built for that selection only (the
  # flash/RAM figures per model): its own core, app/models.cpp including only its weights.
  set(_m_lstm ${_obj_lstm})
  set(_m_cnn ${_obj_cnn})
  set(_m_fused ${_obj_lstm} ${_obj_cnn})
  set(_m_signal ${_obj_signal})
  set(_m_fused_signal ${_obj_lstm} ${_obj_signal})
  set(_sel_lstm 0)
  set(_sel_cnn 1)
  set(_sel_fused 2)
  set(_sel_signal 3)
  set(_sel_fused_signal 4)
  set(_bench_models lstm cnn fused)
  if(_gx_signal)
    list(APPEND _bench_models signal fused_signal)
  endif()
  foreach(m ${_bench_models})
    # the core of this selection: its definitions are PUBLIC, so that every program linking
    # it sees the same buffer layouts
    add_library(gxcore_${m} STATIC ${GX_CORE_SOURCES})
    target_include_directories(gxcore_${m} PUBLIC "${GX_FW}/core")
    target_compile_options(gxcore_${m} PRIVATE ${GX_FLAGS})
    target_compile_definitions(gxcore_${m} PUBLIC ${GX_SELECT_${m}})
    set(GX_PROGRAM_CORE gxcore_${m})
    gx_target_program(gx_app_${m} plain_nocalib ${GX_APP_SOURCES} "${GX_COMMON}/main_app.cpp" ${_m_${m}})
    target_include_directories(gx_app_${m} PRIVATE "${GX_FW}/app" "${GX_MODEL_DIR}" "${GX_GEN_DIR}")
    # the recognition path's sizes: without the letter calibration (its cost: bench --calibration)
    target_compile_definitions(gx_app_${m} PRIVATE ${_app_defs} GX_WITH_CALIB=0)
    add_dependencies(gx_app_${m} gx_model_io)
    unset(GX_PROGRAM_CORE)
  endforeach()

  # Benchmarks, one per model selection, each on that selection's core with only the
  # weights it uses.
  foreach(m ${_bench_models})
    set(GX_PROGRAM_CORE gxcore_${m})
    gx_target_program(gx_bench_${m} plain "${GX_COMMON}/bench_main.cpp" ${_m_${m}})
    unset(GX_PROGRAM_CORE)
    target_include_directories(gx_bench_${m} PRIVATE "${GX_MODEL_DIR}" "${GX_GEN_DIR}")
    target_compile_definitions(gx_bench_${m} PRIVATE GX_BENCH_MODEL=${_sel_${m}})
    add_dependencies(gx_bench_${m} gx_model_io)
  endforeach()
else()
  set(_app_models "")
  set(_app_includes "")
  set(_app_defs GX_NO_MODELS)
  gx_continuous_app("")
endif()

# The firmware application: the serial protocol on the UART with the compiled-in models
# (app/models.cpp; without GX_MODEL_DIR it carries none and answers with error lines).
gx_target_program(gx_app plain ${GX_APP_SOURCES} "${GX_COMMON}/main_app.cpp" ${_app_models} ${GX_CONTINUOUS_SOURCES})
target_include_directories(gx_app PRIVATE "${GX_FW}/app" ${_app_includes} ${GX_CONTINUOUS_INCLUDES})
target_compile_definitions(gx_app PRIVATE ${_app_defs} ${GX_CONTINUOUS_DEFS})
if(GX_MODEL_DIR)
  add_dependencies(gx_app gx_model_io)
endif()
