"""Float64 numpy reference for ``gradient_tape``: what TensorFlow should compute, without TensorFlow.

Shapes follow the course: examples are columns. ``X`` is (n_x, m), ``W_l`` is (n_l, n_{l-1}),
``b_l`` is (n_l, 1), logits and one-hot labels are (C, m).
"""
import numpy as np

# Keras 3 defaults
ADAM_BETA_1, ADAM_BETA_2, ADAM_EPSILON = 0.9, 0.999, 1e-7
RMSPROP_RHO, RMSPROP_EPSILON = 0.9, 1e-7


def quadratic_cost(w, x):
    """x[0] w^2 + x[1] w + x[2], elementwise in w."""
    return x[0] * np.asarray(w, dtype=np.float64) ** 2 + x[1] * w + x[2]


def quadratic_gradient(w, x):
    """d/dw of quadratic_cost."""
    return 2 * x[0] * np.asarray(w, dtype=np.float64) + x[1]


def optimize_quadratic(x, learning_rate, num_steps, optimizer_name, w0=0.0):
    """w after ``num_steps`` of the named Keras optimizer on quadratic_cost(w, x), from w0."""
    w, first, second = float(w0), 0.0, 0.0
    for step in range(1, num_steps + 1):
        g = float(quadratic_gradient(w, x))
        if optimizer_name == "sgd":
            w -= learning_rate * g
        elif optimizer_name == "rmsprop":
            second = RMSPROP_RHO * second + (1 - RMSPROP_RHO) * g * g
            w -= learning_rate * g / np.sqrt(second + RMSPROP_EPSILON)
        elif optimizer_name == "adam":
            first += (g - first) * (1 - ADAM_BETA_1)
            second += (g * g - second) * (1 - ADAM_BETA_2)
            alpha = learning_rate * np.sqrt(1 - ADAM_BETA_2 ** step) / (1 - ADAM_BETA_1 ** step)
            w -= alpha * first / (np.sqrt(second) + ADAM_EPSILON)
        else:
            raise ValueError(optimizer_name)
    return w


def one_hot(labels, depth):
    """(depth, m) one-hot columns of integer labels (m,)."""
    return (np.arange(depth)[:, None] == np.asarray(labels)[None, :]).astype(np.float64)


def glorot_std(fan_in, fan_out):
    """Standard deviation of Glorot (Xavier) initialisation: sqrt(2 / (fan_in + fan_out))."""
    return np.sqrt(2.0 / (fan_in + fan_out))


def relu(Z):
    return np.maximum(Z, 0)


def forward_propagation(X, parameters):
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR; returns the logits (C, m)."""
    A = np.asarray(X, dtype=np.float64)
    layers = len(parameters) // 2
    for layer in range(1, layers + 1):
        Z = np.asarray(parameters[f"W{layer}"], np.float64) @ A + np.asarray(parameters[f"b{layer}"], np.float64)
        A = relu(Z) if layer < layers else Z
    return A


def log_softmax(Z, axis=0):
    shifted = Z - Z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def total_loss(logits, labels):
    """Sum over the m examples (columns) of the cross-entropy of softmax(logits) against labels."""
    return float(-(labels * log_softmax(np.asarray(logits, np.float64), axis=0)).sum())


def total_loss_untransposed(logits, labels):
    """What Keras's categorical_crossentropy gives when handed (C, m) arrays: rows taken as examples."""
    return float(-(labels * log_softmax(np.asarray(logits, np.float64), axis=1)).sum())


def accuracy(parameters, X, labels):
    """Fraction of columns of X whose largest logit is the true label (integer labels (m,))."""
    return float(np.mean(np.argmax(forward_propagation(X, parameters), axis=0) == labels))
