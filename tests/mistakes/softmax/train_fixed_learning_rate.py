"""A learning rate of its own (0.1) instead of the learning_rate argument.

test: test_train_softmax_regression
message: step of gradient descent with learning_rate=0.5
"""
def train_softmax_regression(X, Y, learning_rate, num_iterations, seed):
    rng = np.random.default_rng(seed)
    W, b, costs = rng.normal(0, 0.01, (Y.shape[0], X.shape[0])), np.zeros((Y.shape[0], 1)), []
    for _ in range(num_iterations):
        Z = W @ X + b
        costs.append(cross_entropy_cost(softmax(Z), Y))
        dZ = softmax_cross_entropy_backward(Z, Y) / Y.shape[1]
        W, b = W - 0.1 * dZ @ X.T, b - 0.1 * dZ.sum(axis=1, keepdims=True)
    return W, b, costs
