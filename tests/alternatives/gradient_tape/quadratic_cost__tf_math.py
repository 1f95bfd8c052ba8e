"""tf.math operations and Horner's rule: (x0 w + x1) w + x2."""
def quadratic_cost(w, x):
    x = tf.cast(tf.convert_to_tensor(x), w.dtype)
    return tf.math.add(tf.math.multiply(tf.math.add(tf.math.multiply(x[0], w), x[1]), w), x[2])
