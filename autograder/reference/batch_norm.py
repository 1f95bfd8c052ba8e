"""Reference implementations for the ``batch_norm`` assignment (float64, Z is (n_units, m))."""
import numpy as np


def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    Z_norm = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_norm + beta, (Z_norm, gamma, np.sqrt(var + eps))


def batchnorm_backward(dZ_tilde, cache):
    Z_norm, gamma, sigma = cache
    m = dZ_tilde.shape[1]
    dbeta = dZ_tilde.sum(axis=1, keepdims=True)
    dgamma = (dZ_tilde * Z_norm).sum(axis=1, keepdims=True)
    dZ_norm = gamma * dZ_tilde
    dZ = (m * dZ_norm - dZ_norm.sum(axis=1, keepdims=True)
          - Z_norm * (dZ_norm * Z_norm).sum(axis=1, keepdims=True)) / (m * sigma)
    return dZ, dgamma, dbeta


def update_running_stats(running_mean, running_var, mu, var, momentum=0.9):
    return momentum * running_mean + (1 - momentum) * mu, momentum * running_var + (1 - momentum) * var


def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (Z - running_mean) / np.sqrt(running_var + eps) + beta


def softmax(Z):
    T = np.exp(Z - Z.max(axis=0, keepdims=True))
    return T / T.sum(axis=0, keepdims=True)


def init_bn_network(layer_dims, rng):
    """He-initialised W for every layer; gamma = 1, beta = 0 for the hidden BN layers; b for the output."""
    params, L = {}, len(layer_dims) - 1
    for l in range(1, L + 1):
        params[f"W{l}"] = rng.normal(0, np.sqrt(2 / layer_dims[l - 1]), (layer_dims[l], layer_dims[l - 1]))
        if l < L:
            params[f"gamma{l}"], params[f"beta{l}"] = np.ones((layer_dims[l], 1)), np.zeros((layer_dims[l], 1))
    params[f"b{L}"] = np.zeros((layer_dims[L], 1))
    return params


def bn_network_forward(X, params, running, training, momentum=0.9):
    """LINEAR (no bias) -> BN -> ReLU for the hidden layers, LINEAR -> softmax at the output."""
    L = sum(key.startswith("W") for key in params)
    A, caches = X, []
    for l in range(1, L):
        Z = params[f"W{l}"] @ A
        if training:
            Z_tilde, bn_cache = batchnorm_forward(Z, params[f"gamma{l}"], params[f"beta{l}"])
            running[f"mean{l}"], running[f"var{l}"] = update_running_stats(
                running.get(f"mean{l}", Z.mean(axis=1, keepdims=True)), running.get(f"var{l}", Z.var(axis=1, keepdims=True)),
                Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True), momentum)
        else:
            Z_tilde, bn_cache = batchnorm_inference(Z, params[f"gamma{l}"], params[f"beta{l}"],
                                                    running[f"mean{l}"], running[f"var{l}"]), None
        caches.append((A, bn_cache, Z_tilde))
        A = np.maximum(Z_tilde, 0)
    return softmax(params[f"W{L}"] @ A + params[f"b{L}"]), caches, A


def train_bn_network(X, Y, layer_dims, learning_rate, num_epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    params, running, costs = init_bn_network(layer_dims, rng), {}, []
    L, m = len(layer_dims) - 1, X.shape[1]
    for _ in range(num_epochs):
        order, total = rng.permutation(m), 0.0
        for start in range(0, m, batch_size):
            idx = order[start:start + batch_size]
            Xb, Yb = X[:, idx], Y[:, idx]
            A_out, caches, A_last = bn_network_forward(Xb, params, running, training=True)
            total += -np.sum(Yb * np.log(np.clip(A_out, 1e-12, 1)))
            dZ = (A_out - Yb) / len(idx)
            grads = {f"W{L}": dZ @ A_last.T, f"b{L}": dZ.sum(axis=1, keepdims=True)}
            dA = params[f"W{L}"].T @ dZ
            for l in range(L - 1, 0, -1):
                A_prev, bn_cache, Z_tilde = caches[l - 1]
                dZ, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(dA * (Z_tilde > 0), bn_cache)
                grads[f"W{l}"] = dZ @ A_prev.T
                dA = params[f"W{l}"].T @ dZ
            for key in params:
                params[key] = params[key] - learning_rate * grads[key]
        costs.append(total / m)
    return params, running, costs


def predict_bn_network(X, params, running):
    A_out, _, _ = bn_network_forward(X, params, running, training=False)
    return A_out.argmax(axis=0)
