"""A loop over the layers with tf.math.add and tf.linalg.matmul, ReLU on all but the last."""
def forward_propagation(X, parameters):
    layers = len(parameters) // 2
    A = X
    for l in range(1, layers + 1):
        Z = tf.math.add(tf.linalg.matmul(parameters[f"W{l}"], A), parameters[f"b{l}"])
        A = tf.nn.relu(Z) if l < layers else Z
    return A
