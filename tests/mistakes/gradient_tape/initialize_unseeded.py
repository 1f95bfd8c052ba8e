"""The initializer is not seeded, so every run starts from different weights.

test: test_initialize_parameters
message: Pass seed to the initializer
"""
def initialize_parameters(layer_dims, seed):
    parameters = {}
    for l in range(1, len(layer_dims)):
        initializer = tf.keras.initializers.GlorotNormal()
        parameters[f"W{l}"] = tf.Variable(initializer(shape=(layer_dims[l], layer_dims[l - 1])))
        parameters[f"b{l}"] = tf.Variable(tf.zeros((layer_dims[l], 1)))
    return parameters
