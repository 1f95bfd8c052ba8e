"""dgamma and dbeta summed without keepdims, shape (n_units,) instead of (n_units, 1).

test: test_batchnorm_backward
message: expected shape (5, 1)
"""
def batchnorm_backward(dZ_tilde, cache):
    Z_norm, gamma, sigma = cache
    m = dZ_tilde.shape[1]
    dZ_norm = gamma * dZ_tilde
    dZ = (m * dZ_norm - dZ_norm.sum(axis=1, keepdims=True)
          - Z_norm * (dZ_norm * Z_norm).sum(axis=1, keepdims=True)) / (m * sigma)
    return dZ, (dZ_tilde * Z_norm).sum(axis=1), dZ_tilde.sum(axis=1)
