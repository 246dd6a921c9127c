// Per-model firmware builds (gx_app_lstm / gx_app_cnn / gx_app_fused, and with a signal
// network gx_app_signal / gx_app_fused_signal, for the flash/RAM figures of each model):
// firmware/app/models.cpp with only the models of GX_APP_MODEL (0 LSTM, 1 CNN, 2 both =
// fused, 3 signal network, 4 LSTM + signal network = fused_signal) compiled in; the app is
// otherwise unchanged.
#include "app.h"
#include "gx_model_io.h"
#if GX_APP_MODEL == 0 || GX_APP_MODEL == 2 || GX_APP_MODEL == 4
#include "gx_model_lstm.h"
#endif
#if GX_APP_MODEL == 1 || GX_APP_MODEL == 2
#include "gx_model_cnn.h"
#endif
#if GX_APP_MODEL == 3 || GX_APP_MODEL == 4
#include "gx_model_signal.h"
#endif

namespace gx {

namespace {
GxModels g_models;
}

const GxModels* gx_app_models() {
    g_models = GxModels{nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
#if GX_APP_MODEL == 0 || GX_APP_MODEL == 2 || GX_APP_MODEL == 4
    g_models.lstm = gx_model_lstm();
    g_models.lstm_io = &kLstmIo;
#endif
#if GX_APP_MODEL == 1 || GX_APP_MODEL == 2
    g_models.cnn = gx_model_cnn();
    g_models.cnn_io = &kCnnIo;
#endif
#if GX_APP_MODEL == 3 || GX_APP_MODEL == 4
    g_models.signal = gx_model_signal();
    g_models.signal_io = &kSignalIo;
#endif
    gx_models_verify(&g_models);  // the verified-models table gx_recognise trusts
    return &g_models;
}

}  // namespace gx
