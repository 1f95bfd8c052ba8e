"""The sign of the exponent flipped: 1 / (1 + e^t).

test: test_sigmoid
message: the values decrease as t grows
"""
def sigmoid(t):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(np.asarray(t, dtype=np.float64)))
