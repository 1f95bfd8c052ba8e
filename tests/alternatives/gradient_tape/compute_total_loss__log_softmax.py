"""The loss written out: minus the sum of labels times log_softmax over the classes (axis 0)."""
def compute_total_loss(logits, labels):
    return -tf.reduce_sum(labels * tf.nn.log_softmax(logits, axis=0))
