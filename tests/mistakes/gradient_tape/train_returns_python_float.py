"""train returns a Python float instead of the trained tf.Variable.

test: test_train
message: expected a tf.Variable
"""
def train(x, learning_rate, num_steps, optimizer_name):
    optimizers = {"adam": tf.keras.optimizers.Adam, "rmsprop": tf.keras.optimizers.RMSprop, "sgd": tf.keras.optimizers.SGD}
    if optimizer_name not in optimizers:
        raise ValueError(f"Unknown optimizer {optimizer_name!r}")
    w = tf.Variable(0.0)
    optimizer = optimizers[optimizer_name](learning_rate=learning_rate)
    for _ in range(num_steps):
        train_step(w, optimizer, lambda: quadratic_cost(w, x))
    return float(w.numpy())
