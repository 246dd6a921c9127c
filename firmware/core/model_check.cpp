// Start-up verification of the compiled-in models (network.h, recognizer.h).
//
// Two steps per model, in this order:
//  1. range checks of every field the networks use as a dimension, an index, a shift, a
//     zero point or a clamp range: dimensions equal to the compiled-in ones (so the scratch
//     buffers fit and every array has the length the kernels read), n_mult 1 or the output
//     size (it indexes the multiplier arrays), shifts within [-31, 31] (what
//     MultiplyByQuantizedMultiplier can do without overflow or UB), zero points and clamp
//     ranges within the output type, flags 0 or 1;
//  2. FNV-1a 32 over the canonical serialisation of the model, the same as the export's
//     (glovexfer.export.model_data.canonical_bytes): the fields in struct order, an int32 as
//     4 bytes little-endian, a pointer as int32 1 + the bytes of the array it points at
//     (lengths from the checked dimensions) or int32 0 when null, a string as its int32
//     length + its bytes. It covers every byte the recogniser reads from the model. An array
//     is read only when the model's blob table (every array with its sizeof) holds it whole:
//     a corrupted count or pointer is refused, never read past.
// The io constants (gx_model_io.h) are range-checked and hashed the same way
// (glovexfer.device.model_io.io_canonical_bytes) and compared with the model's io_checksum.
#include "fnv.h"
#include "network.h"
#include "recognizer.h"
#include "spotter.h"

namespace gx {

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the model checksum is defined over little-endian values (host x86/ARM, ESP32)"
#endif

namespace {

constexpr int32_t kInt8Lo = -128, kInt8Hi = 127, kInt16Lo = -32768, kInt16Hi = 32767;
constexpr int32_t kMaxVersion = 200;  // characters of a version string (the app quotes at most 200)
constexpr int32_t kCnnK = kGxCnnIn - kGxCnnH1 + 1;  // VALID 3x3 convolutions
static_assert(kGxCnnP1 - kGxCnnH2 + 1 == kCnnK, "both CNN convolutions have the same kernel");
constexpr int32_t kCnnPool = kGxCnnH1 / kGxCnnP1;  // 2x2 max pools, stride 2
static_assert(kGxCnnH2 / kCnnPool == kGxCnnP2, "both CNN pools have the same size");

// Whether the blob table of info holds bytes at p whole.
bool covered(const GxModelInfo* info, const void* p, int64_t bytes) {
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    for (int32_t i = 0; info != nullptr && i < info->n_blobs; ++i) {
        const uintptr_t b = reinterpret_cast<uintptr_t>(info->blobs[i].data);
        if (a >= b && bytes >= 0 && static_cast<uint64_t>(a - b) + static_cast<uint64_t>(bytes) <= info->blobs[i].bytes)
            return true;
    }
    return false;
}

// The model being checked (its blob table bounds the range checks' reads of arrays too).
const GxModelInfo* g_info = nullptr;

// FNV-1a 32 that reads an array only when the model's blob table holds it whole; a read
// outside every blob fails the check instead of happening.
class Fnv : public GxFnv1a {
public:
    explicit Fnv(const GxModelInfo* info) : info_(info) {}
    void arr8(const int8_t* p, int32_t n) {
        i32(p != nullptr ? 1 : 0);
        if (p == nullptr || !covered(p, n)) return;
        for (int32_t i = 0; i < n; ++i) byte(static_cast<uint8_t>(p[i]));
    }
    void arr16(const int16_t* p, int32_t n) {
        i32(p != nullptr ? 1 : 0);
        if (p == nullptr || !covered(p, 2 * static_cast<int64_t>(n))) return;
        for (int32_t i = 0; i < n; ++i) {
            const uint16_t u = static_cast<uint16_t>(p[i]);
            byte(static_cast<uint8_t>(u));
            byte(static_cast<uint8_t>(u >> 8));
        }
    }
    void arr32(const int32_t* p, int32_t n) {
        i32(p != nullptr ? 1 : 0);
        if (p == nullptr || !covered(p, 4 * static_cast<int64_t>(n))) return;
        for (int32_t i = 0; i < n; ++i) i32(p[i]);
    }
    void str(const char* s) {  // s checked by version_ok
        int32_t n = 0;
        while (s[n] != '\0') ++n;
        i32(n);
        for (int32_t i = 0; i < n; ++i) byte(static_cast<uint8_t>(s[i]));
    }
    //! false when an array was outside the blob table (the model is then refused)
    bool ok() const { return ok_; }

private:
    bool covered(const void* p, int64_t bytes) {
        if (gx::covered(info_, p, bytes)) return true;
        ok_ = false;
        return false;
    }
    const GxModelInfo* info_;
    bool ok_ = true;
};

bool in(int32_t v, int32_t lo, int32_t hi) { return v >= lo && v <= hi; }
bool flag(int32_t v) { return v == 0 || v == 1; }
bool zp8(int32_t v) { return in(v, -128, 127); }
// input_offset / weights_offset = -(int8 zero point)
bool offset8(int32_t v) { return in(v, -127, 128); }
bool shift_ok(int32_t s) { return in(s, -31, 31); }
bool range_ok(int32_t lo, int32_t hi, int32_t type_lo, int32_t type_hi) {
    return in(lo, type_lo, type_hi) && in(hi, type_lo, type_hi) && lo <= hi;
}

bool version_ok(const char* s) { return gx_version_ok(s, kMaxVersion - 1); }

bool mults_ok(const int32_t* mult, const int32_t* shift, int32_t n) {
    if (mult == nullptr || shift == nullptr) return false;
    if (!covered(g_info, mult, 4 * static_cast<int64_t>(n)) || !covered(g_info, shift, 4 * static_cast<int64_t>(n)))
        return false;
    for (int32_t i = 0; i < n; ++i)
        if (mult[i] < 0 || !shift_ok(shift[i])) return false;
    return true;
}

constexpr int32_t kMaxBlobs = 4096;
bool info_ok(const GxModelInfo& i) {
    return version_ok(i.version) && zp8(i.input_zero_point) && zp8(i.output_zero_point) && i.blobs != nullptr &&
           in(i.n_blobs, 1, kMaxBlobs);
}
void hash_info(Fnv* f, const GxModelInfo& i) {
    f->str(i.version);
    f->i32(static_cast<int32_t>(i.io_checksum));
    f->i32(i.input_zero_point);
    f->i32(i.output_zero_point);
}

// FULLY_CONNECTED with out_dim outputs into [type_lo, type_hi] (int8, or int16 LSTM gates).
bool fc_ok(const GxFcParams& p, int32_t out_dim, int32_t type_lo, int32_t type_hi) {
    return offset8(p.input_offset) && offset8(p.weights_offset) && in(p.output_offset, type_lo, type_hi) &&
           range_ok(p.act_min, p.act_max, type_lo, type_hi) && (p.n_mult == 1 || p.n_mult == out_dim) &&
           mults_ok(p.multiplier, p.shift, p.n_mult);
}
void hash_fc(Fnv* f, const GxFcParams& p) {
    f->i32(p.input_offset);
    f->i32(p.weights_offset);
    f->i32(p.output_offset);
    f->i32(p.act_min);
    f->i32(p.act_max);
    f->arr32(p.multiplier, p.n_mult);
    f->arr32(p.shift, p.n_mult);
    f->i32(p.n_mult);
}
// weights [out][in] (+ bias [out] or null) then the parameters
bool fc_layer_ok(const int8_t* w, const GxFcParams& p, int32_t out_dim) {
    return w != nullptr && fc_ok(p, out_dim, kInt8Lo, kInt8Hi);
}

// A convolution with exactly the compiled-in geometry (stride 1, dilation 1 unless given).
struct ConvShape {
    int32_t in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, pad_t, pad_l;
};
bool conv_ok(const GxConvParams& p, const int8_t* w, const ConvShape& s, int32_t dilation_w = 1) {
    return p.in_h == s.in_h && p.in_w == s.in_w && p.in_c == s.in_c && p.out_h == s.out_h && p.out_w == s.out_w &&
           p.out_c == s.out_c && p.k_h == s.k_h && p.k_w == s.k_w && p.stride_h == 1 && p.stride_w == 1 &&
           p.dilation_h == 1 && p.dilation_w == dilation_w && p.pad_t == s.pad_t && p.pad_l == s.pad_l &&
           offset8(p.input_offset) && zp8(p.output_offset) && range_ok(p.act_min, p.act_max, kInt8Lo, kInt8Hi) &&
           mults_ok(p.multiplier, p.shift, p.out_c) && w != nullptr;
}
void hash_conv(Fnv* f, const GxConvParams& p, const int8_t* w, const int32_t* b) {
    const int32_t ints[] = {p.in_h,     p.in_w,       p.in_c,       p.out_h,      p.out_w,       p.out_c,
                            p.k_h,      p.k_w,        p.stride_h,   p.stride_w,   p.dilation_h,  p.dilation_w,
                            p.pad_t,    p.pad_l,      p.input_offset, p.output_offset, p.act_min, p.act_max};
    for (int32_t v : ints) f->i32(v);
    f->arr32(p.multiplier, p.out_c);
    f->arr32(p.shift, p.out_c);
    f->arr8(w, p.out_c * p.k_h * p.k_w * p.in_c);
    f->arr32(b, p.out_c);
}

struct PoolShape {
    int32_t in_h, in_w, c, out_h, out_w, f_h, f_w;
};
// VALID pooling with stride = filter size.
bool pool_ok(const GxPoolParams& p, const PoolShape& s) {
    return p.in_h == s.in_h && p.in_w == s.in_w && p.c == s.c && p.out_h == s.out_h && p.out_w == s.out_w &&
           p.f_h == s.f_h && p.f_w == s.f_w && p.stride_h == (s.f_h == 1 ? 1 : s.f_h) && p.stride_w == s.f_w &&
           p.pad_t == 0 && p.pad_l == 0 && range_ok(p.act_min, p.act_max, kInt8Lo, kInt8Hi);
}
void hash_pool(Fnv* f, const GxPoolParams& p) {
    const int32_t ints[] = {p.in_h,     p.in_w,     p.c,     p.out_h, p.out_w,   p.f_h,    p.f_w,
                            p.stride_h, p.stride_w, p.pad_t, p.pad_l, p.act_min, p.act_max};
    for (int32_t v : ints) f->i32(v);
}

bool lstm_ok(const GxLstmParams& p, int32_t in_dim) {
    if (p.in_dim != in_dim || p.units != kGxLstmUnits || !zp8(p.hidden_zero_point)) return false;
    // gx_lstm_tanh: a left shift of 12 + power <= 29 bits, a right shift < 63 bits
    if (!in(p.cell_state_scale_power, -31, 15)) return false;
    if (p.forget_cell_mul < 0 || p.input_mul < 0 || p.output_mul < 0) return false;
    if (!shift_ok(p.forget_cell_shift) || !shift_ok(p.input_shift) || !shift_ok(p.output_shift)) return false;
    if (!flag(p.use_cell_clip) || !in(p.quantized_cell_clip, 0, 32767)) return false;
    for (const GxLstmGateParams& g : p.gate) {
        if (g.w_input == nullptr || g.w_recurrent == nullptr) return false;
        if (!fc_ok(g.fc_input, p.units, kInt16Lo, kInt16Hi) || !fc_ok(g.fc_recurrent, p.units, kInt16Lo, kInt16Hi))
            return false;
    }
    return true;
}
void hash_lstm(Fnv* f, const GxLstmParams& p) {
    const int32_t ints[] = {p.in_dim,       p.units,           p.hidden_zero_point, p.cell_state_scale_power,
                            p.forget_cell_mul, p.forget_cell_shift, p.input_mul,     p.input_shift,
                            p.output_mul,   p.output_shift,    p.use_cell_clip,     p.quantized_cell_clip};
    for (int32_t v : ints) f->i32(v);
    for (const GxLstmGateParams& g : p.gate) {
        f->arr8(g.w_input, p.units * p.in_dim);
        f->arr8(g.w_recurrent, p.units * p.units);
        f->arr32(g.bias, p.units);
        hash_fc(f, g.fc_input);
        hash_fc(f, g.fc_recurrent);
    }
    f->arr16(p.packed, p.units * gx_lstm_unit_elems(p.units));
}

// SAME padding of a stride-1 (1 x k) convolution: (k - 1) / 2 leading columns.
ConvShape conv_1xk(int32_t w, int32_t in_c, int32_t out_c, int32_t k) {
    return ConvShape{1, w, in_c, 1, w, out_c, 1, k, 0, (k - 1) / 2};
}

}  // namespace

bool gx_lstm_net_checksum(const GxLstmNetModel* m, uint32_t* sum) {
    if (m == nullptr || !info_ok(m->info)) return false;
    g_info = &m->info;
    if (m->steps != kGxLstmSteps || m->in_dim != kGxLstmIn || m->units != kGxLstmUnits || m->classes != kGxClasses ||
        !flag(m->reverse_time) || !flag(m->bwd_first) || !in(m->bwd_slice_step, 0, kGxLstmSteps - 1) ||
        !in(m->fwd_slice_step, 0, kGxLstmSteps - 1) || !lstm_ok(m->bwd, kGxLstmIn) || !lstm_ok(m->fwd, kGxLstmIn) ||
        !fc_layer_ok(m->fc_w, m->fc, kGxClasses))
        return false;
    Fnv f(&m->info);
    hash_info(&f, m->info);
    const int32_t head[] = {m->steps, m->in_dim, m->units, m->classes, m->reverse_time};
    for (int32_t v : head) f.i32(v);
    hash_lstm(&f, m->bwd);
    hash_lstm(&f, m->fwd);
    f.i32(m->bwd_slice_step);
    f.i32(m->fwd_slice_step);
    f.i32(m->bwd_first);
    f.arr8(m->fc_w, kGxClasses * kGxLstmConcat);
    f.arr32(m->fc_b, kGxClasses);
    hash_fc(&f, m->fc);
    if (!f.ok()) return false;
    *sum = f.sum();
    return true;
}

bool gx_cnn_net_checksum(const GxCnnNetModel* m, uint32_t* sum) {
    if (m == nullptr || !info_ok(m->info)) return false;
    g_info = &m->info;
    const ConvShape c1{kGxCnnIn, kGxCnnIn, 1, kGxCnnH1, kGxCnnH1, kGxCnnC1, kCnnK, kCnnK, 0, 0};
    const ConvShape c2{kGxCnnP1, kGxCnnP1, kGxCnnC1, kGxCnnH2, kGxCnnH2, kGxCnnC2, kCnnK, kCnnK, 0, 0};
    const PoolShape p1{kGxCnnH1, kGxCnnH1, kGxCnnC1, kGxCnnP1, kGxCnnP1, kCnnPool, kCnnPool};
    const PoolShape p2{kGxCnnH2, kGxCnnH2, kGxCnnC2, kGxCnnP2, kGxCnnP2, kCnnPool, kCnnPool};
    if (!conv_ok(m->conv1, m->conv1_w, c1) || !pool_ok(m->pool1, p1) || !conv_ok(m->conv2, m->conv2_w, c2) ||
        !pool_ok(m->pool2, p2) || m->fc1_in != kGxCnnFlat || m->fc1_out != kGxCnnHidden ||
        m->fc2_in != kGxCnnHidden || m->fc2_out != kGxClasses || !fc_layer_ok(m->fc1_w, m->fc1, kGxCnnHidden) ||
        !fc_layer_ok(m->fc2_w, m->fc2, kGxClasses))
        return false;
    Fnv f(&m->info);
    hash_info(&f, m->info);
    hash_conv(&f, m->conv1, m->conv1_w, m->conv1_b);
    hash_pool(&f, m->pool1);
    hash_conv(&f, m->conv2, m->conv2_w, m->conv2_b);
    hash_pool(&f, m->pool2);
    f.i32(m->fc1_in);
    f.i32(m->fc1_out);
    f.arr8(m->fc1_w, kGxCnnHidden * kGxCnnFlat);
    f.arr32(m->fc1_b, kGxCnnHidden);
    hash_fc(&f, m->fc1);
    f.i32(m->fc2_in);
    f.i32(m->fc2_out);
    f.arr8(m->fc2_w, kGxClasses * kGxCnnHidden);
    f.arr32(m->fc2_b, kGxClasses);
    hash_fc(&f, m->fc2);
    if (!f.ok()) return false;
    *sum = f.sum();
    return true;
}

bool gx_signal_net_checksum(const GxSignalNetModel* m, uint32_t* sum) {
    if (m == nullptr || !info_ok(m->info)) return false;
    g_info = &m->info;
    const PoolShape p1{1, kGxSignalSteps, kGxSignalC2, 1, kGxSignalP1, 1, kGxSignalPool};
    const PoolShape p2{1, kGxSignalP1, kGxSignalC4, 1, 1, 1, kGxSignalP1};
    if (!conv_ok(m->conv1, m->conv1_w, conv_1xk(kGxSignalSteps, kGxSignalIn, kGxSignalC1, kGxSignalK1)) ||
        !conv_ok(m->conv2, m->conv2_w, conv_1xk(kGxSignalSteps, kGxSignalC1, kGxSignalC2, kGxSignalK2)) ||
        !pool_ok(m->pool1, p1) ||
        !conv_ok(m->conv3, m->conv3_w, conv_1xk(kGxSignalP1, kGxSignalC2, kGxSignalC3, kGxSignalK3)) ||
        !conv_ok(m->conv4, m->conv4_w, conv_1xk(kGxSignalP1, kGxSignalC3, kGxSignalC4, kGxSignalK4)) ||
        !pool_ok(m->pool2, p2) || m->fc_in != kGxSignalHidden || m->fc_out != kGxClasses ||
        !fc_layer_ok(m->fc_w, m->fc, kGxClasses))
        return false;
    Fnv f(&m->info);
    hash_info(&f, m->info);
    hash_conv(&f, m->conv1, m->conv1_w, m->conv1_b);
    hash_conv(&f, m->conv2, m->conv2_w, m->conv2_b);
    hash_pool(&f, m->pool1);
    hash_conv(&f, m->conv3, m->conv3_w, m->conv3_b);
    hash_conv(&f, m->conv4, m->conv4_w, m->conv4_b);
    hash_pool(&f, m->pool2);
    f.i32(m->fc_in);
    f.i32(m->fc_out);
    f.arr8(m->fc_w, kGxClasses * kGxSignalHidden);
    f.arr32(m->fc_b, kGxClasses);
    hash_fc(&f, m->fc);
    if (!f.ok()) return false;
    *sum = f.sum();
    return true;
}

#if GX_WITH_SPOTTER
bool gx_spotter_net_checksum(const GxSpotterNetModel* m, uint32_t* sum) {
    // the features are the network's input as they are: its input zero point must be 0
    if (m == nullptr || !info_ok(m->info) || m->info.input_zero_point != 0) return false;
    g_info = &m->info;
    for (int32_t l = 0; l < kGxSpotLayers; ++l) {
        const int32_t k = kGxSpotLayerK[l], d = kGxSpotLayerDil[l];
        const ConvShape s{1, kGxSpotWindow, kGxSpotLayerIn[l], 1, kGxSpotWindow, kGxSpotLayerOut[l], 1, k, 0, (k - 1) * d / 2};
        if (!conv_ok(m->layer[l].conv, m->layer[l].w, s, d)) return false;
    }
    Fnv f(&m->info);
    hash_info(&f, m->info);
    for (const GxSpotterLayer& layer : m->layer) hash_conv(&f, layer.conv, layer.w, layer.b);
    if (!f.ok()) return false;
    *sum = f.sum();
    return true;
}

bool gx_spotter_net_verify(const GxSpotterNetModel* m) {
    uint32_t s = 0;
    // no io constants: the export writes io_checksum 0
    return gx_spotter_net_checksum(m, &s) && s == m->info.checksum && m->info.io_checksum == 0;
}
#endif

bool gx_lstm_net_verify(const GxLstmNetModel* m) {
    uint32_t s = 0;
    // after the checksum (which read every array within its blob): the packed copy of the
    // weights must equal the int8 arrays
    return gx_lstm_net_checksum(m, &s) && s == m->info.checksum && gx_lstm_packed_ok(&m->bwd) &&
           gx_lstm_packed_ok(&m->fwd);
}

bool gx_cnn_net_verify(const GxCnnNetModel* m) {
    uint32_t s = 0;
    return gx_cnn_net_checksum(m, &s) && s == m->info.checksum;
}

bool gx_signal_net_verify(const GxSignalNetModel* m) {
    uint32_t s = 0;
    return gx_signal_net_checksum(m, &s) && s == m->info.checksum;
}

// ---- io constants (gx_model_io.h) -------------------------------------------------------

namespace {

bool softmax_ok(const GxSoftmaxParams& p) {
    return p.input_multiplier > 0 && in(p.input_left_shift, 0, 31) && p.diff_min <= 0;
}
void hash_softmax(Fnv* f, const GxSoftmaxParams& p, int32_t has_softmax) {
    f->i32(p.input_multiplier);
    f->i32(p.input_left_shift);
    f->i32(p.diff_min);
    f->i32(has_softmax);
}

bool str_equal(const char* a, const char* b) {
    if (a == nullptr || b == nullptr) return false;
    while (*a != '\0' && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

// Model verified, version equal, io constants in range and hashing to the model's io_checksum.
template <typename Model, typename IoSum>
int check_model(const Model* model, const char* io_version, bool (*verify)(const Model*), IoSum io_sum) {
    if (!verify(model)) return GX_CHECK_CORRUPT;
    if (!version_ok(io_version) || !str_equal(model->info.version, io_version)) return GX_CHECK_IO_MISMATCH;
    uint32_t s = 0;
    if (!io_sum(&s) || s != model->info.io_checksum) return GX_CHECK_IO_CORRUPT;
    return GX_CHECK_OK;
}

}  // namespace

bool gx_net_io_checksum(const GxNetIo& io, bool lstm, uint32_t* sum) {
    // LSTM: MultiplyByQuantizedMultiplier with shift <= 0; CNN: gx_rshift_round of an int64 by 1..62
    const bool shift = lstm ? in(io.in_shift, -31, 0) : in(io.in_shift, 1, 62);
    if (!version_ok(io.version) || io.in_mult <= 0 || !shift || !zp8(io.in_zero_point) || !softmax_ok(io.softmax) ||
        !flag(io.has_softmax))
        return false;
    Fnv f(nullptr);
    f.str(io.version);
    f.i32(io.in_mult);
    f.i32(io.in_shift);
    f.i32(io.in_zero_point);
    hash_softmax(&f, io.softmax, io.has_softmax);
    *sum = f.sum();
    return true;
}

bool gx_signal_io_checksum(const GxSignalIo& io, uint32_t* sum) {
    if (!version_ok(io.version) || !zp8(io.quant.zero_point) || !softmax_ok(io.softmax) || !flag(io.has_softmax))
        return false;
    for (int c = 0; c < kGxSignalChannels; ++c)  // shifts as golden signal_quantiser allows
        if (io.quant.mult[c] < 0 || !in(io.quant.shift[c], -31, 5)) return false;
    Fnv f(nullptr);
    f.str(io.version);
    for (int32_t v : io.quant.offset) f.i32(v);
    for (int32_t v : io.quant.mult) f.i32(v);
    for (int32_t v : io.quant.shift) f.i32(v);
    f.i32(io.quant.zero_point);
    hash_softmax(&f, io.softmax, io.has_softmax);
    *sum = f.sum();
    return true;
}

int gx_check_lstm(const GxModels* m) {
    // a network not selected at build time is missing whatever the table holds
    if (!kGxWithLstm || m == nullptr || m->lstm == nullptr || m->lstm_io == nullptr) return GX_CHECK_MISSING;
    return check_model(m->lstm, m->lstm_io->version, gx_lstm_net_verify,
                       [m](uint32_t* s) { return gx_net_io_checksum(*m->lstm_io, true, s); });
}

int gx_check_cnn(const GxModels* m) {
    // a network not selected at build time is missing whatever the table holds
    if (!kGxWithCnn || m == nullptr || m->cnn == nullptr || m->cnn_io == nullptr) return GX_CHECK_MISSING;
    return check_model(m->cnn, m->cnn_io->version, gx_cnn_net_verify,
                       [m](uint32_t* s) { return gx_net_io_checksum(*m->cnn_io, false, s); });
}

int gx_check_signal(const GxModels* m) {
    // a network not selected at build time is missing whatever the table holds
    if (!kGxWithSignal || m == nullptr || m->signal == nullptr || m->signal_io == nullptr) return GX_CHECK_MISSING;
    return check_model(m->signal, m->signal_io->version, gx_signal_net_verify,
                       [m](uint32_t* s) { return gx_signal_io_checksum(*m->signal_io, s); });
}

void gx_models_verify(GxModels* m) {
    if (m == nullptr) return;
    m->lstm_check = gx_check_lstm(m);
    m->cnn_check = gx_check_cnn(m);
    m->signal_check = gx_check_signal(m);
}

}  // namespace gx
