"""One column at a time in a Python loop."""
def softmax(Z):
    A = np.empty(Z.shape)
    for k in range(Z.shape[1]):
        t = np.exp(Z[:, k] - max(Z[:, k]))
        A[:, k] = t / t.sum()
    return A
