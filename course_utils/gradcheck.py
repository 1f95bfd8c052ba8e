"""Relative error and centred finite-difference gradients, for checking backward passes."""
import numpy as np


def rel_error(x, y):
    """Largest relative error ``|x - y| / max(1e-8, |x| + |y|)`` over all entries."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of a scalar function.

    Inputs:
        f: callable taking ``x`` and returning a scalar
        x: float64 array of any shape; changed during the call and restored afterwards
        h: step size
    Returns:
        grad: array with the shape of ``x``, grad[i] ≈ (f(x + h e_i) - f(x - h e_i)) / 2h
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = float(f(x))
        x[idx] = old - h
        f_minus = float(f(x))
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient_array(f, x, upstream, h=1e-5):
    """Centred-difference gradient of ``sum(f(x) * upstream)`` for an array-valued ``f``.

    This is the gradient a backward pass returns when it receives ``upstream`` (the gradient of
    the loss with respect to ``f(x)``, same shape as ``f(x)``). ``x`` is restored afterwards.
    """
    upstream = np.asarray(upstream, dtype=np.float64)
    return numerical_gradient(lambda z: np.sum(f(z) * upstream), x, h)
