"""The variance computed with ddof=1 (the unbiased estimate) instead of 1/m.

test: test_batchnorm_forward
message: ddof=1
"""
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, ddof=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_norm + beta, (Z_norm, gamma, np.sqrt(var + eps))
