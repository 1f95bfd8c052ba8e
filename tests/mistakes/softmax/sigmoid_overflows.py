"""sigmoid written as e^t / (1 + e^t), which is inf / inf for large t.

test: test_sigmoid
message: inf or nan for large |t|
"""
def sigmoid(t):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.asarray(t, dtype=np.float64))
        return e / (1 + e)
