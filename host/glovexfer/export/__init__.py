"""Export of trained networks: TFLite conversion (``tflite``) and the TFLite-Micro referee (``tflm``)."""
