"""Mini-batches from a seeded tf.data shuffle of indices, minimize() for the steps, and accuracy in numpy."""
def model(X_train, Y_train, X_test, Y_test, learning_rate=0.01, num_epochs=30, minibatch_size=64, seed=1):
    tf.random.set_seed(seed)
    n_x, m = X_train.shape
    parameters = initialize_parameters([n_x, 25, 12, Y_train.shape[0]], seed)
    optimizer = tf.keras.optimizers.Adam(learning_rate=learning_rate)
    order = tf.data.Dataset.range(m).shuffle(m, seed=seed).batch(minibatch_size)
    X_all, Y_all = tf.constant(X_train), tf.constant(Y_train)

    def fraction_right(X, Y):
        logits = forward_propagation(tf.constant(X), parameters).numpy()
        return float(np.mean(logits.argmax(axis=0) == np.asarray(Y).argmax(axis=0)))

    costs, train_acc, test_acc = [], [], []
    for _ in range(num_epochs):
        total = tf.constant(0.0)
        for indices in order:
            X_batch, Y_batch = tf.gather(X_all, indices, axis=1), tf.gather(Y_all, indices, axis=1)
            total += minimize(optimizer, lambda: compute_total_loss(forward_propagation(X_batch, parameters), Y_batch),
                              list(parameters.values()))
        costs.append(float(total) / m)
        train_acc.append(fraction_right(X_train, Y_train))
        test_acc.append(fraction_right(X_test, Y_test))
    return parameters, costs, train_acc, test_acc
