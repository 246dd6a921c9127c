# The compiled-in models, for every CMake build of the firmware (include after sources.cmake).
# In:  GX_MODEL_DIR (generated gx_model_lstm/cnn sources; default: <repo>/models/glove/firmware when
#      it holds them; empty: no models), Python3 with numpy (-DPython3_EXECUTABLE=.venv/bin/python).
# Out: GX_MODEL_SOURCES (model .cpp + the generated gx_model_io.h), GX_MODEL_INCLUDES,
#      GX_MODEL_DEFS (GX_NO_MODELS when there are none; GX_HAVE_SIGNAL_MODEL when GX_MODEL_DIR
#      also holds gx_model_signal.cpp, the optional signal network): add them to the app's
#      target. GX_MODEL_NET_SOURCES: the model .cpp files alone (test programs).
#      GX_MODEL_SPOTTER_SOURCE: gx_model_spotter.cpp when GX_MODEL_DIR holds it (the letter
#      spotter, for the programs that spot: never in GX_MODEL_SOURCES), else empty.
set(GX_MODEL_DIR "${GX_DEFAULT_MODEL_DIR}" CACHE PATH "directory with gx_model_lstm.cpp and gx_model_cnn.cpp")
gx_check_model_dir()

if(GX_MODEL_DIR)
  # gx_model_io.h: input-quantisation and softmax constants derived from the models' scales
  # by the host (glovexfer.device.model_io, numpy).
  # The project's virtual environment has numpy; prefer it unless Python3_EXECUTABLE is given.
  if(NOT Python3_EXECUTABLE AND EXISTS "${GX_FIRMWARE_DIR}/../.venv/bin/python")
    set(Python3_EXECUTABLE "${GX_FIRMWARE_DIR}/../.venv/bin/python")
  endif()
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  set(GX_GEN_DIR ${CMAKE_CURRENT_BINARY_DIR}/gen)
  set(GX_MODEL_NET_SOURCES ${GX_MODEL_DIR}/gx_model_lstm.cpp ${GX_MODEL_DIR}/gx_model_cnn.cpp)
  set(GX_MODEL_DEFS "")
  # The signal network is optional (re-run cmake after adding or removing it).
  if(EXISTS "${GX_MODEL_DIR}/gx_model_signal.cpp")
    list(APPEND GX_MODEL_NET_SOURCES ${GX_MODEL_DIR}/gx_model_signal.cpp)
    set(GX_MODEL_DEFS GX_HAVE_SIGNAL_MODEL)
  endif()
  # The model list as a file (rewritten only when it changes), so that adding or removing
  # the signal network regenerates gx_model_io.h in an existing build directory.
  set(_gx_list_file ${GX_GEN_DIR}/model_sources.txt)
  set(_gx_old "")
  if(EXISTS ${_gx_list_file})
    file(READ ${_gx_list_file} _gx_old)
  endif()
  if(NOT _gx_old STREQUAL "${GX_MODEL_NET_SOURCES}")
    file(WRITE ${_gx_list_file} "${GX_MODEL_NET_SOURCES}")
  endif()
  add_custom_command(
    OUTPUT ${GX_GEN_DIR}/gx_model_io.h
    COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${GX_FIRMWARE_DIR}/../host
            ${Python3_EXECUTABLE} -m glovexfer.device.model_io ${GX_MODEL_DIR} ${GX_GEN_DIR}
    DEPENDS ${GX_MODEL_NET_SOURCES} ${_gx_list_file}
            ${GX_FIRMWARE_DIR}/../host/glovexfer/device/model_io.py
            ${GX_FIRMWARE_DIR}/../host/glovexfer/export/model_io.py
    COMMENT "gx_model_io.h from ${GX_MODEL_DIR}")
  set(GX_MODEL_SOURCES ${GX_MODEL_NET_SOURCES} ${GX_GEN_DIR}/gx_model_io.h)
  set(GX_MODEL_SPOTTER_SOURCE "")
  if(EXISTS "${GX_MODEL_DIR}/gx_model_spotter.cpp")
    set(GX_MODEL_SPOTTER_SOURCE ${GX_MODEL_DIR}/gx_model_spotter.cpp)
  endif()
  set(GX_MODEL_INCLUDES ${GX_MODEL_DIR} ${GX_GEN_DIR})
else()
  message(STATUS "GX_MODEL_DIR not set and models/glove/firmware missing: the firmware is built without models")
  set(GX_MODEL_SOURCES "")
  set(GX_MODEL_NET_SOURCES "")
  set(GX_MODEL_SPOTTER_SOURCE "")
  set(GX_MODEL_INCLUDES "")
  set(GX_MODEL_DEFS GX_NO_MODELS)
endif()
