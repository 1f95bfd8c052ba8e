"""Each epoch's cost is the sum of the losses, never divided by m.

test: test_model
message: divided once by m
"""
def model(X_train, Y_train, X_test, Y_test, learning_rate=0.01, num_epochs=30, minibatch_size=64, seed=1):
    tf.random.set_seed(seed)
    m = X_train.shape[1]
    parameters = initialize_parameters([X_train.shape[0], 25, 12, Y_train.shape[0]], seed)
    variables = list(parameters.values())
    optimizer = tf.keras.optimizers.Adam(learning_rate)
    batches = (tf.data.Dataset.from_tensor_slices((X_train.T, Y_train.T))
               .shuffle(m, seed=seed).batch(minibatch_size).prefetch(tf.data.AUTOTUNE))
    costs, train_acc, test_acc = [], [], []
    for epoch in range(num_epochs):
        epoch_total = 0.0
        for X_batch, Y_batch in batches:
            with tf.GradientTape() as tape:
                batch_total = compute_total_loss(forward_propagation(tf.transpose(X_batch), parameters),
                                                 tf.transpose(Y_batch))
            optimizer.apply_gradients(zip(tape.gradient(batch_total, variables), variables))
            epoch_total += float(batch_total)
        costs.append(epoch_total)
        train_acc.append(accuracy(X_train, Y_train, parameters))
        test_acc.append(accuracy(X_test, Y_test, parameters))
    return parameters, costs, train_acc, test_acc
