#include "network.h"

#include <cstring>

#include "dot.h"

namespace gx {

namespace {

// The networks' scratch (the caller's GxNetCtx: they run one after the other, so they share
// it). Per network (byte offsets; int16 operand columns 4-byte aligned):
//  * LSTM: the time-reversed input, the two kept steps (the concatenation), the dense
//    layer's widened input;
//  * CNN: pool1 (the conv1 map never exists: conv1 runs fused with its pool), pool2
//    (likewise from conv2), the hidden layer, then the fused kernels' scratch -- or, where
//    they do not apply, a two-row buffer and the widened conv windows; the dense layers
//    widen their input over pool1, consumed by then;
//  * signal network: two ping-pong maps, the widened conv windows.
// With a trace (parity), the CNN convolutions also write their whole maps into the trace, so
// every layer output is still reported.
constexpr int kLstmRevOff = 0;
constexpr int kLstmConcatOff = kLstmRevOff + kGxLstmSteps * kGxLstmIn;
constexpr int kLstmColOff = (kLstmConcatOff + kGxLstmConcat + 3) & ~3;
constexpr int kLstmArena = kLstmColOff + 2 * gx_col_len(kGxLstmConcat);

constexpr int kCnnPoolRows = 2;  // pool windows of at most two rows
constexpr int kCnnRowBytes = gx_const_max(kGxCnnH1 * kGxCnnC1, kGxCnnH2 * kGxCnnC2);
constexpr int kCnnPool1Off = 0;
constexpr int kCnnPool2Off = kCnnPool1Off + ((kGxCnnPool1Size + 3) & ~3);
constexpr int kCnnHiddenOff = kCnnPool2Off + kGxCnnFlat;
constexpr int kCnnRowsOff = (kCnnHiddenOff + kGxCnnHidden + 3) & ~3;
constexpr int kCnnColOff = kCnnRowsOff + kCnnPoolRows * kCnnRowBytes;
constexpr int kCnnColElems = 2 * gx_col_len(3 * 3 * kGxCnnC1);  // two pixels' windows (gx_conv_col_elems)
constexpr int kCnnArena = kCnnColOff + 2 * kCnnColElems;
// the fused conv + pool kernels' scratch: the two-row buffer and the windows, one region
[[maybe_unused]] constexpr int kCnnFusedElems = (kCnnArena - kCnnRowsOff) / 2;
static_assert(kCnnColOff % 4 == 0, "the two-row buffer keeps the windows aligned");
static_assert(2 * gx_col_len(kGxCnnFlat) <= kCnnPool2Off, "the dense layers widen their input over pool1");
static_assert(2 * gx_col_len(3 * 3 * 1) <= kCnnColElems, "conv1 windows fit");
static_assert(4 * gx_col_len(3 * 3 * kGxCnnC1) <= kCnnFusedElems, "conv2's four fused windows fit");

constexpr int kSigAOff = 0;
constexpr int kSigBOff = kSigAOff + ((kGxSignalScratchA + 3) & ~3);
constexpr int kSigColOff = kSigBOff + ((kGxSignalScratchB + 3) & ~3);
constexpr int kSigArena =
    kSigColOff + 2 * 2 * gx_const_max(gx_col_len(kGxSignalK4 * kGxSignalC3), gx_col_len(kGxSignalHidden) / 2);

static_assert(kLstmArena == kGxLstmNetArena && kCnnArena == kGxCnnNetArena && kSigArena == kGxSignalNetArena,
              "network.h's arena sizes are the layouts'");

inline int8_t* arena8(uint8_t* arena, int off) { return reinterpret_cast<int8_t*>(arena + off); }
inline int16_t* arena16(uint8_t* arena, int off) { return reinterpret_cast<int16_t*>(arena + off); }

GxLayerHook g_hook = nullptr;

inline void layer_done(int id) {
    if (g_hook != nullptr) g_hook(id);
}

#if GX_WITH_LSTM
bool lstm_dims_ok(const GxLstmParams* p, int32_t in_dim) { return p->in_dim == in_dim && p->units == kGxLstmUnits; }

#endif

#if GX_WITH_CNN
bool conv_ok(const GxConvParams* p, int32_t in_hw, int32_t in_c, int32_t out_hw, int32_t out_c) {
    return p->in_h == in_hw && p->in_w == in_hw && p->in_c == in_c && p->out_h == out_hw && p->out_w == out_hw &&
           p->out_c == out_c;
}

bool pool_ok(const GxPoolParams* p, int32_t in_hw, int32_t c, int32_t out_hw) {
    return p->in_h == in_hw && p->in_w == in_hw && p->c == c && p->out_h == out_hw && p->out_w == out_hw;
}

#endif

#if GX_WITH_LSTM
bool lstm_shape_ok(const GxLstmNetModel* m) {
    return m->steps == kGxLstmSteps && m->in_dim == kGxLstmIn && m->units == kGxLstmUnits && m->classes == kGxClasses &&
           lstm_dims_ok(&m->bwd, kGxLstmIn) && lstm_dims_ok(&m->fwd, kGxLstmIn) && m->bwd_slice_step >= 0 &&
           m->bwd_slice_step < kGxLstmSteps && m->fwd_slice_step >= 0 && m->fwd_slice_step < kGxLstmSteps;
}

#endif

#if GX_WITH_CNN
bool cnn_shape_ok(const GxCnnNetModel* m) {
    return conv_ok(&m->conv1, kGxCnnIn, 1, kGxCnnH1, kGxCnnC1) && pool_ok(&m->pool1, kGxCnnH1, kGxCnnC1, kGxCnnP1) &&
           conv_ok(&m->conv2, kGxCnnP1, kGxCnnC1, kGxCnnH2, kGxCnnC2) && pool_ok(&m->pool2, kGxCnnH2, kGxCnnC2, kGxCnnP2) &&
           m->fc1_in == kGxCnnFlat && m->fc1_out == kGxCnnHidden && m->fc2_in == kGxCnnHidden &&
           m->fc2_out == kGxClasses;
}

#endif

#if GX_WITH_SIGNAL
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
#endif

}  // namespace

#if GX_WITH_LSTM
bool gx_lstm_net_run(GxNetCtx* ctx, const GxLstmNetModel* m, const int8_t in[kGxLstmSteps][kGxLstmIn],
                     int8_t logits[kGxClasses], GxLstmNetTrace* trace, int8_t* features) {
    if (!lstm_shape_ok(m)) return false;
    uint8_t* const arena = ctx->lstm.arena;
    GxLstmScratch* const kernel = &ctx->lstm.kernel;
    int8_t* reversed = arena8(arena, kLstmRevOff);
    int8_t* concat = arena8(arena, kLstmConcatOff);
    for (int t = 0; t < kGxLstmSteps; ++t)
        for (int d = 0; d < kGxLstmIn; ++d)
            reversed[t * kGxLstmIn + d] = m->reverse_time ? in[kGxLstmSteps - 1 - t][d] : in[t][d];
    layer_done(kGxLayerLstmReverse);
    if (trace) std::memcpy(trace->reversed, reversed, sizeof trace->reversed);
    int8_t* bwd_dst = concat + (m->bwd_first ? 0 : kGxLstmUnits);
    int8_t* fwd_dst = concat + (m->bwd_first ? kGxLstmUnits : 0);
    // backward direction, then forward: only the sliced step is kept, unless traced
    if (trace) {
        if (!gx_lstm_int8(reversed, kGxLstmSteps, &m->bwd, kernel, &trace->lstm_bwd[0][0])) return false;
        std::memcpy(bwd_dst, trace->lstm_bwd[m->bwd_slice_step], kGxLstmUnits);
        std::memcpy(trace->slice_bwd, bwd_dst, kGxLstmUnits);
    } else if (!gx_lstm_int8(reversed, kGxLstmSteps, &m->bwd, kernel, bwd_dst, m->bwd_slice_step)) {
        return false;
    }
    layer_done(kGxLayerLstmBwd);
    if (trace) {
        if (!gx_lstm_int8(&in[0][0], kGxLstmSteps, &m->fwd, kernel, &trace->lstm_fwd[0][0])) return false;
        std::memcpy(fwd_dst, trace->lstm_fwd[m->fwd_slice_step], kGxLstmUnits);
        std::memcpy(trace->slice_fwd, fwd_dst, kGxLstmUnits);
        std::memcpy(trace->concat, concat, sizeof trace->concat);
    } else if (!gx_lstm_int8(&in[0][0], kGxLstmSteps, &m->fwd, kernel, fwd_dst, m->fwd_slice_step)) {
        return false;
    }
    layer_done(kGxLayerLstmFwd);
    if (features) std::memcpy(features, concat, kGxLstmConcat);
    gx_fully_connected_i8(concat, kGxLstmConcat, m->fc_w, m->fc_b, kGxClasses, &m->fc, logits, arena16(arena, kLstmColOff));
    layer_done(kGxLayerLstmFc);
    return true;
}
#endif

#if GX_WITH_CNN
namespace {

// conv -> max pool. With map non-null (a trace) the whole conv map is computed there first
// (the plain kernel). Then the fused kernel (gx_conv2d_maxpool2x2: 2 x 2 pools, no conv map)
// where it applies -- also under a trace, so the parity checks see its output -- else one
// pool output row at a time: the conv rows of its window (at most kCnnPoolRows) into rows,
// or from map, then the pool of that strip (the window's rows outside the map are out of the
// image for the pool too).
bool conv_pool(const int8_t* x, const int8_t* w, const int32_t* b, const GxConvParams* c, const GxPoolParams* pool,
               int8_t* rows, int8_t* map, int16_t* col, int8_t* out) {
    if (pool->f_h > kCnnPoolRows || pool->f_h < 1) return false;
    const int32_t row = c->out_w * c->out_c;
    if (map != nullptr) gx_conv2d_per_channel(x, w, b, c, map, col);
    if (gx_conv_pool_scratch_elems(c) <= kCnnFusedElems &&
        gx_conv2d_maxpool2x2(x, w, b, c, pool, out, reinterpret_cast<int16_t*>(rows)))  // rows, then col (kCnnFusedElems)
        return true;
    for (int32_t oy = 0; oy < pool->out_h; ++oy) {
        const int32_t y0 = oy * pool->stride_h - pool->pad_t;
        const int32_t r0 = y0 < 0 ? 0 : y0;
        const int32_t r1 = y0 + pool->f_h > c->out_h ? c->out_h : y0 + pool->f_h;
        if (r1 <= r0) return false;  // a window without an in-image row (TFLM fails there too)
        const int8_t* strip = map != nullptr ? map + r0 * row : rows;
        if (map == nullptr) gx_conv2d_rows(x, w, b, c, r0, r1, rows, col);
        GxPoolParams q = *pool;
        q.in_h = r1 - r0;
        q.out_h = 1;
        q.pad_t = r0 - y0;
        gx_max_pool2d(strip, &q, out + oy * pool->out_w * pool->c);
    }
    return true;
}

}  // namespace

bool gx_cnn_net_run(GxNetCtx* ctx, const GxCnnNetModel* m, const int8_t in[kGxCnnIn][kGxCnnIn],
                    int8_t logits[kGxClasses], GxCnnNetTrace* trace, int8_t* features) {
    if (!cnn_shape_ok(m)) return false;
    uint8_t* const arena = ctx->cnn;
    int8_t* pool1 = arena8(arena, kCnnPool1Off);
    int8_t* rows = arena8(arena, kCnnRowsOff);
    int8_t* pool2 = arena8(arena, kCnnPool2Off);
    int8_t* hidden = arena8(arena, kCnnHiddenOff);
    int16_t* col = arena16(arena, kCnnColOff);
    if (!conv_pool(&in[0][0], m->conv1_w, m->conv1_b, &m->conv1, &m->pool1, rows, trace ? trace->conv1 : nullptr, col,
                   pool1))
        return false;
    layer_done(kGxLayerCnnConv1);  // conv1 and pool1, fused
    if (trace) std::memcpy(trace->pool1, pool1, kGxCnnPool1Size);
    if (!conv_pool(pool1, m->conv2_w, m->conv2_b, &m->conv2, &m->pool2, rows, trace ? trace->conv2 : nullptr, col,
                   pool2))  // NHWC [5][5][64] = RESHAPE's flat 1600
        return false;
    layer_done(kGxLayerCnnConv2);  // conv2 and pool2, fused
    if (trace) std::memcpy(trace->pool2, pool2, kGxCnnFlat);
    int16_t* dense_col = arena16(arena, kCnnPool1Off);  // pool1 is consumed
    gx_fully_connected_i8(pool2, kGxCnnFlat, m->fc1_w, m->fc1_b, kGxCnnHidden, &m->fc1, hidden, dense_col);
    layer_done(kGxLayerCnnFc1);
    if (trace) std::memcpy(trace->hidden, hidden, kGxCnnHidden);
    if (features) std::memcpy(features, hidden, kGxCnnHidden);
    gx_fully_connected_i8(hidden, kGxCnnHidden, m->fc2_w, m->fc2_b, kGxClasses, &m->fc2, logits, dense_col);
    layer_done(kGxLayerCnnFc2);
    return true;
}
#endif

#if GX_WITH_SIGNAL
bool gx_signal_net_run(GxNetCtx* ctx, const GxSignalNetModel* m, const int8_t in[kGxSignalSteps][kGxSignalIn],
                       int8_t logits[kGxClasses], GxSignalNetTrace* trace, int8_t* features) {
    if (!signal_shape_ok(m)) return false;
    uint8_t* const arena = ctx->signal;
    gx_conv2d_per_channel(&in[0][0], m->conv1_w, m->conv1_b, &m->conv1, arena8(arena, kSigAOff), arena16(arena, kSigColOff));  // [1][32][64]
    layer_done(kGxLayerSigConv1);
    if (trace) std::memcpy(trace->conv1, arena8(arena, kSigAOff), kGxSignalConv1Size);
    gx_conv2d_per_channel(arena8(arena, kSigAOff), m->conv2_w, m->conv2_b, &m->conv2, arena8(arena, kSigBOff), arena16(arena, kSigColOff));  // [1][32][64]
    layer_done(kGxLayerSigConv2);
    if (trace) std::memcpy(trace->conv2, arena8(arena, kSigBOff), kGxSignalConv2Size);
    gx_max_pool2d(arena8(arena, kSigBOff), &m->pool1, arena8(arena, kSigAOff));  // [1][16][64]
    layer_done(kGxLayerSigPool1);
    if (trace) std::memcpy(trace->pool1, arena8(arena, kSigAOff), kGxSignalPool1Size);
    gx_conv2d_per_channel(arena8(arena, kSigAOff), m->conv3_w, m->conv3_b, &m->conv3, arena8(arena, kSigBOff), arena16(arena, kSigColOff));  // [1][16][128]
    layer_done(kGxLayerSigConv3);
    if (trace) std::memcpy(trace->conv3, arena8(arena, kSigBOff), kGxSignalConv3Size);
    gx_conv2d_per_channel(arena8(arena, kSigBOff), m->conv4_w, m->conv4_b, &m->conv4, arena8(arena, kSigAOff), arena16(arena, kSigColOff));  // [1][16][128]
    layer_done(kGxLayerSigConv4);
    if (trace) std::memcpy(trace->conv4, arena8(arena, kSigAOff), kGxSignalConv4Size);
    if (!gx_average_pool2d(arena8(arena, kSigAOff), &m->pool2, arena8(arena, kSigBOff))) return false;  // [1][1][128] = the flat FC input
    layer_done(kGxLayerSigPool2);
    if (trace) std::memcpy(trace->pool2, arena8(arena, kSigBOff), kGxSignalHidden);
    if (features) std::memcpy(features, arena8(arena, kSigBOff), kGxSignalHidden);
    gx_fully_connected_i8(arena8(arena, kSigBOff), kGxSignalHidden, m->fc_w, m->fc_b, kGxClasses, &m->fc, logits, arena16(arena, kSigColOff));
    layer_done(kGxLayerSigFc);
    return true;
}
#endif

void gx_net_set_layer_hook(GxLayerHook hook) { g_hook = hook; }

int gx_argmax(const int8_t logits[kGxClasses]) {
    int best = 0;
    for (int k = 1; k < kGxClasses; ++k)
        if (logits[k] > logits[best]) best = k;
    return best;
}

int32_t gx_lstm_net_scratch_bytes() { return kGxWithLstm ? kLstmArena + static_cast<int32_t>(sizeof(GxLstmScratch)) : 0; }

int32_t gx_cnn_net_scratch_bytes() { return kGxWithCnn ? kCnnArena : 0; }

int32_t gx_signal_net_scratch_bytes() { return kGxWithSignal ? kSigArena : 0; }

int32_t gx_net_scratch_bytes() { return static_cast<int32_t>(sizeof(GxNetCtx)); }

}  // namespace gx
