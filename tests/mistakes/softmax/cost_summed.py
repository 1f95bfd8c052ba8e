"""The cost summed over examples instead of averaged.

test: test_cross_entropy_cost
message: times too large
"""
def cross_entropy_cost(Y_hat, Y):
    return float(-np.sum(Y * np.log(np.clip(Y_hat, 1e-12, 1.0))))
