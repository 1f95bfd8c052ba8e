"""minimize differentiates every variable the tape watched instead of only var_list.

test: test_minimize
message: although var_list holds only a
"""
def minimize(optimizer, cost_fn, var_list):
    with tf.GradientTape() as tape:
        cost = cost_fn()
    variables = tape.watched_variables()
    grads = tape.gradient(cost, variables)
    optimizer.apply_gradients(zip(grads, variables))
    return cost
