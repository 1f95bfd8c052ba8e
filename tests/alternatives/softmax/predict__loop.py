"""A loop over examples returning a Python-int array."""
def predict(W, b, X):
    return np.array([int(np.argmax(W @ X[:, [k]] + b)) for k in range(X.shape[1])])
