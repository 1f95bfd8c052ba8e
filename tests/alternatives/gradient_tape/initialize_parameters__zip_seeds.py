"""Per-layer seeds 1000 * seed + l, layer sizes paired with zip, and an explicit dtype."""
def initialize_parameters(layer_dims, seed):
    parameters = {}
    for l, (fan_out, fan_in) in enumerate(zip(layer_dims[1:], layer_dims[:-1]), start=1):
        weights = tf.keras.initializers.GlorotNormal(seed=1000 * seed + l)((fan_out, fan_in), dtype="float32")
        parameters["W" + str(l)] = tf.Variable(weights, trainable=True)
        parameters["b" + str(l)] = tf.Variable(tf.zeros([fan_out, 1], dtype=tf.float32))
    return parameters
