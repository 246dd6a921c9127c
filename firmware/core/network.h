// The paper's two int8 networks, run with the golden model's integer semantics
// (host/glovexfer/golden/network.py: Int8Network.run), bit for bit, batch 1.
//
//  * LSTM: REVERSE_V2(time) -> LSTM (backward) -> STRIDED_SLICE(step) ; LSTM (forward) ->
//    STRIDED_SLICE(step) ; CONCATENATION (order from the model) -> FULLY_CONNECTED (logits).
//  * CNN: CONV_2D -> MAX_POOL_2D -> CONV_2D -> MAX_POOL_2D -> RESHAPE -> FULLY_CONNECTED x2.
//  * signal network (on the `signals` stage, (1, 32, 9) NHWC): CONV_2D (1x5, 64) -> CONV_2D
//    (1x5, 64) -> MAX_POOL_2D (1x2) -> CONV_2D (1x3, 128) -> CONV_2D (1x3, 128) ->
//    AVERAGE_POOL_2D (1x16) -> FULLY_CONNECTED (logits); convolutions SAME-padded, ReLU.
//
// Weights and quantisation parameters come from a generated model source
// (glovexfer.export.model_data.write_model_source), which defines a GxLstmNetModel or a
// GxCnnNetModel or a GxSignalNetModel; the dimensions below are fixed at compile time and checked against it
// at start-up (model_check.cpp).
// Scratch buffers are the caller's (GxNetCtx; no heap, no static buffers). Only the networks
// of the build-time selection (select.h) are compiled.
#ifndef GX_NETWORK_H
#define GX_NETWORK_H

#include <cstdint>

#include "conv.h"
#include "fully_connected.h"
#include "lstm.h"
#include "pool.h"
#include "select.h"

namespace gx {

constexpr int kGxClasses = 26;

// LSTM network dimensions (paper: BiLSTM(50) on (100, 2)).
constexpr int kGxLstmSteps = 100;
constexpr int kGxLstmIn = 2;
constexpr int kGxLstmUnits = 50;
constexpr int kGxLstmConcat = 2 * kGxLstmUnits;
static_assert(kGxLstmUnits <= kGxLstmMaxUnits, "LSTM kernel scratch too small");

// CNN network dimensions (paper: 28x28x1, conv 3x3 32, pool 2, conv 3x3 64, pool 2, 128, 26).
constexpr int kGxCnnIn = 28;
constexpr int kGxCnnC1 = 32, kGxCnnH1 = 26;  // conv1 output 26x26x32
constexpr int kGxCnnP1 = 13;                 // pool1 output 13x13x32
constexpr int kGxCnnC2 = 64, kGxCnnH2 = 11;  // conv2 output 11x11x64
constexpr int kGxCnnP2 = 5;                  // pool2 output 5x5x64
constexpr int kGxCnnFlat = kGxCnnP2 * kGxCnnP2 * kGxCnnC2;
constexpr int kGxCnnHidden = 128;
constexpr int kGxCnnConv1Size = kGxCnnH1 * kGxCnnH1 * kGxCnnC1;
constexpr int kGxCnnPool1Size = kGxCnnP1 * kGxCnnP1 * kGxCnnC1;
constexpr int kGxCnnConv2Size = kGxCnnH2 * kGxCnnH2 * kGxCnnC2;
// ping-pong scratch: A holds conv1, conv2, hidden; B holds pool1, pool2
constexpr int kGxCnnScratchA = kGxCnnConv1Size > kGxCnnConv2Size ? kGxCnnConv1Size : kGxCnnConv2Size;
constexpr int kGxCnnScratchB = kGxCnnPool1Size > kGxCnnFlat ? kGxCnnPool1Size : kGxCnnFlat;

// Signal network dimensions (host/glovexfer/nets/models.py SIGNAL_NET_LAYERS, signal_net):
// input (H 1, W 32 samples, C 9 channels), every layer keeps H = 1.
constexpr int kGxSignalSteps = 32;                        // = kMaxSamples (recognizer.cpp checks)
constexpr int kGxSignalIn = 9;                            // = kGxSignalChannels (recognizer.cpp checks)
constexpr int kGxSignalC1 = 64, kGxSignalK1 = 5;          // conv1 output 32 x 64
constexpr int kGxSignalC2 = 64, kGxSignalK2 = 5;          // conv2 output 32 x 64
constexpr int kGxSignalPool = 2;                          // max pool 1x2, stride 2
constexpr int kGxSignalP1 = kGxSignalSteps / kGxSignalPool;  // pool1 output 16 x 64
constexpr int kGxSignalC3 = 128, kGxSignalK3 = 3;         // conv3 output 16 x 128
constexpr int kGxSignalC4 = 128, kGxSignalK4 = 3;         // conv4 output 16 x 128
constexpr int kGxSignalHidden = kGxSignalC4;              // average pool 1x16 output 1 x 128
constexpr int kGxSignalConv1Size = kGxSignalSteps * kGxSignalC1;
constexpr int kGxSignalConv2Size = kGxSignalSteps * kGxSignalC2;
constexpr int kGxSignalPool1Size = kGxSignalP1 * kGxSignalC2;
constexpr int kGxSignalConv3Size = kGxSignalP1 * kGxSignalC3;
constexpr int kGxSignalConv4Size = kGxSignalP1 * kGxSignalC4;
// ping-pong scratch: A holds conv1, pool1, conv4; B holds conv2, conv3, the average pool
constexpr int gx_const_max(int a, int b) { return a > b ? a : b; }
constexpr int kGxSignalScratchA = gx_const_max(gx_const_max(kGxSignalConv1Size, kGxSignalPool1Size), kGxSignalConv4Size);
constexpr int kGxSignalScratchB = gx_const_max(gx_const_max(kGxSignalConv2Size, kGxSignalConv3Size), kGxSignalHidden);

// Bytes of each network's part of the shared arena: its layout is network.cpp's, which checks
// these figures at compile time (the LSTM kernel's state comes on top: GxLstmScratch).
constexpr int32_t kGxLstmNetArena = 500;
constexpr int32_t kGxCnnNetArena = 9952;
constexpr int32_t kGxSignalNetArena = 5632;

//! The networks' scratch, owned by the caller: the selected networks run one after the other,
//! so they share it (a union sized to the largest selected). Any alignment the kernels need
//! (int16 operand columns: 4 bytes) is the arena's.
struct GxNetCtx {
    union {
#if GX_WITH_LSTM
        struct {
            alignas(4) uint8_t arena[kGxLstmNetArena];
            GxLstmScratch kernel;
        } lstm;
#endif
#if GX_WITH_CNN
        alignas(4) uint8_t cnn[kGxCnnNetArena];
#endif
#if GX_WITH_SIGNAL
        alignas(4) uint8_t signal[kGxSignalNetArena];
#endif
        uint8_t none;  //!< a build without networks
    };
};

// One constant array of a generated model and its size (sizeof): the bounds the start-up
// check reads within, so that no single corrupted length or count makes it read past an array.
struct GxBlob {
    const void* data;
    uint32_t bytes;
};

// What every generated model starts with. The checksums are computed by the export
// (glovexfer.export.model_data) and recomputed at start-up (model_check.cpp).
struct GxModelInfo {
    const char* version;
    uint32_t checksum;     // FNV-1a 32 over the canonical serialisation of every field (this
                           // struct without `checksum`, then the network's fields in order)
    uint32_t io_checksum;  // FNV-1a 32 of the model's gx_model_io.h constants (GxNetIo/GxSignalIo)
    int32_t input_zero_point;
    int32_t output_zero_point;
    const GxBlob* blobs;  // every array the model points at (bounds only: not in the checksum)
    int32_t n_blobs;
};

struct GxLstmNetModel {
    GxModelInfo info;
    int32_t steps, in_dim, units, classes;
    int32_t reverse_time;    // REVERSE_V2 on the time axis before the backward LSTM
    GxLstmParams bwd;        // runs on the reversed sequence
    GxLstmParams fwd;        // runs on the input
    int32_t bwd_slice_step;  // time index STRIDED_SLICE takes from each LSTM output
    int32_t fwd_slice_step;
    int32_t bwd_first;  // CONCATENATION order: 1 = [bwd, fwd], 0 = [fwd, bwd]
    const int8_t* fc_w;  // [classes][2*units]
    const int32_t* fc_b;
    GxFcParams fc;
};

struct GxCnnNetModel {
    GxModelInfo info;
    GxConvParams conv1;
    const int8_t* conv1_w;
    const int32_t* conv1_b;
    GxPoolParams pool1;
    GxConvParams conv2;
    const int8_t* conv2_w;
    const int32_t* conv2_b;
    GxPoolParams pool2;
    int32_t fc1_in, fc1_out;
    const int8_t* fc1_w;
    const int32_t* fc1_b;
    GxFcParams fc1;
    int32_t fc2_in, fc2_out;
    const int8_t* fc2_w;
    const int32_t* fc2_b;
    GxFcParams fc2;
};

struct GxSignalNetModel {
    GxModelInfo info;
    GxConvParams conv1;
    const int8_t* conv1_w;  // [C1][1][K1][9]
    const int32_t* conv1_b;
    GxConvParams conv2;
    const int8_t* conv2_w;
    const int32_t* conv2_b;
    GxPoolParams pool1;  // MAX_POOL_2D
    GxConvParams conv3;
    const int8_t* conv3_w;
    const int32_t* conv3_b;
    GxConvParams conv4;
    const int8_t* conv4_w;
    const int32_t* conv4_b;
    GxPoolParams pool2;  // AVERAGE_POOL_2D
    int32_t fc_in, fc_out;
    const int8_t* fc_w;  // [classes][hidden]
    const int32_t* fc_b;
    GxFcParams fc;
};

// Every layer output (the golden model's Int8Network.run(return_all=True)), for parity tests.
struct GxLstmNetTrace {
    int8_t reversed[kGxLstmSteps][kGxLstmIn];
    int8_t lstm_bwd[kGxLstmSteps][kGxLstmUnits];
    int8_t slice_bwd[kGxLstmUnits];
    int8_t lstm_fwd[kGxLstmSteps][kGxLstmUnits];
    int8_t slice_fwd[kGxLstmUnits];
    int8_t concat[kGxLstmConcat];
};

struct GxCnnNetTrace {
    int8_t conv1[kGxCnnConv1Size];
    int8_t pool1[kGxCnnPool1Size];
    int8_t conv2[kGxCnnConv2Size];
    int8_t pool2[kGxCnnFlat];  // = the RESHAPE output
    int8_t hidden[kGxCnnHidden];
};

struct GxSignalNetTrace {
    int8_t conv1[kGxSignalConv1Size];
    int8_t conv2[kGxSignalConv2Size];
    int8_t pool1[kGxSignalPool1Size];
    int8_t conv3[kGxSignalConv3Size];
    int8_t conv4[kGxSignalConv4Size];
    int8_t pool2[kGxSignalHidden];  // the average pool = FULLY_CONNECTED's flat input
};

// Start-up check (model_check.cpp): every field that is a dimension, an index, a shift, a
// zero point or a clamp range is range-checked (dimensions equal to the compiled-in ones),
// then the FNV-1a 32 checksum is recomputed over the canonical serialisation of every field
// and every array the networks read. *_checksum returns false (sum untouched) when a range
// check fails, since the array lengths it would read then are not trustworthy.
bool gx_lstm_net_checksum(const GxLstmNetModel* m, uint32_t* sum);
bool gx_cnn_net_checksum(const GxCnnNetModel* m, uint32_t* sum);
bool gx_signal_net_checksum(const GxSignalNetModel* m, uint32_t* sum);
bool gx_lstm_net_verify(const GxLstmNetModel* m);
bool gx_cnn_net_verify(const GxCnnNetModel* m);
bool gx_signal_net_verify(const GxSignalNetModel* m);

// One inference (state reset) in ctx's scratch (overwritten). trace may be null. features,
// when not null, receives the int8 input of the last FULLY_CONNECTED (LSTM: the
// concatenation, kGxLstmConcat; CNN: the hidden layer, kGxCnnHidden; signal network: the
// average pool, kGxSignalHidden): the letter calibration's features (calibrate.h). Returns
// false (logits untouched) when the model's dimensions are not the compiled-in ones.
// Declared for the selected networks only.
#if GX_WITH_LSTM
bool gx_lstm_net_run(GxNetCtx* ctx, const GxLstmNetModel* m, const int8_t in[kGxLstmSteps][kGxLstmIn],
                     int8_t logits[kGxClasses], GxLstmNetTrace* trace, int8_t* features = nullptr);
#endif
#if GX_WITH_CNN
bool gx_cnn_net_run(GxNetCtx* ctx, const GxCnnNetModel* m, const int8_t in[kGxCnnIn][kGxCnnIn],
                    int8_t logits[kGxClasses], GxCnnNetTrace* trace, int8_t* features = nullptr);
#endif
#if GX_WITH_SIGNAL
bool gx_signal_net_run(GxNetCtx* ctx, const GxSignalNetModel* m, const int8_t in[kGxSignalSteps][kGxSignalIn],
                       int8_t logits[kGxClasses], GxSignalNetTrace* trace, int8_t* features = nullptr);
#endif

// Layer boundaries, for per-layer measurements (the benchmark): a hook, when set, is called
// after each layer of gx_*_net_run with the layer's id (in run order; a layer fused with the
// next one reports both under its own id). Null by default.
enum GxLayerId {
    kGxLayerLstmReverse, kGxLayerLstmBwd, kGxLayerLstmFwd, kGxLayerLstmFc,
    kGxLayerCnnConv1, kGxLayerCnnPool1, kGxLayerCnnConv2, kGxLayerCnnPool2, kGxLayerCnnFc1, kGxLayerCnnFc2,
    kGxLayerSigConv1, kGxLayerSigConv2, kGxLayerSigPool1, kGxLayerSigConv3, kGxLayerSigConv4, kGxLayerSigPool2,
    kGxLayerSigFc,
    kGxLayerCount
};
using GxLayerHook = void (*)(int layer_id);
void gx_net_set_layer_hook(GxLayerHook hook);

// argmax of the logits (first maximum), the predicted letter index 0..25.
int gx_argmax(const int8_t logits[kGxClasses]);

// Bytes of scratch RAM each network needs (its part of GxNetCtx; the LSTM's includes its
// kernel's state; 0 for a network not selected), and sizeof(GxNetCtx): the largest selected.
int32_t gx_lstm_net_scratch_bytes();
int32_t gx_cnn_net_scratch_bytes();
int32_t gx_signal_net_scratch_bytes();
int32_t gx_net_scratch_bytes();

}  // namespace gx

#endif  // GX_NETWORK_H
