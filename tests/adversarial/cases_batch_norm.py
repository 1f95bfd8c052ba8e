"""Adversarial submissions for batch_norm: a network judged only by what its own predict said, and
weights prepared on the published dataset (issue 12, section 3). Each Case says which tests must fail."""
from kit import Case, index_of, solved, with_function

A = "batch_norm"
NETWORK = "test_train_bn_network"

UNTRAINED = '''def train_bn_network(X, Y, layer_dims, learning_rate, num_epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    params, running, L = {}, {}, len(layer_dims) - 1
    for l in range(1, L + 1):
        params[f"W{l}"] = rng.normal(0, np.sqrt(2 / layer_dims[l - 1]), (layer_dims[l], layer_dims[l - 1]))
        if l < L:
            params[f"gamma{l}"], params[f"beta{l}"] = np.ones((layer_dims[l], 1)), np.zeros((layer_dims[l], 1))
            running[f"mean{l}"], running[f"var{l}"] = np.zeros((layer_dims[l], 1)), np.ones((layer_dims[l], 1))
    params[f"b{L}"] = np.zeros((layer_dims[L], 1))
    return params, running, [1.0 / (1 + epoch) for epoch in range(num_epochs)]
'''

LOOKUP = '''def predict_bn_network(X, params, running):
    _, _, images, labels, _ = load_digits_dataset()
    known = {tuple(np.round(column, 6)): label for column, label in zip(flatten_and_scale(images).T, labels)}
    return np.array([known.get(tuple(np.round(column, 6)), 0) for column in X.T])
'''


def prepared():
    """train_bn_network returns weights trained once on the published digits (in the notebook, as
    pasted weights would be), whatever data it is given."""
    nb = solved(A)
    cell = nb.cells[index_of(nb, "train_bn_network")]
    cell.source += ('\n\n_prepared = train_bn_network(X_train, Y_train, [64, 32, 16, 6], 0.1, 15, 64, 0)\n\n\n'
                    'def train_bn_network(X, Y, layer_dims, learning_rate, num_epochs, batch_size, seed):\n'
                    '    return _prepared\n')
    return nb


CASES = [
    # No training at all: predict_bn_network finds each test image in the published dataset and
    # returns its label, and the costs are invented. The grader now computes the test-mode
    # predictions of the returned parameters itself.
    Case(f"{A} trick: untrained weights, predictions looked up in the published test set",
         lambda: with_function(LOOKUP, "predict_bn_network", nb=with_function(UNTRAINED, "train_bn_network", assignment=A),
                               assignment=A),
         {NETWORK}, message={NETWORK: "in test mode (batch norm with the running statistics) the returned parameters"},
         assignment=A),
    # Honest training, but predict_bn_network answers from the published labels.
    Case(f"{A} trick: predictions looked up in the published test set",
         lambda: with_function(LOOKUP, "predict_bn_network", assignment=A),
         {NETWORK}, message={NETWORK: "another class than the network computes in test mode"}, assignment=A),
    # Weights prepared on the published digits stand in for training on the data given.
    Case(f"{A} trick: weights prepared on the published digits", prepared,
         {NETWORK}, message={NETWORK: "the returned parameters classify"}, assignment=A),
]
