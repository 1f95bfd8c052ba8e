"""A variable with no gradient is skipped silently instead of raising ValueError.

test: test_minimize
message: expected a ValueError
"""
def minimize(optimizer, cost_fn, var_list):
    with tf.GradientTape() as tape:
        cost = cost_fn()
    grads = tape.gradient(cost, var_list)
    pairs = [(g, v) for g, v in zip(grads, var_list) if g is not None]
    optimizer.apply_gradients(pairs)
    return cost
