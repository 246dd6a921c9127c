# The firmware's portable sources, one list for every build (host-native CMake build here,
# QEMU boards, ESP32/PlatformIO). Paths are relative to this directory (GX_FIRMWARE_DIR).
#
#   GX_CORE_SOURCES  firmware/core: golden-model stages, int8 networks, softmax, recognizer,
#                    protocol helpers (no I/O, no heap)          include dir: core/
#   GX_APP_SOURCES   firmware/app: serial protocol app over board.h + the compiled-in models
#                    include dirs: app/ boards/ core/ and, unless GX_NO_MODELS is defined,
#                    GX_MODEL_DIR (gx_model_lstm.h, gx_model_cnn.h) and the directory
#                    holding gx_model_io.h (python -m glovexfer.device.model_io MODEL_DIR OUT)
#   models.cmake (include it after this file) turns GX_MODEL_DIR into GX_MODEL_SOURCES,
#   GX_MODEL_INCLUDES and GX_MODEL_DEFS for the app target.
#   A board adds its own board.h implementation (boards/<name>/).
get_filename_component(GX_FIRMWARE_DIR "${CMAKE_CURRENT_LIST_DIR}" ABSOLUTE)
# The shipped glove models' generated sources (glovexfer export): every build's default
# GX_MODEL_DIR when they are there, and the word lexicon. The real-data build's are in
# models/chen2021/firmware (one folder per domain, models/README.md).
get_filename_component(GX_SHIPPED_MODEL_DIR "${GX_FIRMWARE_DIR}/../models/glove/firmware" ABSOLUTE)
set(GX_DEFAULT_MODEL_DIR "")
if(EXISTS "${GX_SHIPPED_MODEL_DIR}/gx_model_lstm.cpp" AND EXISTS "${GX_SHIPPED_MODEL_DIR}/gx_model_cnn.cpp")
  set(GX_DEFAULT_MODEL_DIR "${GX_SHIPPED_MODEL_DIR}")
endif()

# GX_MODEL_DIR (when set) must hold both networks' sources: refused at configure time with
# the shipped folders named, not later as a missing source file.
function(gx_check_model_dir)
  if(GX_MODEL_DIR AND NOT (EXISTS "${GX_MODEL_DIR}/gx_model_lstm.cpp" AND EXISTS "${GX_MODEL_DIR}/gx_model_cnn.cpp"))
    message(FATAL_ERROR "GX_MODEL_DIR=${GX_MODEL_DIR} has no gx_model_lstm.cpp and gx_model_cnn.cpp "
                        "(the shipped ones: ${GX_SHIPPED_MODEL_DIR}, or models/chen2021/firmware for the real-data build)")
  endif()
endfunction()

set(GX_CORE_SOURCES
  ${GX_FIRMWARE_DIR}/core/fixed.cpp
  ${GX_FIRMWARE_DIR}/core/orientation.cpp
  ${GX_FIRMWARE_DIR}/core/points.cpp
  ${GX_FIRMWARE_DIR}/core/normalise.cpp
  ${GX_FIRMWARE_DIR}/core/smooth.cpp
  ${GX_FIRMWARE_DIR}/core/thin.cpp
  ${GX_FIRMWARE_DIR}/core/resample.cpp
  ${GX_FIRMWARE_DIR}/core/raster.cpp
  ${GX_FIRMWARE_DIR}/core/signals.cpp
  ${GX_FIRMWARE_DIR}/core/pipeline.cpp
  ${GX_FIRMWARE_DIR}/core/quant.cpp
  ${GX_FIRMWARE_DIR}/core/fully_connected.cpp
  ${GX_FIRMWARE_DIR}/core/conv.cpp
  ${GX_FIRMWARE_DIR}/core/pool.cpp
  ${GX_FIRMWARE_DIR}/core/lstm.cpp
  ${GX_FIRMWARE_DIR}/core/network.cpp
  ${GX_FIRMWARE_DIR}/core/model_check.cpp
  ${GX_FIRMWARE_DIR}/core/softmax.cpp
  ${GX_FIRMWARE_DIR}/core/recognizer.cpp
  ${GX_FIRMWARE_DIR}/core/protocol.cpp
  ${GX_FIRMWARE_DIR}/core/sensorcal.cpp
  ${GX_FIRMWARE_DIR}/core/calibrate.cpp
  ${GX_FIRMWARE_DIR}/core/decode.cpp
  ${GX_FIRMWARE_DIR}/core/spotter.cpp
)

# The letter spotter of continuous writing (core/spotter.h): in GX_CORE_SOURCES it compiles
# to nothing (GX_WITH_SPOTTER is 0 unless selected); a program that spots compiles these
# sources itself with GX_SELECT_spotter: spotter.cpp, and model_check.cpp, which then carries
# the spotter's start-up check (the program's own copy comes ahead of gxcore, whose
# model_check.o is then never pulled in).
set(GX_SPOTTER_SOURCES
  ${GX_FIRMWARE_DIR}/core/spotter.cpp
  ${GX_FIRMWARE_DIR}/core/model_check.cpp
)
set(GX_SELECT_spotter GX_WITH_SPOTTER=1)
# The word lexicon of continuous writing (core/decode.h): with the spotter, a program that
# decodes words compiles its app with GX_SELECT_lexicon and links GX_LEXICON_SOURCE.
set(GX_SELECT_lexicon GX_WITH_LEXICON=1)

# Continuous writing in an app (app.cpp's continuous mode: the virtual glove, the emulated
# boards' gx_app): given the model directory's gx_model_spotter.cpp (empty: none), the
# spotter's sources and GX_SELECT_spotter and, with them, the lexicon's when it is shipped.
# Sets GX_CONTINUOUS_SOURCES, GX_CONTINUOUS_DEFS and GX_CONTINUOUS_INCLUDES (all empty
# without a spotter: the app then answers 'mode continuous' with E_NO_SPOTTER).
function(gx_continuous_app spotter_source)
  set(_src "")
  set(_defs "")
  set(_inc "")
  if(spotter_source)
    set(_src ${GX_SPOTTER_SOURCES} ${spotter_source})
    set(_defs ${GX_SELECT_spotter})
    if(GX_LEXICON_SOURCE)
      get_filename_component(_inc "${GX_LEXICON_SOURCE}" DIRECTORY)
      list(APPEND _src ${GX_LEXICON_SOURCE})
      list(APPEND _defs ${GX_SELECT_lexicon})
    endif()
  endif()
  set(GX_CONTINUOUS_SOURCES ${_src} PARENT_SCOPE)
  set(GX_CONTINUOUS_DEFS ${_defs} PARENT_SCOPE)
  set(GX_CONTINUOUS_INCLUDES ${_inc} PARENT_SCOPE)
endfunction()

set(GX_APP_SOURCES
  ${GX_FIRMWARE_DIR}/app/app.cpp
  ${GX_FIRMWARE_DIR}/app/models.cpp
)

# The word lexicon (models/glove/firmware/gx_lexicon.cpp, glovexfer.export.lexicon): the flash
# data of core/decode.h, linked by the programs that decode words (GX_WITH_LEXICON=1).
set(GX_LEXICON_SOURCE "")
if(EXISTS "${GX_SHIPPED_MODEL_DIR}/gx_lexicon.cpp")
  set(GX_LEXICON_SOURCE "${GX_SHIPPED_MODEL_DIR}/gx_lexicon.cpp")
endif()

# Build-time model selection (firmware/core/select.h): the compile definitions of a firmware
# built for one model, GX_SELECT_<m> for m = lstm, cnn, fused, signal, fused_signal. A
# target built without them carries every network. Every source of one program (core, app,
# board) must see the same selection: the buffers' layouts depend on it.
set(GX_SELECT_lstm GX_WITH_LSTM=1 GX_WITH_CNN=0 GX_WITH_SIGNAL=0)
set(GX_SELECT_cnn GX_WITH_LSTM=0 GX_WITH_CNN=1 GX_WITH_SIGNAL=0)
set(GX_SELECT_fused GX_WITH_LSTM=1 GX_WITH_CNN=1 GX_WITH_SIGNAL=0)
set(GX_SELECT_signal GX_WITH_LSTM=0 GX_WITH_CNN=0 GX_WITH_SIGNAL=1)
set(GX_SELECT_fused_signal GX_WITH_LSTM=1 GX_WITH_CNN=0 GX_WITH_SIGNAL=1)
