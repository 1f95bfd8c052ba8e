"""A Jacobian missing its diagonal term: -s s^T only.

test: test_softmax_jacobian
message: the diagonal term is missing
"""
def softmax_jacobian(z):
    s = softmax(np.asarray(z, dtype=np.float64).reshape(-1, 1)).ravel()
    return -np.outer(s, s)
