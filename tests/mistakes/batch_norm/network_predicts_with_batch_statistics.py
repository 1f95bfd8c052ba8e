"""A network whose test mode normalises with the statistics of the batch it is given.

test: test_train_bn_network
message: running averages
"""
def predict_bn_network(X, params, running):
    L = sum(key.startswith("W") for key in params)
    A = X
    for l in range(1, L):
        A = np.maximum(batchnorm_forward(params[f"W{l}"] @ A, params[f"gamma{l}"], params[f"beta{l}"])[0], 0)
    return np.argmax(params[f"W{L}"] @ A + params[f"b{L}"], axis=0)
