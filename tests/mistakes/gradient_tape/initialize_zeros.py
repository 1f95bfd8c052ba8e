"""All weights initialised to zero, so the units of a layer stay identical.

test: test_initialize_parameters
message: symmetry
"""
def initialize_parameters(layer_dims, seed):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = tf.Variable(tf.zeros((layer_dims[l], layer_dims[l - 1])))
        parameters[f"b{l}"] = tf.Variable(tf.zeros((layer_dims[l], 1)))
    return parameters
