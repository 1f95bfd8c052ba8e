"""Each cost recorded after the step instead of before it.

test: test_train_softmax_regression
message: each cost is recorded after its step
"""
def train_softmax_regression(X, Y, learning_rate, num_iterations, seed):
    rng = np.random.default_rng(seed)
    W, b, costs = rng.normal(0, 0.01, (Y.shape[0], X.shape[0])), np.zeros((Y.shape[0], 1)), []
    for _ in range(num_iterations):
        dZ = softmax_cross_entropy_backward(W @ X + b, Y) / Y.shape[1]
        W, b = W - learning_rate * dZ @ X.T, b - learning_rate * dZ.sum(axis=1, keepdims=True)
        costs.append(cross_entropy_cost(softmax(W @ X + b), Y))
    return W, b, costs
