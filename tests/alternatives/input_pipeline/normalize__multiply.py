"""A cast with tf.dtypes, then a multiplication by 1/255."""
def normalize(image, label):
    scaled = tf.math.multiply(tf.cast(image, dtype=tf.dtypes.float32), 1.0 / 255.0)
    return (scaled, label)
