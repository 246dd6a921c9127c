// One status type for the core's results (GxStatus): GX_OK, or a negative code naming the
// stage that refused. Where each comes from, and the serial protocol's error line for it
// (firmware/app/app.cpp; docs/serial-protocol.md):
//
//   GX_ERR_ARGS, GX_ERR_NORMALISE, GX_ERR_RESAMPLE   gx_run_pipeline*, gx_run_signals (the
//       stage functions gx_normalise / gx_resample / gx_signals return false: these codes)
//                                                    replay: ERR E_PIPELINE; stream: E_RECOGNISE
//   GX_REC_ERR_NO_MODEL     gx_recognise: a model the selection needs is missing, not built
//       in (select.h) or failed its start-up check   replay: ERR E_NO_MODEL; stream: E_RECOGNISE
//   GX_REC_ERR_NETWORK      gx_*_net_run returned false (dimensions not the compiled-in ones)
//   GX_REC_ERR_SOFTMAX      gx_decide returned false (softmax parameters out of range)
//   GX_REC_ERR_SIGNAL_SAMPLES  signal network selected with fewer than kMaxSamples samples
//                                                    replay: ERR E_PIPELINE; stream: E_RECOGNISE
//   GX_REC_ERR_NO_MOTION    gx_recognizer_push: the window is a glove held still
//                                                    stream: ERR E_NO_MOTION
//
// The start-up model check (GxModelCheck, recognizer.h) is not a call's status but the state
// of one model in the verified-models table (GX_CHECK_OK, or why the model is unusable); a
// recognition that needs a model whose state is not GX_CHECK_OK is GX_REC_ERR_NO_MODEL, and
// the app reports the state itself (ERR E_MODEL at start-up and for `model`).
#ifndef GX_STATUS_H
#define GX_STATUS_H

namespace gx {

enum GxStatus : int {
    GX_OK = 0,
    // the pre-network pipeline
    GX_ERR_ARGS = -1,       //!< null pointer or n outside [1, kMaxSamples]
    GX_ERR_NORMALISE = -2,  //!< points beyond +-2^29 (cannot happen for n <= 32)
    GX_ERR_RESAMPLE = -3,   //!< invalid resample input (cannot happen after normalise)
    // recognition
    GX_REC_ERR_NO_MODEL = -10,        //!< the selected model is missing, unverified or failed its check
    GX_REC_ERR_NETWORK = -11,         //!< a network refused its model (dimension mismatch)
    GX_REC_ERR_SOFTMAX = -12,         //!< softmax parameters out of range
    GX_REC_ERR_NO_MOTION = -13,       //!< streaming only: the window's trajectory spans < kGxMinMotionSpan
    GX_REC_ERR_SIGNAL_SAMPLES = -14,  //!< the selected model needs the signal network: n != kMaxSamples
};

}  // namespace gx

#endif  // GX_STATUS_H
