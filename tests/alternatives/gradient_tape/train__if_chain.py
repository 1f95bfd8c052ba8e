"""An if/elif chain, tf.Variable created with an explicit dtype, and minimize() for the steps."""
def train(x, learning_rate, num_steps, optimizer_name):
    if optimizer_name == "adam":
        optimizer = tf.keras.optimizers.Adam(learning_rate=learning_rate)
    elif optimizer_name == "rmsprop":
        optimizer = tf.keras.optimizers.RMSprop(learning_rate=learning_rate)
    elif optimizer_name == "sgd":
        optimizer = tf.keras.optimizers.SGD(learning_rate=learning_rate)
    else:
        raise ValueError("optimizer_name must be adam, rmsprop or sgd, not " + repr(optimizer_name))
    w = tf.Variable(tf.constant(0.0, dtype=tf.float32), trainable=True)
    coefficients = tf.constant(x, dtype=tf.float32)
    step = 0
    while step < num_steps:
        minimize(optimizer, lambda: quadratic_cost(w, coefficients), [w])
        step += 1
    return w
