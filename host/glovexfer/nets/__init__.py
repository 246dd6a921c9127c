"""Networks: data sets for them (``datasets``) and the tf_keras models (``models``).

``glovexfer.nets.models`` imports TensorFlow (with legacy Keras); import it explicitly --
this package does not, so that the data helpers stay TensorFlow-free.
"""
