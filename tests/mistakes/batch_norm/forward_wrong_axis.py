"""Statistics over the units of each example instead of over the examples of each unit.

test: test_batchnorm_forward
message: taken across units
"""
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=0, keepdims=True)
    sigma = np.sqrt(Z.var(axis=0, keepdims=True) + eps)
    Z_norm = (Z - mu) / sigma
    return gamma * Z_norm + beta, (Z_norm, gamma, sigma)
