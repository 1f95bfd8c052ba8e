"""A dict cache holding the raw inputs and statistics, and the variance as a mean of squares."""
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = np.mean(Z, axis=1, keepdims=True)
    var = np.mean((Z - mu) ** 2, axis=1, keepdims=True)
    Z_tilde = gamma * (Z - mu) / np.sqrt(var + eps) + beta
    return Z_tilde, {"Z": Z, "mu": mu, "var": var, "gamma": gamma, "eps": eps}
