"""The input modified in place by the max-shift.

test: test_softmax
message: changed its input Z
"""
def softmax(Z):
    Z -= Z.max(axis=0, keepdims=True)
    T = np.exp(Z)
    return T / T.sum(axis=0, keepdims=True)
