"""The step-by-step chain rule through var and mu, reading the dict cache above."""
def batchnorm_backward(dZ_tilde, cache):
    Z, mu, var, gamma, eps = cache["Z"], cache["mu"], cache["var"], cache["gamma"], cache["eps"]
    m = Z.shape[1]
    inv = 1.0 / np.sqrt(var + eps)
    Z_norm = (Z - mu) * inv
    dZ_norm = dZ_tilde * gamma
    dvar = np.sum(dZ_norm * (Z - mu), axis=1, keepdims=True) * -0.5 * inv ** 3
    dmu = np.sum(-dZ_norm * inv, axis=1, keepdims=True) + dvar * np.mean(-2 * (Z - mu), axis=1, keepdims=True)
    dZ = dZ_norm * inv + dvar * 2 * (Z - mu) / m + dmu / m
    return dZ, np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True), np.sum(dZ_tilde, axis=1, keepdims=True)
