"""The image is cast to float32 but not divided by 255.

test: test_normalize
message: divide by 255
"""
def normalize(image, label):
    return tf.cast(image, tf.float32), label
