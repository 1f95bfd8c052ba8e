"""one_hot returns (m, C), one row per example.

test: test_one_hot
message: transposed
"""
def one_hot(labels, C):
    return np.eye(C)[np.asarray(labels)]
