// The models compiled into the firmware: generated model data (GX_MODEL_DIR:
// gx_model_lstm.{h,cpp}, gx_model_cnn.{h,cpp}, optionally gx_model_signal.{h,cpp}, then
// GX_HAVE_SIGNAL_MODEL is defined by models.cmake) and their input/softmax constants
// (gx_model_io.h, written by glovexfer.device.model_io). Only the networks of the build-time
// selection (select.h: GX_WITH_LSTM / GX_WITH_CNN / GX_WITH_SIGNAL) are included, so a
// per-model firmware links only its own weights. Built with GX_NO_MODELS the firmware carries
// none and answers every recognition with an error line.
#include "app.h"
#include "select.h"

#ifndef GX_NO_MODELS
#include "gx_model_io.h"
#if GX_WITH_LSTM
#include "gx_model_lstm.h"
#endif
#if GX_WITH_CNN
#include "gx_model_cnn.h"
#endif
#if GX_WITH_SIGNAL && defined(GX_HAVE_SIGNAL_MODEL)
#include "gx_model_signal.h"
#endif
#endif

namespace gx {

#ifndef GX_NO_MODELS
namespace {
GxModels g_models;
bool g_verified = false;
}
// The models are constants: they are verified once per boot (the first call), and
// gx_recognise trusts the table from then on.
const GxModels* gx_app_models() {
    if (g_verified) return &g_models;
    g_models = GxModels{nullptr, nullptr, nullptr, nullptr};
#if GX_WITH_LSTM
    g_models.lstm = gx_model_lstm();
    g_models.lstm_io = &kLstmIo;
#endif
#if GX_WITH_CNN
    g_models.cnn = gx_model_cnn();
    g_models.cnn_io = &kCnnIo;
#endif
#if GX_WITH_SIGNAL && defined(GX_HAVE_SIGNAL_MODEL)
    g_models.signal = gx_model_signal();
    g_models.signal_io = &kSignalIo;
#endif
    gx_models_verify(&g_models);
    g_verified = true;
    return &g_models;
}
#else
const GxModels* gx_app_models() {
    static const GxModels kNone = {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                   GX_CHECK_MISSING, GX_CHECK_MISSING, GX_CHECK_MISSING};
    return &kNone;
}
#endif

}  // namespace gx
