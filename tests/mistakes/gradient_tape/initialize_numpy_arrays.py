"""Parameters returned as numpy arrays instead of tf.Variables, so there is nothing to train.

test: test_initialize_parameters
message: wrap it in tf.Variable
"""
def initialize_parameters(layer_dims, seed):
    parameters = {}
    for l in range(1, len(layer_dims)):
        initializer = tf.keras.initializers.GlorotNormal(seed=seed + l)
        parameters[f"W{l}"] = initializer(shape=(layer_dims[l], layer_dims[l - 1])).numpy()
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1), dtype=np.float32)
    return parameters
