"""Keras 3's optimizer.apply(grads, variables), and a persistent tape."""
def train_step(w, optimizer, cost_fn):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(w)
        cost = tf.convert_to_tensor(cost_fn())
    gradient = tape.gradient(cost, w)
    del tape
    optimizer.apply([gradient], [w])
    return cost
