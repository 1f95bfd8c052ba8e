"""GlorotUniform instead of GlorotNormal: the right variance, the wrong law.

test: test_initialize_parameters
message: GlorotUniform
"""
def initialize_parameters(layer_dims, seed):
    parameters = {}
    for l in range(1, len(layer_dims)):
        initializer = tf.keras.initializers.GlorotUniform(seed=seed + l)
        parameters[f"W{l}"] = tf.Variable(initializer(shape=(layer_dims[l], layer_dims[l - 1])))
        parameters[f"b{l}"] = tf.Variable(tf.zeros((layer_dims[l], 1)))
    return parameters
