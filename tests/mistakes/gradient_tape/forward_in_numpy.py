"""Forward propagation computed in numpy, so no gradient can flow back to the parameters.

test: test_forward_propagation
message: Use TensorFlow operations
"""
def forward_propagation(X, parameters):
    P = {name: value.numpy() for name, value in parameters.items()}
    A1 = np.maximum(P["W1"] @ np.asarray(X) + P["b1"], 0)
    A2 = np.maximum(P["W2"] @ A1 + P["b2"], 0)
    return P["W3"] @ A2 + P["b3"]
