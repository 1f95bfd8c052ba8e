"""The cost computed before the tape starts recording, so the tape has nothing to differentiate.

test: test_train_step
message: inside `with tf.GradientTape() as tape:`
"""
def train_step(w, optimizer, cost_fn):
    cost = cost_fn()
    with tf.GradientTape() as tape:
        pass
    grads = tape.gradient(cost, [w])
    if grads[0] is not None:
        optimizer.apply_gradients(zip(grads, [w]))
    return cost
