"""The logits passed as if they were probabilities (from_logits left False).

test: test_compute_total_loss
message: pass from_logits=True
"""
def compute_total_loss(logits, labels):
    return tf.reduce_sum(tf.keras.losses.categorical_crossentropy(tf.transpose(labels), tf.transpose(logits)))
