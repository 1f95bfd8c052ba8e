"""Keras's categorical_crossentropy called on (C, m) tensors, which it reads as one example per row.

test: test_compute_total_loss
message: transpose logits and labels
"""
def compute_total_loss(logits, labels):
    return tf.reduce_sum(tf.keras.losses.categorical_crossentropy(labels, logits, from_logits=True))
