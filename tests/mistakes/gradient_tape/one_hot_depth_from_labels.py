"""The depth taken from the largest label seen instead of the depth argument.

test: test_one_hot_matrix
message: Use the depth argument
"""
def one_hot_matrix(labels, depth=6):
    return tf.one_hot(labels, int(tf.reduce_max(labels)) + 1, axis=0)
