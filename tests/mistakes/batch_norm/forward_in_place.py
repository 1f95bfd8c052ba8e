"""The input Z centred in place.

test: test_batchnorm_forward
message: changed its input Z in place
"""
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    Z -= Z.mean(axis=1, keepdims=True)
    sigma = np.sqrt(Z.var(axis=1, keepdims=True) + eps)
    Z /= sigma
    return gamma * Z + beta, (Z.copy(), gamma, sigma)
