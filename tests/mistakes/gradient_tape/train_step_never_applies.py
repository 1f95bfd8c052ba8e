"""Gradients computed but never applied: the variable never moves.

test: test_train_step
message: w did not change
"""
def train_step(w, optimizer, cost_fn):
    with tf.GradientTape() as tape:
        cost = cost_fn()
    grads = tape.gradient(cost, [w])
    return cost
