"""eps forgotten.

test: test_batchnorm_forward
message: eps is missing
"""
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    sigma = np.sqrt(Z.var(axis=1, keepdims=True))
    Z_norm = (Z - mu) / sigma
    return gamma * Z_norm + beta, (Z_norm, gamma, sigma)
