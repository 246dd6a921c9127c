// TFLite-Micro integer UNIDIRECTIONAL_SEQUENCE_LSTM (golden/lstm.py), batch 1, bit for bit.
//
// Per step t, gates in TFLM's order forget, input, cell, (cell update), output:
//   a_g = sat16( fc16(x_t; W_g, b_g) + fc16(h; R_g) )                      (Q3.12)
//   f, i, o = sigmoid_int16(a), g = tanh_int16(a) (Q0.15, TFLite's 256-entry LUT)
//   c = sat16( mul(f, c; forget_cell_mul) + mul(i, g; input_mul) ), clipped if cell_clip
//   h = clamp8( zp_h + mbqm(tanh_{2^p}(c) * o; output_mul) );  out[t] = h (raw copy)
// h starts at the hidden zero point, c at 0 (state reset per inference).
#ifndef GX_LSTM_H
#define GX_LSTM_H

#include <cstdint>

#include "fully_connected.h"

namespace gx {

constexpr int kGxLstmGates = 4;
enum GxLstmGate { kGxGateInput = 0, kGxGateForget = 1, kGxGateCell = 2, kGxGateOutput = 3 };

// Largest hidden size the kernel's stack/scratch supports.
constexpr int kGxLstmMaxUnits = 64;

struct GxLstmGateParams {
    const int8_t* w_input;      // [units][in_dim]
    const int8_t* w_recurrent;  // [units][units]
    const int32_t* bias;        // [units] or null
    GxFcParams fc_input;        // int16 output range
    GxFcParams fc_recurrent;
};

struct GxLstmParams {
    int32_t in_dim, units;
    int32_t hidden_zero_point;
    int32_t cell_state_scale_power;  // p of the cell scale 2^p (e.g. -11)
    int32_t forget_cell_mul, forget_cell_shift;
    int32_t input_mul, input_shift;
    int32_t output_mul, output_shift;
    int32_t use_cell_clip;  // cell_clip > 0
    int32_t quantized_cell_clip;
    GxLstmGateParams gate[kGxLstmGates];  // indexed by GxLstmGate
    // The same weights laid out for the kernel (export: model_data.lstm_packed), or null
    // (then the reference loops read the int8 arrays): per unit gx_lstm_unit_elems int16,
    // gates in GxLstmGate order: per gate its int32 bias (low, high half) and its input-weight
    // pair (w[k][0], w[k][1]), then per column pair j the 4 gates' recurrent pairs
    // (R[k][2j], R[k][2j+1]), zero past the units; every value doubled (the bias modulo
    // 2^32), so the kernel's sums arrive as 2x. 4-byte aligned.
    const int16_t* packed;
};

// Column pairs of the packed layout (ceil(units / 2)) and int16 per unit.
constexpr int32_t gx_lstm_pairs(int32_t units) { return (units + 1) / 2; }
constexpr int32_t gx_lstm_unit_elems(int32_t units) { return 16 + 8 * gx_lstm_pairs(units); }

// Whether p->packed holds exactly p's int8 weights and biases (start-up check, after the
// checksum: a model whose two copies disagree is refused).
bool gx_lstm_packed_ok(const GxLstmParams* p);

// Tests: run the reference loops (the int8 arrays, layer by layer) even where the packed
// fast path applies, to check one against the other.
void gx_lstm_force_reference(bool on);

// Tests: inputs in the int16 range where the kernel's int32 LUT activations differ from
// gx_sigmoid_int16 / gx_lstm_tanh (for every cell-state power -15..0): must be 0.
int32_t gx_lstm_activation_mismatches();

// The kernel's working state, owned by the caller (no static buffers): the cell and hidden
// state, the widened hidden state (zero past the units); for the reference loops also the
// input and recurrent halves of the gate sums and the gate activations (the packed fast path
// keeps a block of those on the stack; without the DSP it writes the next step's widened h
// into fc_a, the two buffers taking turns).
struct GxLstmScratch {
    int16_t c[kGxLstmMaxUnits];
    int8_t h[kGxLstmMaxUnits];
    alignas(4) int16_t hcol[2 * gx_lstm_pairs(kGxLstmMaxUnits)];
    alignas(4) int16_t fc_a[2 * gx_lstm_pairs(kGxLstmMaxUnits)];
    int16_t fc_r[kGxLstmMaxUnits];
    int16_t act[kGxLstmGates][kGxLstmMaxUnits];
};

// LUT activations on int16 (reference_integer_ops::Logistic / Tanh).
int16_t gx_sigmoid_int16(int32_t x);  // Q3.12 -> Q0.15
int16_t gx_tanh_int16(int32_t x, int32_t input_multiplier, int32_t input_left_shift);
int16_t gx_lstm_tanh(int32_t x, int32_t cell_state_scale_power);

// x: [steps][in_dim] int8 -> out: [steps][units] int8, or with keep_step >= 0 only that
// step's h: [units] (the network slices one step, so the sequence needs no buffer). Returns
// false if units/in_dim are outside the supported range (nothing written). s: the caller's
// scratch (overwritten).
bool gx_lstm_int8(const int8_t* x, int32_t steps, const GxLstmParams* p, GxLstmScratch* s, int8_t* out,
                  int32_t keep_step = -1);

}  // namespace gx

#endif  // GX_LSTM_H
