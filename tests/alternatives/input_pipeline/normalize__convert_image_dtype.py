"""tf.image.convert_image_dtype, which scales uint8 to [0, 1] floats."""
def normalize(image, label):
    return tf.image.convert_image_dtype(image, tf.float32), label
