"""The log of 0: no clipping before the log.

test: test_cross_entropy_cost
message: clip Y_hat
"""
def cross_entropy_cost(Y_hat, Y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.sum(Y * np.log(Y_hat)) / Y.shape[1])
