// Recognition: raw counts -> golden pre-network stages -> int8 network input -> int8
// network(s) -> softmax -> letter, bit for bit the golden model
// (host/glovexfer/golden/recognise.py: recognise, run_network, fuse; the signal network runs on
// the `signals` stage, golden Result.signal / fused_signal), plus the streaming
// Recognizer that takes raw samples one at a time (as the IMU's data-ready interrupt
// delivers them, ~27 Hz) and emits a letter when a window of kMaxSamples completes.
//
// Memory: every buffer is static (recognizer.cpp's .bss: the pre-network stages and the
// networks' scratch share one union, since the stages are dead once the network inputs are
// quantised; sizes measured in docs/benchmarks.md); only the networks of the build-time
// selection (select.h) have inputs and outputs here; nothing is allocated; the functions
// are not reentrant.
#ifndef GX_RECOGNIZER_H
#define GX_RECOGNIZER_H

#include <cstdint>

#include "calibrate.h"
#include "network.h"
#include "params.h"
#include "pipeline.h"
#include "softmax.h"
#include "status.h"

namespace gx {

//! Input quantisation and softmax constants of one exported network, derived on the host
//! from its scales (glovexfer.device.model_io writes them into gx_model_io.h).
struct GxNetIo {
    const char* version;   //!< must equal the model's GxModelInfo.version (checked at start-up)
    int32_t in_mult;       //!< LSTM: QuantizeMultiplier(1/(scale 2^30)); CNN: input_quantiser mult
    int32_t in_shift;      //!< LSTM: its shift (<= 0); CNN: rshift (1..62)
    int32_t in_zero_point;
    GxSoftmaxParams softmax;  //!< SoftmaxParams.from_scales(1, output_scale)
    int32_t has_softmax;      //!< 1 if the model already ends in SOFTMAX (logits are probabilities)
};

//! Input quantiser and softmax constants of the signal network (glovexfer.device.model_io:
//! golden signal_quantiser of the model's metadata norm and input scale / zero point).
struct GxSignalIo {
    const char* version;       //!< must equal the model's GxModelInfo.version
    GxSignalQuantiser quant;   //!< per-channel offset / multiplier / shift, zero point
    GxSoftmaxParams softmax;   //!< SoftmaxParams.from_scales(1, output_scale)
    int32_t has_softmax;       //!< 1 if the model already ends in SOFTMAX
};

//! Start-up check of one model (gx_check_*): ranges + checksum of the model
//! (gx_*_net_verify), its io constants belong to it (same version string) and hash to the
//! io checksum the export recorded in the model.
enum GxModelCheck : int {
    GX_CHECK_UNVERIFIED = -1,  //!< gx_models_verify has not run on this GxModels
    GX_CHECK_OK = 0,
    GX_CHECK_MISSING = 1,      //!< no model compiled in
    GX_CHECK_CORRUPT = 2,      //!< a parameter out of range, or the checksum does not match
    GX_CHECK_IO_MISMATCH = 3,  //!< gx_model_io.h was made for another model version
    GX_CHECK_IO_CORRUPT = 4,   //!< gx_model_io.h constants out of range or not the model's (io checksum)
};

//! The models the device carries (any may be null: that model is then unavailable). The
//! signal network is optional (default null, so four-field initialisers stay valid).
//! *_check: the verified-models table gx_recognise trusts, filled by gx_models_verify (once
//! at start-up, and again whenever a pointer changes); until then no model is usable.
struct GxModels {
    const GxLstmNetModel* lstm;
    const GxNetIo* lstm_io;
    const GxCnnNetModel* cnn;
    const GxNetIo* cnn_io;
    const GxSignalNetModel* signal = nullptr;
    const GxSignalIo* signal_io = nullptr;
    int lstm_check = GX_CHECK_UNVERIFIED;
    int cnn_check = GX_CHECK_UNVERIFIED;
    int signal_check = GX_CHECK_UNVERIFIED;
};

//! GX_MODEL_SIGNAL_FUSED: LSTM + signal network, fused like GX_MODEL_FUSED (golden
//! Result.fused_signal).
enum GxModelSel : int {
    GX_MODEL_LSTM = 0,
    GX_MODEL_CNN = 1,
    GX_MODEL_FUSED = 2,
    GX_MODEL_SIGNAL = 3,
    GX_MODEL_SIGNAL_FUSED = 4,
};
constexpr int kGxModelSelCount = 5;

//! One model's start-up check (a GxModelCheck; computes, does not read the table).
int gx_check_lstm(const GxModels* m);
int gx_check_cnn(const GxModels* m);
int gx_check_signal(const GxModels* m);
//! Fills m's verified-models table (every gx_check_*).
void gx_models_verify(GxModels* m);
//! The io constants alone: ranges, then their checksum (false: out of range).
bool gx_net_io_checksum(const GxNetIo& io, bool lstm, uint32_t* sum);
bool gx_signal_io_checksum(const GxSignalIo& io, uint32_t* sum);

//! One network's decision (golden NetOutput without the input).
struct GxNetOut {
    int8_t logits[kGxClasses];
    uint8_t probs_q8[kGxClasses];  //!< softmax p_int8 + 128, 0..255 (/256)
    int index;                     //!< argmax of the logits, first on ties
    int confidence_q8;             //!< probs_q8[index]
    int margin;                    //!< logits[top1] - logits[top2]
    int top3[3];                   //!< indices, stable sort by descending logit
};

//! The fused decision (golden FusedOutput): scores = lstm.probs_q8 + cnn.probs_q8 (or
//! + signal.probs_q8 for fused_signal).
struct GxFusedOut {
    uint16_t scores[kGxClasses];  //!< 0..510
    int index;
    int confidence_q8;            //!< scores[index] >> 1
    int top3[3];
};

//! The final decision shown to the user (whichever model is selected).
struct GxDecision {
    int model;          //!< GxModelSel
    int index;          //!< 0..25 ('a' + index)
    int confidence_q8;  //!< 0..255 (/256)
    int top3[3];
    int top3_q8[3];     //!< confidence of each top-3 entry (probs_q8, or fused score >> 1)
};

//! Everything one recognition computed that outlives it (static storage inside
//! recognizer.cpp). The pre-network intermediates do not: the networks' scratch reuses their
//! storage (a GxStageSink hears of each while it exists). Inputs and outputs exist for the
//! selected networks only (select.h).
struct GxRecognition {
    int status;                    //!< a GxStatus (status.h): GX_OK or the refusing stage
    bool ran_lstm, ran_cnn, ran_fused;
    bool ran_signals_stage;        //!< the signals stage ran (n samples; reported to the sink)
    bool ran_signal, ran_fused_signal;  //!< the signal network (n == kMaxSamples only) / LSTM + signal
    int32_t points_lo[2], points_hi[2];  //!< the points' extent (GxStages): is the glove moving?
#if GX_WITH_LSTM
    int8_t lstm_in[kGxLstmSteps][kGxLstmIn];
    GxNetOut lstm;
#endif
#if GX_WITH_CNN
    int8_t cnn_in[kGxCnnIn][kGxCnnIn];
    GxNetOut cnn;
#endif
#if GX_WITH_SIGNAL
    int8_t signal_in[kGxSignalSteps][kGxSignalIn];
    GxNetOut signal;
#endif
#if GX_WITH_LSTM && GX_WITH_CNN
    GxFusedOut fused;
#endif
#if GX_WITH_LSTM && GX_WITH_SIGNAL
    GxFusedOut fused_signal;
#endif
    GxDecision decision;           //!< of the selected model
};

//! Quantisation helpers (exposed for tests): golden quantise_points / image_to_int8.
void gx_points_to_int8(const int32_t (*resampled)[2], const GxNetIo& io, int8_t out[kGxLstmSteps][kGxLstmIn]);
void gx_image_to_int8(const int32_t (*image)[kOutPx], const GxNetIo& io, int8_t out[kGxCnnIn][kGxCnnIn]);
//! Softmax + argmax + top-3 of one network's logits.
bool gx_decide(const int8_t logits[kGxClasses], const GxNetIo& io, GxNetOut* out);
bool gx_decide(const int8_t logits[kGxClasses], const GxSignalIo& io, GxNetOut* out);
//! gx_fuse: the fused model from two network outputs.
void gx_fuse(const GxNetOut& lstm, const GxNetOut& cnn, GxFusedOut* out);

//! The networks of a model selection and their feature lengths (calibrate.h), LSTM first:
//! returns how many (1 or 2; 0 for a selection out of range).
int gx_model_features(int sel, int32_t dims[kGxCalibMaxNets]);
//! FNV-1a 32 of the checksums of the selection's networks (a letter calibration belongs to it).
uint32_t gx_model_checksum(const GxModels* models, int sel);
//! The integer scores of the recognition's decision: the fused sum (*max_score 510) or one
//! network's probabilities (255). false when its model did not run.
bool gx_recognition_scores(const GxRecognition* r, uint16_t out[kGxClasses], int32_t* max_score);
//! The same scores from the features alone (gx_recognise's `features`): the last
//! FULLY_CONNECTED and the softmax of each network of the selection. false when a network
//! of the selection is not usable.
bool gx_scores_of_features(const GxModels* models, int sel, const int8_t* features, uint16_t out[kGxClasses]);

//! One recording (1 <= n <= kMaxSamples samples) with the selected model. all_models runs
//! every available model (the replay command reports all of them) and sets the decision
//! from `sel`. The signal network needs n == kMaxSamples: selecting it (signal or
//! fused_signal) with fewer samples is GX_REC_ERR_SIGNAL_SAMPLES; with all_models and
//! fewer samples only the signals stage is computed. Returns the status (also in the result); the result lives in static storage.
//! sink (may be null) hears of each pre-network stage as it completes (GxStageSink).
//! features (may be null; kGxFeatMax bytes, the caller's) receives the features of the
//! selection's networks, LSTM first (gx_model_features), when the recognition succeeds.
const GxRecognition* gx_recognise(const GxModels* models, int sel, const int16_t (*counts)[9], int n,
                                  bool all_models, const GxStageSink* sink = nullptr, int8_t* features = nullptr);

//! Streaming Recognizer state.
struct GxRecognizer {
    const GxModels* models;
    int model;               //!< GxModelSel used for letters
    bool auto_start;         //!< open a window on motion (gyro above kGxAutoStartGyro)
    bool window_open;        //!< collecting a window
    int filled;              //!< samples in the open window
    int16_t window[kMaxSamples][9];
    int32_t idle_samples;    //!< samples since the last window closed (for word breaks)
    bool word_pending;       //!< a letter came since the last word break
    uint32_t samples_total, letters_total;
    int8_t* features;              //!< the caller's kGxFeatMax bytes for each letter's features, or null
    const GxRecognition* last;     //!< the last window's recognition (until the next recognition)
};

//! What gx_recognizer_push reports for one sample.
enum GxEvent : int {
    GX_EVENT_NONE = 0,
    GX_EVENT_LETTER = 1,      //!< a window completed: *decision holds the letter
    GX_EVENT_WORD_BREAK = 2,  //!< kGxWordGapSamples idle samples followed a letter
    GX_EVENT_ERROR = 3,       //!< recognition failed: *status holds the code
};

//! Idle samples (no window open) after a letter that end a word: 1 s at 27 Hz.
constexpr int32_t kGxWordGapSamples = 27;
//! A streamed window whose points (yaw/pitch, 2^-24 turn) span less than this on both axes
//! is a glove held still, not a letter: 0.5 degree = 2^24 / 720 turn units. The replay path
//! (parity) reports such windows like any other; only the Recognizer refuses them.
constexpr int32_t kGxMinMotionSpan = (INT32_C(1) << 24) / 720;
//! Auto start: a window opens when any gyro axis exceeds this many counts (|count|).
constexpr int32_t kGxAutoStartGyro = 3000;

void gx_recognizer_init(GxRecognizer* r, const GxModels* models, int model);
//! Pen down: the next kMaxSamples samples form one letter window (restarts an open one).
void gx_recognizer_start(GxRecognizer* r);
//! Drops an open window and the word state.
void gx_recognizer_reset(GxRecognizer* r);
//! One raw sample (ax ay az gx gy gz mx my mz counts). Any int16 values are accepted.
int gx_recognizer_push(GxRecognizer* r, const int16_t sample[9], GxDecision* decision, int* status);

//! The recogniser's work area: the pre-network stages, then the networks' scratch. Between
//! two recognitions nothing in it is alive, so a caller may use it as the scratch of work
//! that never runs during a recognition (the letter spotter's network, the word decoder):
//! gx_recognizer_work() returns it.
union GxRecWork {
    GxStages stages;
    GxNetCtx net;
};
GxRecWork* gx_recognizer_work();

//! Bytes of static RAM used by recognizer.cpp's own buffers (the union of the stages and
//! the networks' scratch, inputs, results).
int32_t gx_recognizer_static_bytes();

}  // namespace gx

#endif  // GX_RECOGNIZER_H
