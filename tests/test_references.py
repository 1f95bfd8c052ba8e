"""The float64 references that the hidden checks compare against are themselves right: their
gradients agree with centred finite differences to a relative error below 1e-7, and the
TensorFlow reference agrees with TensorFlow itself."""
import numpy as np
import pytest

from autograder.reference import batch_norm as bn
from autograder.reference import softmax as sm
from course_utils.gradcheck import numerical_gradient, numerical_gradient_array, rel_error
from course_utils.seeding import make_rng


def test_batchnorm_backward_matches_finite_differences():
    rng = make_rng(0)
    Z, gamma, beta = rng.normal(1, 2, (4, 9)), rng.normal(size=(4, 1)), rng.normal(size=(4, 1))
    upstream = rng.normal(size=Z.shape)
    dZ, dgamma, dbeta = bn.batchnorm_backward(upstream, bn.batchnorm_forward(Z, gamma, beta)[1])
    assert rel_error(dZ, numerical_gradient_array(lambda z: bn.batchnorm_forward(z, gamma, beta)[0], Z.copy(), upstream)) < 1e-7
    assert rel_error(dgamma, numerical_gradient_array(lambda g: bn.batchnorm_forward(Z, g, beta)[0], gamma.copy(), upstream)) < 1e-7
    assert rel_error(dbeta, numerical_gradient_array(lambda b: bn.batchnorm_forward(Z, gamma, b)[0], beta.copy(), upstream)) < 1e-7


def test_softmax_jacobian_and_backward_match_finite_differences():
    rng = make_rng(1)
    z = rng.normal(size=5)
    numeric = np.array([numerical_gradient(lambda v: sm.softmax(v.reshape(-1, 1))[i, 0], z.copy()) for i in range(5)])
    assert rel_error(sm.softmax_jacobian(z), numeric) < 1e-7
    Z, Y = rng.normal(size=(4, 6)), sm.one_hot(rng.integers(0, 4, 6), 4)
    summed_loss = lambda v: -np.sum(Y * np.log(sm.softmax(v)))  # noqa: E731
    assert rel_error(sm.softmax_cross_entropy_backward(Z, Y), numerical_gradient(summed_loss, Z.copy())) < 1e-7


def test_reference_softmax_is_stable_and_sigmoid_is_the_two_class_case():
    Z = np.array([[1000.0, -1000.0], [999.0, -1001.0]])
    assert np.all(np.isfinite(sm.softmax(Z))) and np.allclose(sm.softmax(Z).sum(axis=0), 1)
    t = np.linspace(-50, 50, 11)
    assert np.allclose(sm.sigmoid(t), sm.softmax(np.vstack([t, np.zeros_like(t)]))[0])


def test_running_statistics_converge_to_the_population():
    rng = make_rng(2)
    mean, var = np.zeros((3, 1)), np.ones((3, 1))
    for _ in range(200):
        batch = rng.normal(4.0, 2.0, (3, 256))
        mean, var = bn.update_running_stats(mean, var, batch.mean(axis=1, keepdims=True), batch.var(axis=1, keepdims=True))
    assert np.allclose(mean, 4.0, atol=0.2) and np.allclose(var, 4.0, atol=0.5)


def test_gradient_tape_reference_agrees_with_tensorflow():
    tf = pytest.importorskip("tensorflow")
    from autograder.reference import gradient_tape as gt
    x = [2.0, 4.0, -1.0]
    for name, optimizer, steps, learning_rate in (("sgd", tf.keras.optimizers.SGD, 40, 0.05),
                                                  ("rmsprop", tf.keras.optimizers.RMSprop, 60, 0.01),
                                                  ("adam", tf.keras.optimizers.Adam, 25, 0.1)):
        w, keras_optimizer = tf.Variable(0.0, dtype=tf.float64), optimizer(learning_rate=learning_rate)
        for _ in range(steps):
            with tf.GradientTape() as tape:
                cost = x[0] * w ** 2 + x[1] * w + x[2]
            keras_optimizer.apply_gradients([(tape.gradient(cost, w), w)])
        # Keras keeps some hyperparameters (rho, epsilon) in float32, hence 1e-5 rather than 1e-12;
        # the checks allow 1e-3.
        assert abs(gt.optimize_quadratic(x, learning_rate, steps, name) - float(w.numpy())) < 1e-5, name
    rng = make_rng(2)
    logits, labels = rng.normal(0, 2, (6, 11)), gt.one_hot(rng.integers(0, 6, 11), 6)
    keras_total = tf.reduce_sum(tf.keras.losses.categorical_crossentropy(labels.T, logits.T, from_logits=True))
    assert abs(gt.total_loss(logits, labels) - float(keras_total)) < 1e-9
    weights = tf.keras.initializers.GlorotNormal(seed=0)(shape=(300, 400)).numpy()
    assert abs(weights.std() / gt.glorot_std(400, 300) - 1) < 0.01
    assert 1.9 < np.abs(weights).max() / gt.glorot_std(400, 300) < 2.4


def test_softmax_regression_gradients_match_finite_differences():
    rng = make_rng(3)
    X, Y = rng.normal(size=(2, 15)), sm.one_hot(rng.integers(0, 3, 15), 3)
    W, b = rng.normal(size=(3, 2)), rng.normal(size=(3, 1))
    cost = lambda W_, b_: sm.cross_entropy_cost(sm.softmax(W_ @ X + b_), Y)  # noqa: E731
    dW, db = sm.gradients(X, Y, W, b)
    assert rel_error(dW, numerical_gradient(lambda v: cost(v, b), W.copy())) < 1e-7
    assert rel_error(db, numerical_gradient(lambda v: cost(W, v), b.copy())) < 1e-7
    W_end, b_end, costs = sm.gradient_descent(X, Y, W, b, 0.5, 3)
    assert len(costs) == 3 and costs[0] == cost(W, b) and cost(W_end, b_end) < costs[-1] < costs[0]
