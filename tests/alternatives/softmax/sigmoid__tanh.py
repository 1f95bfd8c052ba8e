"""The identity sigma(t) = (1 + tanh(t / 2)) / 2."""
def sigmoid(t):
    return 0.5 * (1.0 + np.tanh(np.asarray(t) / 2.0))
