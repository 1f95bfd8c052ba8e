"""tf.one_hot's default axis, which puts one example per row: shape (m, depth).

test: test_one_hot_matrix
message: Pass axis=0
"""
def one_hot_matrix(labels, depth=6):
    return tf.one_hot(labels, depth)
