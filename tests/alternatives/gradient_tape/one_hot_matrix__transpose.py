"""Default axis, then a transpose, with an explicit cast."""
def one_hot_matrix(labels, depth=6):
    return tf.cast(tf.transpose(tf.one_hot(tf.cast(labels, tf.int32), depth=depth)), tf.float32)
