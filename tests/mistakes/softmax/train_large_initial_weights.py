"""Initial weights with a standard deviation of 10, far from the small start the exercise asks for.

test: test_train_softmax_regression
message: Start from small random W
"""
def train_softmax_regression(X, Y, learning_rate, num_iterations, seed):
    rng = np.random.default_rng(seed)
    W, b, costs = 10 * rng.standard_normal((Y.shape[0], X.shape[0])), np.zeros((Y.shape[0], 1)), []
    for _ in range(num_iterations):
        Z = W @ X + b
        costs.append(cross_entropy_cost(softmax(Z), Y))
        dZ = softmax_cross_entropy_backward(Z, Y) / Y.shape[1]
        W, b = W - learning_rate * dZ @ X.T, b - learning_rate * dZ.sum(axis=1, keepdims=True)
    return W, b, costs
