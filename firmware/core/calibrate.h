// Few-shot calibration of the recogniser to its wearer: a few samples of each letter written
// by the wearer (the features of each network of the model: the int8 input of its last
// FULLY_CONNECTED) add a nearest-sample bonus to the model's integer scores. Twin of
// host/glovexfer/golden/calibrate.py (bit for bit); docs/serial-protocol.md (calib commands)
// and docs/sensor-calibration.md ("Letter calibration") explain its use and limits.
//
// Numerical contract (all int32, no rounding but floor):
//   distance   m_{n,c}(x) = min over the stored samples s of letter c of sum_i |x_i - s_i|
//              over network n's features (at most 128 x 255 = 32640); none without samples;
//              d_{n,c} = m_{n,c}, except (spec v5) for a letter with kGxCalibMeanFrom (3)
//              samples: d_{n,c} = floor((3 m_{n,c} + e_{n,c}) / 6), e_{n,c} = sum_i |3 x_i -
//              (s1_i + s2_i + s3_i)| (3 x the distance to the samples' mean, <= 128 x 765),
//              the mean of the nearest sample's and the mean's distance;
//   scale      tau_n = max(1, floor(sum_j m_j / count)), m_j = the distance of stored sample
//              j to the nearest stored sample of ANOTHER letter (network n); recomputed
//              whenever the set changes; with fewer than 2 letters the set has no effect;
//   bonus      b_{n,c} = floor(G_n * max(0, R tau_n - d_{n,c}) / (R tau_n)), R = kGxCalibReach
//              (2), G the set's gain (gx_calib_gain: one of kGxCalibGains), G_n = G / 4 for the
//              BiLSTM of a two-network model (network 0, kGxCalibLstmShare), G otherwise;
//   score      s_c = base_c + sum_n b_{n,c} (base: the fused sum 0..510 or one network's
//              probabilities 0..255; s_c <= 510 + 4080 + 1020), decision = the first maximum,
//              top-3 a stable sort by descending score;
//   outputs    (continuous writing, the word decoder's input) per network n with its int8
//              softmax outputs p: q_c = min(255, floor((p_c + o_{n,c}) * S / max(1, S + O))),
//              S = sum_c p_c, O = sum_c o_{n,c}, o the bonus above with the reach
//              kGxCalibOutputReach (1) in place of R (spec v4) and m_{n,c} in place of d_{n,c}
//              (spec v5: the letter's mean is the decision's only), with the set's gain (q = p
//              without a bonus; (255 + 4080) * 26 * 255 fits int32).
// Guards and gain (spec v4; spec v5's distance): gx_calib_loo classifies every stored sample whose letter keeps
// another sample with the set built from the others (itself excluded, tau recomputed without
// it) under every candidate gain and uncalibrated; the gain of the most samples right (ties
// to the LARGER gain; kGxCalibGains[0] when no sample is judged) is the chosen one, which the
// caller stores in the set (gx_calib_set_gain) before sealing it; a set whose calibrated count
// (chosen gain) is below the uncalibrated one lowers accuracy on the wearer's own samples.
//
// Storage: a GxCalibSet is made of bytes only, so its first gx_calib_record_bytes() bytes are
// its stored record (the board's settings store): magic "GXL5", digest (FNV-1a 32 over the
// rest of the record), the model it was made with, the chosen gain, then the samples in the
// order they were added (adding the (K_MAX + 1)-th sample of a letter drops that letter's
// oldest). A record of an earlier spec (magic "GXL1" to "GXL4": another bonus, gain or
// distance rule) is refused (GX_CALIB_ERR_VERSION). No heap, no I/O.
#ifndef GX_CALIBRATE_H
#define GX_CALIBRATE_H

#include <cstdint>

#include "network.h"

namespace gx {

//! Samples kept per letter.
constexpr int kGxCalibKMax = 3;
constexpr int kGxCalibMaxSamples = kGxClasses * kGxCalibKMax;
//! Networks of one model (LSTM, then CNN or signal network).
constexpr int kGxCalibMaxNets = 2;
//! Feature lengths: the input of each network's last FULLY_CONNECTED.
constexpr int kGxFeatLstm = kGxLstmConcat;
constexpr int kGxFeatCnn = kGxCnnHidden;
constexpr int kGxFeatSignal = kGxSignalHidden;
constexpr int kGxFeatMax = kGxFeatLstm + gx_const_max(kGxFeatCnn, kGxFeatSignal);
static_assert(kGxFeatLstm <= 255 && kGxFeatCnn <= 255 && kGxFeatSignal <= 255, "a feature length fits a byte");
//! The candidate gains (the bonus of a sample at distance 0), ascending (spec v4); the first is
//! the gain of a set the leave-one-out cannot judge (no letter with two samples).
constexpr int kGxCalibNGains = 3;
constexpr int32_t kGxCalibGains[kGxCalibNGains] = {1020, 2040, 4080};
//! Spec v3: a letter's bonus falls to 0 at this many scales tau from its nearest sample.
constexpr int32_t kGxCalibReach = 2;
//! Spec v4: continuous writing's calibrated outputs (what the word decoder reads) use the bonus
//! of this reach (spec v2's): a wider one spreads the bonus over many letters and flattens them.
constexpr int32_t kGxCalibOutputReach = 1;
//! Spec v3: the BiLSTM's (network 0 of a two-network model) bonus is the gain over this.
constexpr int32_t kGxCalibLstmShare = 4;
//! Spec v5: a letter with this many samples (kGxCalibKMax) also measures its samples' mean.
constexpr int kGxCalibMeanFrom = 3;
constexpr int32_t kGxCalibGainMax = kGxCalibGains[kGxCalibNGains - 1];

//! One stored sample: its letter (0..25) and the features of every network of the model.
struct GxCalibSample {
    uint8_t letter;
    int8_t feat[kGxFeatMax];
};

//! The wearer's samples. Bytes only (no padding): the stored record is its prefix.
struct GxCalibSet {
    uint8_t magic[4];      //!< "GXL5" (spec v5)
    uint8_t digest[4];     //!< FNV-1a 32 (little-endian) of the record's bytes after it
    uint8_t model_sum[4];  //!< the model's checksum (gx_calib_model_sum), little-endian
    uint8_t model_sel;     //!< the GxModelSel the features come from
    uint8_t enabled;       //!< 1: applied to recognitions (the wearer's choice, guard passed)
    uint8_t n_nets;        //!< 1..kGxCalibMaxNets
    uint8_t n_samples;     //!< 0..kGxCalibMaxSamples
    uint8_t dims[kGxCalibMaxNets];  //!< feature length of each network (0 past n_nets)
    uint8_t gain[2];       //!< the chosen gain (one of kGxCalibGains), little-endian
    GxCalibSample s[kGxCalibMaxSamples];
};
constexpr int kGxCalibHeaderBytes = 20;
constexpr int kGxCalibRecordMax = kGxCalibHeaderBytes + kGxCalibMaxSamples * static_cast<int>(sizeof(GxCalibSample));
static_assert(sizeof(GxCalibSample) == 1 + kGxFeatMax, "a sample is bytes only");
static_assert(sizeof(GxCalibSet) == kGxCalibRecordMax, "the set is bytes only: its prefix is the record");

//! The scale of a set (gx_calib_scale): active when at least two letters have samples.
struct GxCalibScale {
    bool active;
    int32_t tau[kGxCalibMaxNets];
};

//! A calibrated decision.
struct GxCalibOut {
    uint16_t scores[kGxClasses];  //!< base + bonus, at most 510 + 4080 + 1020
    int index;
    int top3[3];
    uint16_t bonus[kGxCalibMaxNets][kGxClasses];  //!< each network's bonus of reach kGxCalibOutputReach at the nearest sample's distance, for gx_calib_outputs (0..gain; 0 past n_nets or inactive)
};

//! Leave-one-out on the stored samples: how many each classifier gets right.
struct GxCalibLoo {
    int32_t n;
    int32_t uncal_correct;
    int32_t cal_correct;                    //!< with the chosen gain
    int32_t gain;                           //!< the chosen gain
    int32_t cal_by_gain[kGxCalibNGains];    //!< with each candidate gain
};

//! Why a stored record is refused (gx_calib_check).
enum GxCalibStatus : int {
    GX_CALIB_OK = 0,
    GX_CALIB_ERR_SIZE = -1,    //!< the record is shorter than its header says, or longer
    GX_CALIB_ERR_MAGIC = -2,   //!< not a calibration record of this version
    GX_CALIB_ERR_DIGEST = -3,  //!< the digest does not match (corrupted)
    GX_CALIB_ERR_MODEL = -4,   //!< made with another model (selection, dimensions or checksum)
    GX_CALIB_ERR_RANGE = -5,   //!< a letter out of range, more than K_MAX samples of one, or a gain not a candidate
    GX_CALIB_ERR_VERSION = -6, //!< a record of an earlier spec (magic "GXL1" to "GXL4": another bonus, gain or distance rule)
};

//! Scratch of gx_calib_loo, owned by the caller: per stored sample and network, the nearest
//! and second-nearest distance to another letter's samples and which sample is the nearest.
struct GxCalibLooScratch {
    int32_t near1[kGxCalibMaxSamples][kGxCalibMaxNets];
    int32_t near2[kGxCalibMaxSamples][kGxCalibMaxNets];
    uint8_t near1_at[kGxCalibMaxSamples][kGxCalibMaxNets];
};

//! An empty set for the model `model_sel` (its checksum, n_nets networks of dims[] features);
//! disabled, gain kGxCalibGains[0].
void gx_calib_init(GxCalibSet* set, int model_sel, uint32_t model_sum, int n_nets, const int32_t dims[]);
//! Empties the set, keeping its model.
void gx_calib_clear(GxCalibSet* set);
//! Samples of one letter (0..kGxCalibKMax), and letters with at least one sample.
int gx_calib_count(const GxCalibSet* set, int letter);
int gx_calib_letters(const GxCalibSet* set);
//! Adds x (gx_calib_feat_len values) as a sample of letter (0..25), dropping the letter's
//! oldest when it has kGxCalibKMax already. false (set untouched) for a letter out of range.
bool gx_calib_add(GxCalibSet* set, int letter, const int8_t* x);
//! Total feature length (sum of dims).
int gx_calib_feat_len(const GxCalibSet* set);

//! The scale of the set as it is now.
void gx_calib_scale(const GxCalibSet* set, GxCalibScale* scale);
//! Calibrated scores and decision of features x with the model's integer scores base.
//! An inactive scale leaves the scores as they are.
void gx_calib_decide(const GxCalibSet* set, const GxCalibScale* scale, const int8_t* x,
                     const uint16_t base[kGxClasses], GxCalibOut* out);
//! Continuous writing (golden calibrated_outputs): network k's int8 softmax outputs p
//! (0..255) with its output bonus kept by the decision `out` (gx_calib_decide: the nearest
//! distances are not computed again; reach kGxCalibOutputReach) mixed in, what the word
//! decoder reads:
//! q_c = min(255, floor((p_c + b_{k,c}) * S / max(1, S + B))), S = sum_c p_c, B = sum_c b_{k,c};
//! no bonus (an inactive scale, k past the set's networks or out of range) gives q = p.
void gx_calib_outputs(const GxCalibOut* out, int k, const uint8_t p[kGxClasses], uint8_t q[kGxClasses]);
//! The model's integer scores of one stored sample, from its features (the caller's model:
//! gx_scores_of_features); false when they cannot be computed.
using GxCalibScoresFn = bool (*)(void* ctx, int sample, const int8_t* features, uint16_t out[kGxClasses]);
//! Leave-one-out under every candidate gain, the model's scores of each stored sample from
//! scores_of; out->gain is the chosen gain (the most samples right, ties to the smaller).
//! false (out unspecified) when scores_of fails.
bool gx_calib_loo(const GxCalibSet* set, GxCalibScoresFn scores_of, void* ctx, GxCalibLooScratch* scratch,
                  GxCalibLoo* out);

//! The set's gain, and setting it (the chosen gain of gx_calib_loo; false, set untouched,
//! when g is not a candidate). Seal the set after setting it.
int32_t gx_calib_gain(const GxCalibSet* set);
bool gx_calib_set_gain(GxCalibSet* set, int32_t g);

//! Bytes of the set's record (header + its samples).
int gx_calib_record_bytes(const GxCalibSet* set);
//! Writes the magic and the digest: the record is then ready to store.
void gx_calib_seal(GxCalibSet* set);
//! Checks a record of n bytes loaded into set against the model it must belong to; any
//! status but GX_CALIB_OK means the set must not be used (the caller re-initialises it).
int gx_calib_check(const GxCalibSet* set, int n, int model_sel, uint32_t model_sum, int n_nets,
                   const int32_t dims[]);

//! The first three indices of v by descending value, ties to the lowest index (a stable sort).
template <typename T>
void gx_top3(const T* v, int n, int out[3]) {
    for (int k = 0; k < 3; ++k) {
        int best = -1;
        for (int i = 0; i < n; ++i) {
            bool taken = false;
            for (int j = 0; j < k; ++j) taken = taken || out[j] == i;
            if (taken) continue;
            if (best < 0 || v[i] > v[best]) best = i;
        }
        out[k] = best;
    }
}

}  // namespace gx

#endif  // GX_CALIBRATE_H
