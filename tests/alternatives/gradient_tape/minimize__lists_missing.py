"""Checks the gradients first with all(), and reports every variable without one."""
def minimize(optimizer, cost_fn, var_list):
    variables = list(var_list)
    with tf.GradientTape() as tape:
        cost = cost_fn()
    gradients = tape.gradient(cost, variables)
    missing = [v.name for v, g in zip(variables, gradients) if g is None]
    if missing:
        raise ValueError(f"No gradients provided for variables: {missing}")
    optimizer.apply_gradients(list(zip(gradients, variables)))
    return cost
