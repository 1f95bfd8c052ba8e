"""Double loop over the two cases of the quotient rule."""
def softmax_jacobian(z):
    z = np.ravel(z)
    s = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    J = np.zeros((z.size, z.size))
    for i in range(z.size):
        for j in range(z.size):
            J[i, j] = s[i] * (1 - s[i]) if i == j else -s[i] * s[j]
    return J
