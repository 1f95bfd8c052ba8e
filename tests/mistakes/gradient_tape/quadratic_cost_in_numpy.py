"""The cost computed on w.numpy(), a plain number the tape cannot follow.

test: test_quadratic_cost
message: expected a tf.Tensor
"""
def quadratic_cost(w, x):
    value = np.asarray(w.numpy(), dtype=np.float64)
    return x[0] * value ** 2 + x[1] * value + x[2]
