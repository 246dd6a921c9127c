#include "network.h"

#include <cstring>

namespace gx {

namespace {

// LSTM network scratch
int8_t g_reversed[kGxLstmSteps][kGxLstmIn];
int8_t g_seq[kGxLstmSteps][kGxLstmUnits];
int8_t g_concat[kGxLstmConcat];
// CNN network scratch (ping-pong; A is also the fully connected layers' widened input)
alignas(4) int8_t g_a[kGxCnnScratchA];
int8_t g_b[kGxCnnScratchB];
// signal network scratch (ping-pong)
int8_t g_sa[kGxSignalScratchA];
int8_t g_sb[kGxSignalScratchB];

// widened operands of the convolutions and the small fully connected layers (conv.h,
// fully_connected.h): the largest is two windows of the signal network's conv4
constexpr int kColElems = gx_const_max(gx_const_max(2 * 3 * 3 * kGxCnnC1, 2 * kGxSignalK4 * kGxSignalC3),
                                       gx_const_max(kGxLstmConcat, kGxSignalHidden));
alignas(4) int16_t g_col[kColElems];
static_assert(kGxCnnFlat * 2 <= kGxCnnScratchA, "the CNN's first dense layer widens its input into scratch A");
static_assert(kGxCnnFlat + kGxCnnHidden <= kGxCnnScratchB, "the CNN's hidden layer follows pool2 in scratch B");

GxLayerHook g_hook = nullptr;

inline void layer_done(int id) {
    if (g_hook != nullptr) g_hook(id);
}

// LSTM kernel scratch (lstm.cpp): 2 + 4 + 1 + 1 int16 rows and one int8 row of kGxLstmMaxUnits.
constexpr int32_t kLstmKernelScratch = (8 * 2 + 1) * kGxLstmMaxUnits;

bool lstm_dims_ok(const GxLstmParams* p, int32_t in_dim) { return p->in_dim == in_dim && p->units == kGxLstmUnits; }

bool conv_ok(const GxConvParams* p, int32_t in_hw, int32_t in_c, int32_t out_hw, int32_t out_c) {
    return p->in_h == in_hw && p->in_w == in_hw && p->in_c == in_c && p->out_h == out_hw && p->out_w == out_hw &&
           p->out_c == out_c;
}

bool pool_ok(const GxPoolParams* p, int32_t in_hw, int32_t c, int32_t out_hw) {
    return p->in_h == in_hw && p->in_w == in_hw && p->c == c && p->out_h == out_hw && p->out_w == out_hw;
}

bool lstm_shape_ok(const GxLstmNetModel* m) {
    return m->steps == kGxLstmSteps && m->in_dim == kGxLstmIn && m->units == kGxLstmUnits && m->classes == kGxClasses &&
           lstm_dims_ok(&m->bwd, kGxLstmIn) && lstm_dims_ok(&m->fwd, kGxLstmIn) && m->bwd_slice_step >= 0 &&
           m->bwd_slice_step < kGxLstmSteps && m->fwd_slice_step >= 0 && m->fwd_slice_step < kGxLstmSteps;
}

bool cnn_shape_ok(const GxCnnNetModel* m) {
    return conv_ok(&m->conv1, kGxCnnIn, 1, kGxCnnH1, kGxCnnC1) && pool_ok(&m->pool1, kGxCnnH1, kGxCnnC1, kGxCnnP1) &&
           conv_ok(&m->conv2, kGxCnnP1, kGxCnnC1, kGxCnnH2, kGxCnnC2) && pool_ok(&m->pool2, kGxCnnH2, kGxCnnC2, kGxCnnP2) &&
           m->fc1_in == kGxCnnFlat && m->fc1_out == kGxCnnHidden && m->fc2_in == kGxCnnHidden &&
           m->fc2_out == kGxClasses;
}

// A (1 x w) convolution of the signal network: stride 1, no dilation, H = 1 throughout.
bool conv_1xk_ok(const GxConvParams* p, int32_t w, int32_t in_c, int32_t out_c, int32_t k) {
    return p->in_h == 1 && p->in_w == w && p->in_c == in_c && p->out_h == 1 && p->out_w == w && p->out_c == out_c &&
           p->k_h == 1 && p->k_w == k && p->stride_h == 1 && p->stride_w == 1 && p->dilation_h == 1 &&
           p->dilation_w == 1;
}

bool pool_1xk_ok(const GxPoolParams* p, int32_t in_w, int32_t c, int32_t f) {
    return p->in_h == 1 && p->in_w == in_w && p->c == c && p->out_h == 1 && p->out_w == in_w / f && p->f_h == 1 &&
           p->f_w == f && p->stride_h == 1 && p->stride_w == f && p->pad_t == 0 && p->pad_l == 0;
}

bool signal_shape_ok(const GxSignalNetModel* m) {
    return conv_1xk_ok(&m->conv1, kGxSignalSteps, kGxSignalIn, kGxSignalC1, kGxSignalK1) &&
           conv_1xk_ok(&m->conv2, kGxSignalSteps, kGxSignalC1, kGxSignalC2, kGxSignalK2) &&
           pool_1xk_ok(&m->pool1, kGxSignalSteps, kGxSignalC2, kGxSignalPool) &&
           conv_1xk_ok(&m->conv3, kGxSignalP1, kGxSignalC2, kGxSignalC3, kGxSignalK3) &&
           conv_1xk_ok(&m->conv4, kGxSignalP1, kGxSignalC3, kGxSignalC4, kGxSignalK4) &&
           pool_1xk_ok(&m->pool2, kGxSignalP1, kGxSignalC4, kGxSignalP1) && m->fc_in == kGxSignalHidden &&
           m->fc_out == kGxClasses;
}

}  // namespace

bool gx_lstm_net_run(const GxLstmNetModel* m, const int8_t in[kGxLstmSteps][kGxLstmIn], int8_t logits[kGxClasses],
                     GxLstmNetTrace* trace) {
    if (!lstm_shape_ok(m)) return false;
    for (int t = 0; t < kGxLstmSteps; ++t)
        for (int d = 0; d < kGxLstmIn; ++d)
            g_reversed[t][d] = m->reverse_time ? in[kGxLstmSteps - 1 - t][d] : in[t][d];
    layer_done(kGxLayerLstmReverse);
    if (trace) std::memcpy(trace->reversed, g_reversed, sizeof g_reversed);
    int8_t* bwd_dst = g_concat + (m->bwd_first ? 0 : kGxLstmUnits);
    int8_t* fwd_dst = g_concat + (m->bwd_first ? kGxLstmUnits : 0);
    // backward direction, then forward, sharing one sequence buffer
    if (!gx_lstm_int8(&g_reversed[0][0], kGxLstmSteps, &m->bwd, &g_seq[0][0])) return false;
    std::memcpy(bwd_dst, g_seq[m->bwd_slice_step], kGxLstmUnits);
    layer_done(kGxLayerLstmBwd);
    if (trace) {
        std::memcpy(trace->lstm_bwd, g_seq, sizeof g_seq);
        std::memcpy(trace->slice_bwd, bwd_dst, kGxLstmUnits);
    }
    if (!gx_lstm_int8(&in[0][0], kGxLstmSteps, &m->fwd, &g_seq[0][0])) return false;
    std::memcpy(fwd_dst, g_seq[m->fwd_slice_step], kGxLstmUnits);
    layer_done(kGxLayerLstmFwd);
    if (trace) {
        std::memcpy(trace->lstm_fwd, g_seq, sizeof g_seq);
        std::memcpy(trace->slice_fwd, fwd_dst, kGxLstmUnits);
        std::memcpy(trace->concat, g_concat, sizeof g_concat);
    }
    gx_fully_connected_i8(g_concat, kGxLstmConcat, m->fc_w, m->fc_b, kGxClasses, &m->fc, logits, g_col);
    layer_done(kGxLayerLstmFc);
    return true;
}

bool gx_cnn_net_run(const GxCnnNetModel* m, const int8_t in[kGxCnnIn][kGxCnnIn], int8_t logits[kGxClasses],
                    GxCnnNetTrace* trace) {
    if (!cnn_shape_ok(m)) return false;
    gx_conv2d_per_channel(&in[0][0], m->conv1_w, m->conv1_b, &m->conv1, g_a, g_col);
    layer_done(kGxLayerCnnConv1);
    if (trace) std::memcpy(trace->conv1, g_a, kGxCnnConv1Size);
    gx_max_pool2d(g_a, &m->pool1, g_b);
    layer_done(kGxLayerCnnPool1);
    if (trace) std::memcpy(trace->pool1, g_b, kGxCnnPool1Size);
    gx_conv2d_per_channel(g_b, m->conv2_w, m->conv2_b, &m->conv2, g_a, g_col);
    layer_done(kGxLayerCnnConv2);
    if (trace) std::memcpy(trace->conv2, g_a, kGxCnnConv2Size);
    gx_max_pool2d(g_a, &m->pool2, g_b);  // NHWC [5][5][64] = RESHAPE's flat 1600
    layer_done(kGxLayerCnnPool2);
    if (trace) std::memcpy(trace->pool2, g_b, kGxCnnFlat);
    // conv2's map is consumed: scratch A holds the widened input of the dense layers
    int16_t* col = reinterpret_cast<int16_t*>(g_a);
    int8_t* hidden = g_b + kGxCnnFlat;
    gx_fully_connected_i8(g_b, kGxCnnFlat, m->fc1_w, m->fc1_b, kGxCnnHidden, &m->fc1, hidden, col);
    layer_done(kGxLayerCnnFc1);
    if (trace) std::memcpy(trace->hidden, hidden, kGxCnnHidden);
    gx_fully_connected_i8(hidden, kGxCnnHidden, m->fc2_w, m->fc2_b, kGxClasses, &m->fc2, logits, col);
    layer_done(kGxLayerCnnFc2);
    return true;
}

bool gx_signal_net_run(const GxSignalNetModel* m, const int8_t in[kGxSignalSteps][kGxSignalIn],
                       int8_t logits[kGxClasses], GxSignalNetTrace* trace) {
    if (!signal_shape_ok(m)) return false;
    gx_conv2d_per_channel(&in[0][0], m->conv1_w, m->conv1_b, &m->conv1, g_sa, g_col);  // [1][32][64]
    layer_done(kGxLayerSigConv1);
    if (trace) std::memcpy(trace->conv1, g_sa, kGxSignalConv1Size);
    gx_conv2d_per_channel(g_sa, m->conv2_w, m->conv2_b, &m->conv2, g_sb, g_col);  // [1][32][64]
    layer_done(kGxLayerSigConv2);
    if (trace) std::memcpy(trace->conv2, g_sb, kGxSignalConv2Size);
    gx_max_pool2d(g_sb, &m->pool1, g_sa);  // [1][16][64]
    layer_done(kGxLayerSigPool1);
    if (trace) std::memcpy(trace->pool1, g_sa, kGxSignalPool1Size);
    gx_conv2d_per_channel(g_sa, m->conv3_w, m->conv3_b, &m->conv3, g_sb, g_col);  // [1][16][128]
    layer_done(kGxLayerSigConv3);
    if (trace) std::memcpy(trace->conv3, g_sb, kGxSignalConv3Size);
    gx_conv2d_per_channel(g_sb, m->conv4_w, m->conv4_b, &m->conv4, g_sa, g_col);  // [1][16][128]
    layer_done(kGxLayerSigConv4);
    if (trace) std::memcpy(trace->conv4, g_sa, kGxSignalConv4Size);
    if (!gx_average_pool2d(g_sa, &m->pool2, g_sb)) return false;  // [1][1][128] = the flat FC input
    layer_done(kGxLayerSigPool2);
    if (trace) std::memcpy(trace->pool2, g_sb, kGxSignalHidden);
    gx_fully_connected_i8(g_sb, kGxSignalHidden, m->fc_w, m->fc_b, kGxClasses, &m->fc, logits, g_col);
    layer_done(kGxLayerSigFc);
    return true;
}

void gx_net_set_layer_hook(GxLayerHook hook) { g_hook = hook; }

int gx_argmax(const int8_t logits[kGxClasses]) {
    int best = 0;
    for (int k = 1; k < kGxClasses; ++k)
        if (logits[k] > logits[best]) best = k;
    return best;
}

int32_t gx_lstm_net_scratch_bytes() {
    return static_cast<int32_t>(sizeof g_reversed + sizeof g_seq + sizeof g_concat + sizeof g_col) + kLstmKernelScratch;
}

int32_t gx_cnn_net_scratch_bytes() { return static_cast<int32_t>(sizeof g_a + sizeof g_b + sizeof g_col); }

int32_t gx_signal_net_scratch_bytes() { return static_cast<int32_t>(sizeof g_sa + sizeof g_sb + sizeof g_col); }

}  // namespace gx
