"""Reference implementations for the ``softmax`` assignment (float64, column-major: Z is (C, m))."""
import numpy as np

EPSILON = 1e-12  # probabilities are clipped here before the log


def softmax(Z):
    T = np.exp(Z - Z.max(axis=0, keepdims=True))
    return T / T.sum(axis=0, keepdims=True)


def hardmax(Z):
    return (np.arange(Z.shape[0])[:, None] == Z.argmax(axis=0)[None, :]).astype(np.float64)


def one_hot(labels, C):
    labels = np.asarray(labels)
    return (np.arange(C)[:, None] == labels[None, :]).astype(np.float64)


def cross_entropy_cost(Y_hat, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(np.clip(Y_hat, EPSILON, 1.0))) / m)


def softmax_jacobian(z):
    s = softmax(np.asarray(z, dtype=np.float64).reshape(-1, 1)).ravel()
    return np.diag(s) - np.outer(s, s)


def softmax_cross_entropy_backward(Z, Y):
    return softmax(Z) - Y


def sigmoid(t):
    t = np.asarray(t, dtype=np.float64)
    e = np.exp(-np.abs(t))
    return np.where(t >= 0, 1 / (1 + e), e / (1 + e))


def predict(W, b, X):
    return np.argmax(W @ X + b, axis=0)


def train_softmax_regression(X, Y, learning_rate, num_iterations, seed):
    rng = np.random.default_rng(seed)
    W = rng.normal(0, 0.01, (Y.shape[0], X.shape[0]))
    return gradient_descent(X, Y, W, np.zeros((Y.shape[0], 1)), learning_rate, num_iterations)


def gradient_descent(X, Y, W, b, learning_rate, steps):
    """``steps`` steps of batch gradient descent on the mean cross-entropy from (W, b); returns the
    final (W, b) and the list of the costs before each step."""
    costs = []
    for _ in range(steps):
        costs.append(cross_entropy_cost(softmax(W @ X + b), Y))
        dW, db = gradients(X, Y, W, b)
        W, b = W - learning_rate * dW, b - learning_rate * db
    return W, b, costs


def gradients(X, Y, W, b):
    """(dW, db) of the mean cross-entropy of softmax(W X + b) against Y."""
    dZ = (softmax(W @ X + b) - Y) / X.shape[1]
    return dZ @ X.T, dZ.sum(axis=1, keepdims=True)


def blobs(n_per_class, centres, spread, seed):
    """A 2-D dataset: X (2, m) float64 and labels (m,) int, Gaussian clusters around ``centres``."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(c, spread, (n_per_class, 2)) for c in centres]).T
    labels = np.repeat(np.arange(len(centres)), n_per_class)
    order = rng.permutation(labels.size)
    return X[:, order], labels[order]
