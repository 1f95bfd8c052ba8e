"""The cost returned is recomputed after the step instead of the one the step was taken on.

test: test_train_step
message: before the step
"""
def train_step(w, optimizer, cost_fn):
    with tf.GradientTape() as tape:
        cost = cost_fn()
    grads = tape.gradient(cost, [w])
    optimizer.apply_gradients(zip(grads, [w]))
    return cost_fn()
