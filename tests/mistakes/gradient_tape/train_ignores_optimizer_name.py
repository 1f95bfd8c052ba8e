"""train always uses Adam, whatever optimizer_name says.

test: test_train
message: build the optimizer that optimizer_name names
"""
def train(x, learning_rate, num_steps, optimizer_name):
    if optimizer_name not in ("adam", "rmsprop", "sgd"):
        raise ValueError(f"Unknown optimizer {optimizer_name!r}")
    w = tf.Variable(0.0)
    optimizer = tf.keras.optimizers.Adam(learning_rate=learning_rate)
    for _ in range(num_steps):
        train_step(w, optimizer, lambda: quadratic_cost(w, x))
    return w
