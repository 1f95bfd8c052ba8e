"""A backward pass that treats mu and var as constants.

test: test_batchnorm_backward
message: treats mu and var as constants
"""
def batchnorm_backward(dZ_tilde, cache):
    Z_norm, gamma, sigma = cache
    return (gamma * dZ_tilde / sigma, (dZ_tilde * Z_norm).sum(axis=1, keepdims=True),
            dZ_tilde.sum(axis=1, keepdims=True))
