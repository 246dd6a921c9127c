#include "model_mutants.h"

#include <cstring>

#include "app.h"

namespace gx {

namespace {

alignas(8) uint8_t g_pool[1 << 20];  // copies of every array (largest: the CNN, ~0.25 MB)
int g_pool_used = 0;
constexpr int kMaxSlots = 4096;
MutSlot g_slots[kMaxSlots];
int g_n_slots = 0;
bool g_built = false;
bool g_have = false;
GxLstmNetModel g_lstm;
GxCnnNetModel g_cnn;
GxSignalNetModel g_signal;
GxNetIo g_lstm_io, g_cnn_io;
GxSignalIo g_signal_io;
GxModels g_models;
int g_net = 0;

void slot(void* p, int bytes, const char* cls) {
    if (g_n_slots < kMaxSlots) g_slots[g_n_slots++] = MutSlot{p, bytes, g_net, cls};
}
void s32(int32_t* p, const char* cls) { slot(p, 4, cls); }

// Copies n elements into the pool (room for cap >= n, the rest repeats element 0), points p
// at the copy; slots for the first, middle and last element.
template <typename T>
void own(const T** p, int32_t n, const char* cls, int32_t cap = 0) {
    if (*p == nullptr || n <= 0) return;
    if (cap < n) cap = n;
    const int bytes = static_cast<int>(sizeof(T)) * cap;
    g_pool_used = (g_pool_used + 7) & ~7;
    if (g_pool_used + bytes > static_cast<int>(sizeof g_pool)) __builtin_trap();
    T* dst = reinterpret_cast<T*>(g_pool + g_pool_used);
    std::memcpy(dst, *p, sizeof(T) * static_cast<size_t>(n));
    for (int32_t i = n; i < cap; ++i) dst[i] = dst[0];
    g_pool_used += bytes;
    *p = dst;
    slot(&dst[0], sizeof(T), cls);
    if (n > 2) slot(&dst[n / 2], sizeof(T), cls);
    if (n > 1) slot(&dst[n - 1], sizeof(T), cls);
}

void fc(GxFcParams* p, int32_t out_dim, int32_t in_dim, const int8_t** w, const int32_t** b) {
    s32(&p->input_offset, "offset");
    s32(&p->weights_offset, "offset");
    s32(&p->output_offset, "offset");
    s32(&p->act_min, "act");
    s32(&p->act_max, "act");
    s32(&p->n_mult, "n_mult");
    // n_mult is the arrays' own length in a generated source (sizeof); a copy with room for
    // out_dim entries lets a mutated n_mult stand for a per-channel array of that length
    own(&p->multiplier, p->n_mult, "multiplier", out_dim);
    own(&p->shift, p->n_mult, "shift", out_dim);
    if (w != nullptr) own(w, out_dim * in_dim, "weight");
    if (b != nullptr) own(b, out_dim, "bias");
}

void conv(GxConvParams* p, const int8_t** w, const int32_t** b) {
    int32_t* dims[] = {&p->in_h, &p->in_w, &p->in_c, &p->out_h, &p->out_w, &p->out_c, &p->k_h, &p->k_w,
                       &p->stride_h, &p->stride_w, &p->dilation_h, &p->dilation_w, &p->pad_t, &p->pad_l};
    for (int32_t* d : dims) s32(d, "dim");
    s32(&p->input_offset, "offset");
    s32(&p->output_offset, "offset");
    s32(&p->act_min, "act");
    s32(&p->act_max, "act");
    own(&p->multiplier, p->out_c, "multiplier");
    own(&p->shift, p->out_c, "shift");
    own(w, p->out_c * p->k_h * p->k_w * p->in_c, "weight");
    own(b, p->out_c, "bias");
}

void pool(GxPoolParams* p) {
    int32_t* dims[] = {&p->in_h, &p->in_w, &p->c, &p->out_h, &p->out_w, &p->f_h, &p->f_w,
                       &p->stride_h, &p->stride_w, &p->pad_t, &p->pad_l};
    for (int32_t* d : dims) s32(d, "dim");
    s32(&p->act_min, "act");
    s32(&p->act_max, "act");
}

// the copies' arrays all live in the pool: one blob bounds every read of the check
const GxBlob kPoolBlob[1] = {{g_pool, sizeof g_pool}};

void info(GxModelInfo* i) {
    i->blobs = kPoolBlob;
    i->n_blobs = 1;
    s32(&i->input_zero_point, "info");
    s32(&i->output_zero_point, "info");
    slot(&i->io_checksum, 4, "info");
    slot(&i->checksum, 4, "info");
}

void lstm(GxLstmParams* p) {
    int32_t* f[] = {&p->in_dim, &p->units};
    for (int32_t* d : f) s32(d, "dim");
    int32_t* q[] = {&p->hidden_zero_point, &p->cell_state_scale_power, &p->forget_cell_mul, &p->input_mul,
                    &p->output_mul, &p->quantized_cell_clip};
    for (int32_t* d : q) s32(d, "lstm");
    s32(&p->use_cell_clip, "flag");
    int32_t* sh[] = {&p->forget_cell_shift, &p->input_shift, &p->output_shift};
    for (int32_t* d : sh) s32(d, "shift");
    for (GxLstmGateParams& g : p->gate) {
        fc(&g.fc_input, p->units, p->in_dim, &g.w_input, &g.bias);
        fc(&g.fc_recurrent, p->units, p->units, &g.w_recurrent, nullptr);
    }
    own(&p->packed, p->units * gx_lstm_unit_elems(p->units), "weight");
}

void net_io(GxNetIo* io) {
    s32(&io->in_mult, "io");
    s32(&io->in_shift, "io");
    s32(&io->in_zero_point, "io");
    s32(&io->softmax.input_multiplier, "io");
    s32(&io->softmax.input_left_shift, "io");
    s32(&io->softmax.diff_min, "io");
    s32(&io->has_softmax, "io");
}

void build() {
    g_built = true;
    const GxModels* src = gx_app_models();
    if (src == nullptr || src->lstm == nullptr || src->cnn == nullptr) return;
    g_have = true;
    g_lstm = *src->lstm;
    g_lstm_io = *src->lstm_io;
    g_net = 0;
    info(&g_lstm.info);
    int32_t* d[] = {&g_lstm.steps, &g_lstm.in_dim, &g_lstm.units, &g_lstm.classes};
    for (int32_t* x : d) s32(x, "dim");
    s32(&g_lstm.bwd_slice_step, "index");
    s32(&g_lstm.fwd_slice_step, "index");
    s32(&g_lstm.reverse_time, "flag");
    s32(&g_lstm.bwd_first, "flag");
    lstm(&g_lstm.bwd);
    lstm(&g_lstm.fwd);
    fc(&g_lstm.fc, g_lstm.classes, 2 * g_lstm.units, &g_lstm.fc_w, &g_lstm.fc_b);
    net_io(&g_lstm_io);

    g_net = 1;
    g_cnn = *src->cnn;
    g_cnn_io = *src->cnn_io;
    info(&g_cnn.info);
    conv(&g_cnn.conv1, &g_cnn.conv1_w, &g_cnn.conv1_b);
    pool(&g_cnn.pool1);
    conv(&g_cnn.conv2, &g_cnn.conv2_w, &g_cnn.conv2_b);
    pool(&g_cnn.pool2);
    int32_t* cd[] = {&g_cnn.fc1_in, &g_cnn.fc1_out, &g_cnn.fc2_in, &g_cnn.fc2_out};
    for (int32_t* x : cd) s32(x, "dim");
    fc(&g_cnn.fc1, g_cnn.fc1_out, g_cnn.fc1_in, &g_cnn.fc1_w, &g_cnn.fc1_b);
    fc(&g_cnn.fc2, g_cnn.fc2_out, g_cnn.fc2_in, &g_cnn.fc2_w, &g_cnn.fc2_b);
    net_io(&g_cnn_io);
    g_models.lstm = &g_lstm;
    g_models.lstm_io = &g_lstm_io;
    g_models.cnn = &g_cnn;
    g_models.cnn_io = &g_cnn_io;

    if (src->signal != nullptr && src->signal_io != nullptr) {
        g_net = 2;
        g_signal = *src->signal;
        g_signal_io = *src->signal_io;
        info(&g_signal.info);
        conv(&g_signal.conv1, &g_signal.conv1_w, &g_signal.conv1_b);
        conv(&g_signal.conv2, &g_signal.conv2_w, &g_signal.conv2_b);
        pool(&g_signal.pool1);
        conv(&g_signal.conv3, &g_signal.conv3_w, &g_signal.conv3_b);
        conv(&g_signal.conv4, &g_signal.conv4_w, &g_signal.conv4_b);
        pool(&g_signal.pool2);
        s32(&g_signal.fc_in, "dim");
        s32(&g_signal.fc_out, "dim");
        fc(&g_signal.fc, g_signal.fc_out, g_signal.fc_in, &g_signal.fc_w, &g_signal.fc_b);
        for (int c = 0; c < kGxSignalChannels; c += 4) {
            s32(&g_signal_io.quant.offset[c], "io");
            s32(&g_signal_io.quant.mult[c], "io");
            s32(&g_signal_io.quant.shift[c], "io");
        }
        s32(&g_signal_io.quant.zero_point, "io");
        s32(&g_signal_io.softmax.input_multiplier, "io");
        s32(&g_signal_io.softmax.input_left_shift, "io");
        s32(&g_signal_io.softmax.diff_min, "io");
        s32(&g_signal_io.has_softmax, "io");
        g_models.signal = &g_signal;
        g_models.signal_io = &g_signal_io;
    }
    gx_models_verify(&g_models);
}

}  // namespace

GxModels* mutants_models() {
    if (!g_built) build();
    return g_have ? &g_models : nullptr;
}

int mutants_slot_count() {
    mutants_models();
    return g_n_slots;
}

const MutSlot& mutants_slot(int i) { return g_slots[i]; }

int32_t mutants_get(const MutSlot& s) {
    if (s.bytes == 1) return *static_cast<int8_t*>(s.p);
    int32_t v;
    std::memcpy(&v, s.p, 4);
    return v;
}

void mutants_set(const MutSlot& s, int32_t v) {
    if (s.bytes == 1) *static_cast<int8_t*>(s.p) = static_cast<int8_t>(v);
    else std::memcpy(s.p, &v, 4);
}

void mutants_resign() {
    uint32_t s = 0;
    if (gx_net_io_checksum(g_lstm_io, true, &s)) g_lstm.info.io_checksum = s;
    if (gx_lstm_net_checksum(&g_lstm, &s)) g_lstm.info.checksum = s;
    if (gx_net_io_checksum(g_cnn_io, false, &s)) g_cnn.info.io_checksum = s;
    if (gx_cnn_net_checksum(&g_cnn, &s)) g_cnn.info.checksum = s;
    if (g_models.signal != nullptr) {
        if (gx_signal_io_checksum(g_signal_io, &s)) g_signal.info.io_checksum = s;
        if (gx_signal_net_checksum(&g_signal, &s)) g_signal.info.checksum = s;
    }
}

}  // namespace gx
