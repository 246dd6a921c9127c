# The compiled-in models, for every CMake build of the firmware (include after sources.cmake).
# In:  GX_MODEL_DIR (generated gx_model_lstm/cnn sources; default: <repo>/models/firmware when
#      it holds them; empty: no models), Python3 with numpy (-DPython3_EXECUTABLE=.venv/bin/python).
# Out: GX_MODEL_SOURCES (model .cpp + the generated gx_model_io.h), GX_MODEL_INCLUDES,
#      GX_MODEL_DEFS (GX_NO_MODELS when there are none): add them to the app's target.
set(GX_DEFAULT_MODEL_DIR "")
if(EXISTS "${GX_FIRMWARE_DIR}/../models/firmware/gx_model_lstm.cpp"
   AND EXISTS "${GX_FIRMWARE_DIR}/../models/firmware/gx_model_cnn.cpp")
  get_filename_component(GX_DEFAULT_MODEL_DIR "${GX_FIRMWARE_DIR}/../models/firmware" ABSOLUTE)
endif()
set(GX_MODEL_DIR "${GX_DEFAULT_MODEL_DIR}" CACHE PATH "directory with gx_model_lstm.cpp and gx_model_cnn.cpp")

if(GX_MODEL_DIR)
  # gx_model_io.h: input-quantisation and softmax constants derived from the models' scales
  # by the host (glovexfer.device.model_io, numpy).
  # The project's virtual environment has numpy; prefer it unless Python3_EXECUTABLE is given.
  if(NOT Python3_EXECUTABLE AND EXISTS "${GX_FIRMWARE_DIR}/../.venv/bin/python")
    set(Python3_EXECUTABLE "${GX_FIRMWARE_DIR}/../.venv/bin/python")
  endif()
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  set(GX_GEN_DIR ${CMAKE_CURRENT_BINARY_DIR}/gen)
  add_custom_command(
    OUTPUT ${GX_GEN_DIR}/gx_model_io.h
    COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${GX_FIRMWARE_DIR}/../host
            ${Python3_EXECUTABLE} -m glovexfer.device.model_io ${GX_MODEL_DIR} ${GX_GEN_DIR}
    DEPENDS ${GX_MODEL_DIR}/gx_model_lstm.cpp ${GX_MODEL_DIR}/gx_model_cnn.cpp
            ${GX_FIRMWARE_DIR}/../host/glovexfer/device/model_io.py
    COMMENT "gx_model_io.h from ${GX_MODEL_DIR}")
  set(GX_MODEL_SOURCES ${GX_MODEL_DIR}/gx_model_lstm.cpp ${GX_MODEL_DIR}/gx_model_cnn.cpp ${GX_GEN_DIR}/gx_model_io.h)
  set(GX_MODEL_INCLUDES ${GX_MODEL_DIR} ${GX_GEN_DIR})
  set(GX_MODEL_DEFS "")
else()
  message(STATUS "GX_MODEL_DIR not set and models/firmware missing: the firmware is built without models")
  set(GX_MODEL_SOURCES "")
  set(GX_MODEL_INCLUDES "")
  set(GX_MODEL_DEFS GX_NO_MODELS)
endif()
