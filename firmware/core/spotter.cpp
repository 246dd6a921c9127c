#include "spotter.h"

#if GX_WITH_SPOTTER

#include <cstring>

#include "dot.h"
#include "fixed.h"

namespace gx {

namespace {

static_assert((kGxSpotHistory & (kGxSpotHistory - 1)) == 0, "the ring is indexed with a mask");
constexpr int32_t kRingMask = kGxSpotHistory - 1;

constexpr int32_t pad_of(int32_t l) { return (kGxSpotLayerK[l] - 1) * kGxSpotLayerDil[l] / 2; }

// The compiled-in geometry (the maps and the column scratch are sized for it).
bool geometry_ok(const GxSpotterNetModel* m) {
    if (m == nullptr) return false;
    for (int32_t l = 0; l < kGxSpotLayers; ++l) {
        const GxConvParams& p = m->layer[l].conv;
        if (p.in_h != 1 || p.in_w != kGxSpotWindow || p.in_c != kGxSpotLayerIn[l] || p.out_h != 1 ||
            p.out_w != kGxSpotWindow || p.out_c != kGxSpotLayerOut[l] || p.k_h != 1 || p.k_w != kGxSpotLayerK[l] ||
            p.stride_h != 1 || p.stride_w != 1 || p.dilation_h != 1 || p.dilation_w != kGxSpotLayerDil[l] ||
            p.pad_t != 0 || p.pad_l != pad_of(l) || m->layer[l].w == nullptr)
            return false;
        if (gx_conv_col_elems(&p) > gx_spot_col_elems()) return false;
    }
    return true;
}

inline int8_t sat8(int32_t v) { return static_cast<int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v)); }

// Letter bookkeeping of one scored sample t (golden letter_segments + word_groups, in stream
// order): a run of active samples is open from run_start; the first inactive sample b closes
// it into the pending run, which a run starting at most kGxSpotJoinGap after b continues; once
// the sample kGxSpotJoinGap after b is inactive too (or at the flush) the pending run is final.
// Golden finds the same runs from the edges of the whole logit sequence; its clip
// min(n, b + grow) only bites at the flush (while streaming, b + kGxSpotJoinGap's logit exists
// only once 2 hops after it have arrived), where n is the final length.
class Letters {
public:
    Letters(GxSpotState* s, GxSpotLetter* out) : s_(s), out_(out) {}
    void sample(int32_t t, bool active) {
        if (active) {
            if (s_->run_start >= 0) return;
            if (s_->pend_start >= 0 && t - s_->pend_end <= kGxSpotJoinGap) {
                s_->run_start = s_->pend_start;  // the pending run goes on
                s_->pend_start = -1;
                return;
            }
            finish();
            s_->run_start = t;
        } else if (s_->run_start >= 0) {
            s_->pend_start = s_->run_start;
            s_->pend_end = t;
            s_->run_start = -1;
        } else if (s_->pend_start >= 0 && t - s_->pend_end >= kGxSpotJoinGap) {
            finish();
        }
    }
    // The stream's end: the open run closes at n, then the pending run is final.
    void end() {
        if (s_->run_start >= 0) {
            s_->pend_start = s_->run_start;
            s_->pend_end = s_->n;
            s_->run_start = -1;
        }
        finish();
    }
    void finish() {
        const int32_t a = s_->pend_start;
        const int32_t b = s_->pend_end;
        if (a < 0) return;
        s_->pend_start = -1;
        if (b - a < kGxSpotMinLetter) return;
        const int32_t start = a - kGxSpotGrow > 0 ? a - kGxSpotGrow : 0;
        const int32_t end = b + kGxSpotGrow < s_->n ? b + kGxSpotGrow : s_->n;
        if (end - start > kGxSpotMaxLetter) return;  // no letter (golden MAX_LETTER)
        // golden word_groups: a gap of more than WORD_GAP between widened letters
        const int32_t word_start = s_->last_end < 0 || start - s_->last_end > kGxSpotWordGap ? 1 : 0;
        s_->last_end = end;
        if (count_ < kGxSpotMaxOut) out_[count_++] = GxSpotLetter{start, end, word_start};
    }
    int32_t count() const { return count_; }

private:
    GxSpotState* s_;
    GxSpotLetter* out_;
    int32_t count_ = 0;
};

// Window j: samples [HOP (j - 1), HOP (j + 2)) as golden padded_stream has them (zeros before
// the stream, the last sample repeated after it), scored; its middle hop's samples that
// exist go to the letter bookkeeping.
void run_window(GxSpotState* s, GxSpotterCtx* ctx, const GxSpotterNetModel* m, int32_t j, Letters* letters) {
    int8_t(*in)[kGxSpotFeatures] = reinterpret_cast<int8_t(*)[kGxSpotFeatures]>(ctx->a);
    const int32_t t0 = kGxSpotHop * (j - 1);
    for (int32_t k = 0; k < kGxSpotWindow; ++k) {
        const int32_t t = t0 + k;
        if (t < 0) {
            std::memset(in[k], 0, kGxSpotFeatures);
        } else {
            const int32_t src = t < s->n ? t : s->n - 1;
            gx_spot_features(s->ring[src & kRingMask], in[k]);
        }
    }
    int8_t* out = ctx->logits[ctx->n_windows];
    if (ctx->n_windows == 0) ctx->first_window = j;
    ++ctx->n_windows;
    gx_spotter_net_run(ctx, m, in, out);
    s->windows = j + 1;
    // golden threshold_of: a sample is inside a letter when its logit exceeds the output zero point
    const int32_t thr = m->info.output_zero_point;
    const int32_t hi = kGxSpotHop * (j + 1) < s->n ? kGxSpotHop * (j + 1) : s->n;
    for (int32_t t = kGxSpotHop * j; t < hi; ++t) letters->sample(t, out[t - t0] > thr);
}

}  // namespace

static_assert(gx_spot_col_elems() == 2 * gx_col_len(kGxSpotLayerK[2] * kGxSpotMaxC), "the widest layer's windows");

int32_t gx_spotter_scratch_bytes() { return static_cast<int32_t>(sizeof(GxSpotterCtx)); }
int32_t gx_spot_state_bytes() { return static_cast<int32_t>(sizeof(GxSpotState)); }

void gx_spot_features(const int16_t counts[kGxSpotChannels], int8_t f[kGxSpotFeatures]) {
    // golden spot_features: [gyro x y z >> 7, acc x y z >> 8], arithmetic (floor) shifts
    for (int32_t i = 0; i < 3; ++i) {
        f[i] = sat8(static_cast<int32_t>(gx_asr(counts[3 + i], kGxSpotGyrShift)));
        f[3 + i] = sat8(static_cast<int32_t>(gx_asr(counts[i], kGxSpotAccShift)));
    }
}

bool gx_spotter_net_run(GxSpotterCtx* ctx, const GxSpotterNetModel* m, const int8_t in[kGxSpotWindow][kGxSpotFeatures],
                        int8_t out[kGxSpotWindow]) {
    if (!geometry_ok(m)) return false;
    // in may be ctx->a: the first layer reads it into b before a is written
    const int8_t* src = &in[0][0];
    int8_t* maps[2] = {ctx->b, ctx->a};
    for (int32_t l = 0; l < kGxSpotLayers; ++l) {
        int8_t* dst = l == kGxSpotLayers - 1 ? out : maps[l & 1];
        gx_conv2d_per_channel(src, m->layer[l].w, m->layer[l].b, &m->layer[l].conv, dst, ctx->col);
        src = dst;
    }
    return true;
}

void gx_spot_reset(GxSpotState* s) {
    std::memset(s->ring, 0, sizeof s->ring);
    s->n = 0;
    s->windows = 0;
    s->run_start = -1;
    s->pend_start = -1;
    s->pend_end = -1;
    s->last_end = -1;
    s->flushed = 0;
}

int32_t gx_spot_push(GxSpotState* s, GxSpotterCtx* ctx, const GxSpotterNetModel* m,
                     const int16_t sample[kGxSpotChannels], GxSpotLetter out[kGxSpotMaxOut]) {
    if (s->flushed != 0 || s->n >= kGxSpotMaxStream) return -1;
    const int32_t n = s->n + 1;
    // window j runs as soon as its last sample HOP (j + 2) - 1 has arrived
    const bool window = n % kGxSpotHop == 0 && n >= 2 * kGxSpotHop;
    if (window && !geometry_ok(m)) return -1;
    std::memcpy(s->ring[s->n & kRingMask], sample, sizeof s->ring[0]);
    s->n = n;
    ctx->n_windows = 0;
    Letters letters(s, out);
    if (window) run_window(s, ctx, m, n / kGxSpotHop - 2, &letters);
    return letters.count();
}

int32_t gx_spot_flush(GxSpotState* s, GxSpotterCtx* ctx, const GxSpotterNetModel* m, GxSpotLetter out[kGxSpotMaxOut]) {
    if (s->flushed != 0 || !geometry_ok(m)) return -1;
    s->flushed = 1;
    ctx->n_windows = 0;
    Letters letters(s, out);
    // golden frame_logits: ceil(n / HOP) windows in all (none for an empty stream)
    const int32_t n_win = (s->n + kGxSpotHop - 1) / kGxSpotHop;
    for (int32_t j = s->windows; j < n_win; ++j) run_window(s, ctx, m, j, &letters);
    letters.end();  // a run up to the stream's end, the pending run
    return letters.count();
}

bool gx_spot_normalise(const GxSpotState* s, int32_t start, int32_t end, int16_t out[kMaxSamples][kGxSpotChannels]) {
    if (start < 0 || end <= start || end > s->n || end - start > kGxSpotMaxLetter || start < s->n - kGxSpotHistory)
        return false;
    // golden time_normalise: position p = start 2^12 + floor(k (end - 1 - start) 2^12 / (n - 1));
    // start 2^12 has no fraction bits, so i = start + (q >> 12) and f = q & 4095 with q the
    // second term alone (< 2^23: no overflow however long the stream)
    const int32_t span = (end - 1 - start) << kGxSpotFracBits;
    constexpr int32_t kFracMask = (1 << kGxSpotFracBits) - 1;
    for (int32_t k = 0; k < kMaxSamples; ++k) {
        const int32_t q = k * span / (kMaxSamples - 1);
        const int32_t i = start + (q >> kGxSpotFracBits);
        const int32_t f = q & kFracMask;
        const int16_t* c0 = s->ring[i & kRingMask];
        // c[i + 1] only where f > 0: then i + 1 <= end - 1 (golden reads it clipped, times 0)
        const int16_t* c1 = f > 0 ? s->ring[(i + 1) & kRingMask] : c0;
        for (int32_t ch = 0; ch < kGxSpotChannels; ++ch) {
            // |(c1 - c0) f| < 2^16 2^12: int32; the result lies between c0 and c1 (an int16)
            const int32_t d = (static_cast<int32_t>(c1[ch]) - c0[ch]) * f + (1 << (kGxSpotFracBits - 1));
            out[k][ch] = static_cast<int16_t>(c0[ch] + gx_asr(d, kGxSpotFracBits));
        }
    }
    return true;
}

}  // namespace gx

#endif  // GX_WITH_SPOTTER
