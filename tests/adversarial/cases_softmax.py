"""Adversarial submissions for softmax: a trained model that did not train (issue 12, section 3).
Each Case says which tests must fail and a phrase of the message."""
from kit import Case, with_function

A = "softmax"
TRAIN = "train_softmax_regression"
SIGNATURE = "def train_softmax_regression(X, Y, learning_rate, num_iterations, seed):\n"
CENTROIDS = ("    labels = Y.argmax(axis=0)\n"
             "    W = np.stack([X[:, labels == k].mean(axis=1) for k in range(Y.shape[0])])\n"
             "    b = -0.5 * (W ** 2).sum(axis=1, keepdims=True)\n")


def untrained(name, body):
    """A train_softmax_regression that returns class-centroid weights (a good classifier on these
    clusters) without doing gradient descent; only its own test must fail, naming the descent."""
    return Case(f"{A} trick: {name}", lambda: with_function(SIGNATURE + body, TRAIN, assignment=A), {f"test_{TRAIN}"},
                message={f"test_{TRAIN}": "gradient descent with learning_rate=0.5"}, assignment=A)


CASES = [
    # The attack: full marks with class-centroid weights and an invented cost list.
    untrained("class-centroid weights and invented costs",
              CENTROIDS + "    return W, b, [1 / (1 + i) for i in range(num_iterations)]\n"),
    # Costs that do belong to weights, along a path of its own from small weights to the centroids.
    untrained("class-centroid weights with the costs of a path to them",
              CENTROIDS + "    costs = []\n    for i in range(num_iterations):\n"
                          "        scale = i / num_iterations\n"
                          "        costs.append(cross_entropy_cost(softmax(scale * W @ X + scale * b), Y))\n"
                          "    return W, b, costs\n"),
    # One honest step when asked for one, the centroids otherwise.
    untrained("one real step, class-centroid weights for longer runs",
              "    W0, b0 = np.random.default_rng(seed).normal(0, 0.01, (Y.shape[0], X.shape[0])), np.zeros((Y.shape[0], 1))\n"
              "    Z = W0 @ X + b0\n    first = cross_entropy_cost(softmax(Z), Y)\n"
              "    dZ = softmax_cross_entropy_backward(Z, Y) / X.shape[1]\n"
              "    if num_iterations == 1:\n"
              "        return W0 - learning_rate * dZ @ X.T, b0 - learning_rate * dZ.sum(axis=1, keepdims=True), [first]\n"
              + CENTROIDS + "    return W, b, [first] + [cross_entropy_cost(softmax(W @ X + b), Y)] * (num_iterations - 1)\n"),
    # Real gradient descent, with the costs made up.
    untrained("real training, invented costs",
              "    W, b = np.random.default_rng(seed).normal(0, 0.01, (Y.shape[0], X.shape[0])), np.zeros((Y.shape[0], 1))\n"
              "    for _ in range(num_iterations):\n"
              "        dZ = softmax_cross_entropy_backward(W @ X + b, Y) / X.shape[1]\n"
              "        W, b = W - learning_rate * dZ @ X.T, b - learning_rate * dZ.sum(axis=1, keepdims=True)\n"
              "    return W, b, [1.5 - i / num_iterations for i in range(num_iterations)]\n"),
]
