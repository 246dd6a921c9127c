"""Golden (reference) models with integer-only inference, bit-exact with the firmware.

Int8 networks, TFLite-Micro semantics (``load_int8_model``):

* ``quant``            -- QuantizeMultiplier, MultiplyByQuantizedMultiplier, gemmlowp primitives
* ``fully_connected``  -- FULLY_CONNECTED (per-tensor / per-channel)
* ``conv``             -- CONV_2D (per-channel)
* ``pool``             -- MAX_POOL_2D
* ``softmax``          -- int8 SOFTMAX
* ``lstm``             -- UNIDIRECTIONAL_SEQUENCE_LSTM (int8 x int8 -> int16 gates, int16 cell)
* ``network``          -- .tflite parsing and the op list (``Int8Network``)
"""

from .network import Int8Network, load_int8_model

__all__ = ["Int8Network", "load_int8_model"]
