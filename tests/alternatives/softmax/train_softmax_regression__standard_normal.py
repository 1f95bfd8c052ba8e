"""Another draw for the initial weights, and the gradients written out in full."""
def train_softmax_regression(X, Y, learning_rate, num_iterations, seed):
    rng = np.random.default_rng(seed)
    W = 0.01 * rng.standard_normal((Y.shape[0], X.shape[0]))
    b = np.zeros((Y.shape[0], 1))
    costs = []
    m = X.shape[1]
    for _ in range(num_iterations):
        A = softmax(np.dot(W, X) + b)
        costs.append(cross_entropy_cost(A, Y))
        dW = np.dot(A - Y, X.T) / m
        db = np.sum(A - Y, axis=1, keepdims=True) / m
        W -= learning_rate * dW
        b -= learning_rate * db
    return W, b, costs
