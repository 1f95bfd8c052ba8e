"""Weights of shape (n_(l-1), n_l), the transpose of the course's convention.

test: test_initialize_parameters
message: expected (n_l, n_(l-1))
"""
def initialize_parameters(layer_dims, seed):
    parameters = {}
    for l in range(1, len(layer_dims)):
        initializer = tf.keras.initializers.GlorotNormal(seed=seed + l)
        parameters[f"W{l}"] = tf.Variable(initializer(shape=(layer_dims[l - 1], layer_dims[l])))
        parameters[f"b{l}"] = tf.Variable(tf.zeros((layer_dims[l], 1)))
    return parameters
