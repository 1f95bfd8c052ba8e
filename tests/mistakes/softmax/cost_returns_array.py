"""The cost returned as a numpy array rather than a Python float.

test: test_cross_entropy_cost
message: expected a Python float
"""
def cross_entropy_cost(Y_hat, Y):
    return np.array([-np.sum(Y * np.log(np.clip(Y_hat, 1e-12, 1.0))) / Y.shape[1]])
