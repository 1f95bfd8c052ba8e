"""The mean of the batch's losses instead of their sum.

test: test_compute_total_loss
message: the mean
"""
def compute_total_loss(logits, labels):
    return tf.reduce_mean(tf.keras.losses.categorical_crossentropy(tf.transpose(labels), tf.transpose(logits),
                                                                   from_logits=True))
