"""Hidden checks for ``gradient_tape``: the learner's TensorFlow code runs in the kernel through
small drivers (they build the variables, optimizers and tapes), and the judges compare what came
back with the float64 reference, without importing TensorFlow in the grader.

Every input is drawn for each submission (``autograder.hidden_inputs``): starting points,
quadratics, labels, seeds, parameters, and for ``model`` the order of the digits' 64 pixels and
6 classes, so that no answer prepared on the published dataset can stand in for training.
"""
import numpy as np

from autograder.hidden_inputs import submission_rng
from autograder.reference import gradient_tape as ref
from course_utils.grading import TensorValue
from . import Check
from .judging import (Failure, course_digits, describe, driver_call, expect_close, expect_tensor, expect_tuple,
                      planned_call, expect_value_error)

generator = submission_rng()  # Generators for this submission's hidden inputs


def rounded(values, decimals=2):
    """Drawn numbers with a few decimals, as they read in messages (float64 array or float)."""
    return np.round(values, decimals)


# --- train_step -----------------------------------------------------------------------------
W_START = rounded(generator(1).uniform(-4, 4, 3))
# Each coordinate of the target at least 0.5 away, so that Adam's first step is lr * sign(g).
W_TARGET = rounded(W_START + generator(2).choice([-1, 1], 3) * generator(3).uniform(0.5, 4, 3))


def drive_train_step(train_step, optimizer_name, w_start, target):
    """One train_step on cost(w) = sum((w - target)^2); returns (what it returned, w afterwards)."""
    import tensorflow as tf
    w = tf.Variable(w_start, dtype=tf.float32)
    optimizer = {"sgd": tf.keras.optimizers.SGD, "adam": tf.keras.optimizers.Adam}[optimizer_name](learning_rate=0.1)
    cost = train_step(w, optimizer, lambda: tf.reduce_sum((w - target) ** 2))
    return cost, w


def judge_train_step(records):
    cost_before = float(np.sum((W_START - W_TARGET) ** 2))
    gradient = 2 * (W_START - W_TARGET)
    for label, expected_w in (("sgd", W_START - 0.1 * gradient),
                              ("adam", W_START - 0.1 * np.sign(gradient))):  # Adam's first step is lr * sign(g)
        what = records.shown(label)
        cost, w = expect_tuple(records.call(label), what, ("cost", "w"))
        found_w = expect_tensor(w, f"w after {what}", W_START.shape, kinds=("Variable",))
        if np.allclose(found_w, W_START):
            raise Failure(f"{what}: w did not change (expected {np.round(expected_w, 4).tolist()}, found "
                          f"{np.round(found_w, 4).tolist()}). Compute the cost inside `with tf.GradientTape() as tape:` "
                          "so the tape can differentiate it, then apply the gradient with "
                          "optimizer.apply_gradients(zip(grads, [w])).")
        expect_close(found_w, expected_w, f"w after {what}", rtol=1e-4, atol=1e-5,
                     hint="One call makes one step: grads = tape.gradient(cost, [w]), then apply_gradients once.")
        found_cost = expect_tensor(cost, f"the cost returned by {what}", ())
        expect_close(np.atleast_1d(found_cost), np.atleast_1d(cost_before), f"the cost returned by {what}", rtol=1e-5,
                     hint="Return the cost computed under the tape, before the step.")


# --- minimize -------------------------------------------------------------------------------
def drive_minimize(minimize, which, a_start, b_start):
    """minimize on cost(a, b) = (a - 1)^2 + (b + 2)^2 + a b with SGD(0.1) from (a_start, b_start);
    ``which`` names the var_list. Returns (what minimize returned, a, b) after the step."""
    import tensorflow as tf
    a, b, unused = tf.Variable(a_start), tf.Variable(b_start), tf.Variable(7.0)
    var_list = {"a": [a], "a and b": [a, b], "a and an unused variable": [a, unused]}[which]
    returned = minimize(tf.keras.optimizers.SGD(learning_rate=0.1), lambda: (a - 1.0) ** 2 + (b + 2.0) ** 2 + a * b,
                        var_list)
    return returned, a, b


def minimize_start(g):
    """(a, b) in [-3, 3]^2 where both partial derivatives of the cost are at least 0.5 away from 0,
    so that a step visibly moves each variable it should move."""
    while True:
        a, b = (float(v) for v in rounded(g.uniform(-3, 3, 2)))
        if min(abs(2 * (a - 1) + b), abs(2 * (b + 2) + a)) >= 0.5:
            return a, b


A_START, B_START = minimize_start(generator(4))


def judge_minimize(records):
    a, b = A_START, B_START
    cost = (a - 1) ** 2 + (b + 2) ** 2 + a * b
    grad_a, grad_b = 2 * (a - 1) + b, 2 * (b + 2) + a
    for label, expected in (("a", (a - 0.1 * grad_a, b)), ("a and b", (a - 0.1 * grad_a, b - 0.1 * grad_b))):
        what = records.shown(label)
        returned, found_a, found_b = expect_tuple(records.call(label), what, ("cost", "a", "b"))
        found = np.array([expect_tensor(found_a, f"a after {what}", (), ("Variable",)),
                          expect_tensor(found_b, f"b after {what}", (), ("Variable",))])
        if label == "a" and not np.isclose(found[1], b):
            raise Failure(f"{what}: b changed from {b} to {found[1]:.4g} although var_list holds only a. "
                          "Differentiate with respect to var_list and update only those variables.")
        if np.allclose(found, [a, b]):
            raise Failure(f"{what}: no variable changed. Record cost_fn() under the tape, take "
                          "tape.gradient(cost, var_list) and apply it with optimizer.apply_gradients.")
        expect_close(found, np.array(expected), f"(a, b) after {what}", rtol=1e-5, atol=1e-6)
        expect_close(np.atleast_1d(expect_tensor(returned, f"the cost returned by {what}", ())), np.array([cost]),
                     f"the cost returned by {what}", rtol=1e-5, hint="Return the cost computed before the step.")
    expect_value_error(records, "a and an unused variable", ("gradient", "Gradient", "None"))


# --- quadratic_cost -------------------------------------------------------------------------
X_COEFFICIENTS = rounded(generator(5).uniform(-3, 3, 3))
W_POINTS = rounded(generator(6).uniform(-4, 4, 4))


def drive_quadratic_cost(quadratic_cost, w_value, x):
    """quadratic_cost(w, x) for a tf.Variable w, and its gradient with respect to w from a tape."""
    import numpy as np
    import tensorflow as tf
    w = tf.Variable(w_value, dtype=tf.float32)
    with tf.GradientTape() as tape:
        cost = quadratic_cost(w, np.asarray(x, dtype=np.float32))
    try:
        gradient = tape.gradient(cost, w)
    except Exception:  # noqa: BLE001 - a cost the tape cannot use has no gradient
        gradient = None
    return cost, gradient


def judge_quadratic_cost(records):
    for label, w in (("scalar w", W_POINTS[3]), ("vector w", W_POINTS)):
        what = records.shown(label)
        cost, gradient = expect_tuple(records.call(label), what, ("cost", "gradient"))
        if isinstance(cost, (float, int, np.ndarray, np.generic)):
            raise Failure(f"{what}: expected a tf.Tensor, found {describe(cost)}. Write the formula with the "
                          "tf.Variable w itself, so TensorFlow records it; float() or .numpy() cuts the tape.")
        found = expect_tensor(cost, what, np.shape(w))
        expect_close(np.atleast_1d(found), np.atleast_1d(ref.quadratic_cost(w, X_COEFFICIENTS)), what, rtol=1e-5,
                     atol=1e-5, hint="The cost is x[0] * w**2 + x[1] * w + x[2].")
        if gradient is None:
            raise Failure(f"{what}: the tape found no gradient of the cost with respect to w. Compute it from the "
                          "variable w with TensorFlow operations (no .numpy(), float() or np. functions).")
        expect_close(np.atleast_1d(expect_tensor(gradient, f"the gradient of {what}", np.shape(w))),
                     np.atleast_1d(ref.quadratic_gradient(w, X_COEFFICIENTS)), f"the gradient of {what}", rtol=1e-5,
                     atol=1e-5)


# --- train ----------------------------------------------------------------------------------
def quadratic(g):
    """[x0, x1, x2] of x0 w^2 + x1 w + x2 = x0 (w - w*)^2 + c, with x0 in [0.5, 2] and w* 2 to 6 away from 0:
    200 Adam steps of 0.1 from w = 0 end within 1e-3 of w*, and SGD(0.05) is stable (x0 < 20)."""
    curvature, minimum = g.uniform(0.5, 2.0), g.uniform(2, 6) * g.choice([-1, 1])
    return [float(v) for v in rounded([curvature, -2 * curvature * minimum, curvature * minimum ** 2 + g.uniform(-3, 3)], 3)]


def polynomial(x):
    """x0 w^2 + x1 w + x2 as it reads in messages, e.g. "1.27 w^2 - 8.04 w + 14.6"."""
    return f"{x[0]:g} w^2 {'-' if x[1] < 0 else '+'} {abs(x[1]):g} w {'-' if x[2] < 0 else '+'} {abs(x[2]):g}"


X_CONVERGE, X_OTHER = quadratic(generator(7)), quadratic(generator(8))
TRAIN_RUNS = {
    "adam to convergence": (X_CONVERGE, 0.1, 200, "adam"),
    "adam, 10 steps": (X_CONVERGE, 0.1, 10, "adam"),
    "sgd": (X_OTHER, 0.05, 40, "sgd"),
    "rmsprop": (X_OTHER, 0.01, 60, "rmsprop"),
}


def judge_train(records):
    for label, (x, learning_rate, num_steps, name) in TRAIN_RUNS.items():
        what = records.shown(label)
        found = expect_tensor(records.call(label), what, (), kinds=("Variable",))
        expected = ref.optimize_quadratic(x, learning_rate, num_steps, name)
        minimum = -x[1] / (2 * x[0])
        if label == "adam to convergence" and not abs(found - minimum) < 1e-2:
            raise Failure(f"{what}: expected w close to {minimum:.6g}, the minimum of {polynomial(x)}, "
                          f"found {float(found):.6g}.")
        if np.isclose(found, 0.0) and not np.isclose(expected, 0.0):
            raise Failure(f"{what}: w is still 0, its starting value: the steps never updated it. Apply the "
                          "gradients to the same tf.Variable you return.")
        if not np.isclose(found, expected, rtol=1e-3, atol=1e-3):
            raise Failure(f"{what}: expected w = {expected:.6g} after {num_steps} steps of {name} from w = 0, "
                          f"found {float(found):.6g}. Start from tf.Variable(0.0), make exactly num_steps steps, "
                          "and build the optimizer that optimizer_name names with learning_rate.")
    expect_value_error(records, "unknown optimizer", ("adagrad",))


# --- one_hot_matrix -------------------------------------------------------------------------
LABELS_SIX = generator(9).integers(0, 6, 20)
LABELS_FEW = generator(10).integers(0, 3, 5)  # below depth - 1 = 3, so a depth taken from the labels is too small


def drive_one_hot_matrix(one_hot_matrix, labels, depth):
    """one_hot_matrix on an int64 tensor of labels; depth None means the default."""
    import tensorflow as tf
    labels = tf.constant(labels, dtype=tf.int64)
    return one_hot_matrix(labels) if depth is None else one_hot_matrix(labels, depth=depth)


def judge_one_hot_matrix(records):
    for label, labels, depth in (("default depth", LABELS_SIX, 6), ("depth 4", LABELS_FEW, 4)):
        what = records.shown(label)
        found = records.call(label)
        shape = getattr(found, "shape", None)
        if isinstance(found, TensorValue) and shape == (labels.size, depth) and labels.size != depth:
            raise Failure(f"{what}: expected shape (depth, m) = {(depth, labels.size)}, found {shape}: the classes "
                          "run along the wrong axis. Pass axis=0 to tf.one_hot, one column per example.")
        if isinstance(found, TensorValue) and len(shape or ()) == 2 and shape[1] == labels.size and shape[0] != depth:
            raise Failure(f"{what}: expected {depth} rows (depth = {depth}), found {shape[0]}. Use the depth "
                          "argument, not the largest label seen.")
        found = expect_tensor(found, what, (depth, labels.size), kinds=("Tensor",))
        expect_close(found, ref.one_hot(labels, depth), what)


# --- initialize_parameters ------------------------------------------------------------------
LAYERS = [64, 25, 12, 6]
WIDE = [400, 300, 6]
SEED, OTHER_SEED, WIDE_SEED = (int(s) for s in generator(15).choice(10**5, 3, replace=False))


def _parameters(value, what, layer_dims):
    """A dict of tf.Variables W1, b1, ... with the course's shapes; returns {name: float64 array}."""
    names = [f"{p}{layer}" for layer in range(1, len(layer_dims)) for p in "Wb"]
    if not isinstance(value, dict) or sorted(value, key=str) != sorted(names):
        keys = sorted(map(str, value)) if isinstance(value, dict) else None
        raise Failure(f"{what}: expected a dict with keys {names}, found {keys if keys is not None else describe(value)}.")
    arrays = {}
    for layer in range(1, len(layer_dims)):
        rows, columns = layer_dims[layer], layer_dims[layer - 1]
        for name, shape in ((f"W{layer}", (rows, columns)), (f"b{layer}", (rows, 1))):
            found = value[name]
            if isinstance(found, TensorValue) and found.shape == shape[::-1] and shape[0] != shape[1]:
                raise Failure(f"{what}: {name} has shape {found.shape}, expected (n_l, n_(l-1)) = {shape}. "
                              "The course puts examples in columns, so W maps a column of n_(l-1) numbers to n_l.")
            arrays[name] = expect_tensor(found, f"{name} from {what}", shape, kinds=("Variable",))
            if found.dtype != "float32":
                raise Failure(f"{what}: {name} has dtype {found.dtype}, expected float32.")
    return arrays


def judge_initialize_parameters(records):
    what = records.shown("seed")
    first = _parameters(records.call("seed"), what, LAYERS)
    for layer in range(1, len(LAYERS)):
        if np.any(first[f"b{layer}"] != 0):
            raise Failure(f"{what}: b{layer} should start at zeros (tf.zeros), found nonzero entries.")
    if np.all(first["W1"] == 0):
        raise Failure(f"{what}: W1 is all zeros. Zero weights make every unit of a layer compute the same thing "
                      "forever (symmetry); draw them with tf.keras.initializers.GlorotNormal(seed=...).")
    again = _parameters(records.call("same seed"), what, LAYERS)
    other = _parameters(records.call("other seed"), records.shown("other seed"), LAYERS)
    if not all(np.array_equal(first[k], again[k]) for k in first):
        raise Failure(f"{what}: two calls with seed {SEED} gave different weights. Pass seed to the initializer, "
                      "GlorotNormal(seed=...), so that runs are reproducible.")
    if np.array_equal(first["W1"], other["W1"]):
        raise Failure(f"{what}: seeds {SEED} and {OTHER_SEED} gave the same W1: the seed argument is ignored.")
    wide = _parameters(records.call("wide"), records.shown("wide"), WIDE)
    weights = wide["W1"]
    std = ref.glorot_std(WIDE[0], WIDE[1])
    found_std = float(weights.std())
    if not abs(found_std / std - 1) < 0.03 or not abs(float(weights.mean())) < 0.05 * std:
        raise Failure(f"{records.shown('wide')}: W1 should have mean 0 and standard deviation "
                      f"sqrt(2 / (fan_in + fan_out)) = {std:.4g}, found mean {float(weights.mean()):.3g} and standard "
                      f"deviation {found_std:.4g}. Use tf.keras.initializers.GlorotNormal.")
    largest = float(np.abs(weights).max()) / std
    if largest < 1.9:
        raise Failure(f"{records.shown('wide')}: no weight of W1 goes beyond {largest:.2f} standard deviations: these "
                      "look uniformly distributed (GlorotUniform). Use GlorotNormal, a truncated normal law.")
    if largest > 2.4:
        raise Failure(f"{records.shown('wide')}: some weights of W1 are {largest:.1f} standard deviations from 0. "
                      "GlorotNormal draws from a normal law truncated at two of its standard deviations; use "
                      "tf.keras.initializers.GlorotNormal rather than a plain normal.")


# --- forward_propagation --------------------------------------------------------------------
def _random_parameters(n, layer_dims):
    rng = generator(n)
    return {name: rng.normal(0, 0.6, shape) for layer in range(1, len(layer_dims))
            for name, shape in ((f"W{layer}", (layer_dims[layer], layer_dims[layer - 1])),
                                (f"b{layer}", (layer_dims[layer], 1)))}


FORWARD_DIMS = [5, 7, 4, 3]
FORWARD_PARAMETERS = _random_parameters(11, FORWARD_DIMS)
X_FORWARD = generator(12).normal(0, 1, (5, 30))


def drive_forward_propagation(forward_propagation, X, parameters):
    """Logits for tf.Variable parameters, and which parameters the tape found a gradient for."""
    import tensorflow as tf
    variables = {name: tf.Variable(value, dtype=tf.float32) for name, value in parameters.items()}
    with tf.GradientTape() as tape:
        logits = forward_propagation(tf.constant(X, dtype=tf.float32), variables)
        try:
            probe = tf.reduce_sum(tf.sin(tf.cast(logits, tf.float32)))  # every logit counts, with its own weight
        except Exception:  # noqa: BLE001 - what the logits are is judged from the returned value
            probe = None
    try:
        gradients = tape.gradient(probe, variables)
        has_gradient = {name: gradient is not None for name, gradient in gradients.items()}
    except Exception:  # noqa: BLE001
        has_gradient = {name: False for name in variables}
    return logits, has_gradient


def judge_forward_propagation(records):
    what = records.shown("network")
    logits, has_gradient = expect_tuple(records.call("network"), what, ("logits", "gradients"))
    expected = ref.forward_propagation(X_FORWARD, FORWARD_PARAMETERS)
    if isinstance(logits, np.ndarray):
        raise Failure(f"{what}: expected a tf.Tensor of shape (C, m) = {expected.shape}, found {describe(logits)}. "
                      "Use TensorFlow operations (tf.linalg.matmul, tf.nn.relu) so the tape can differentiate them.")
    found = expect_tensor(logits, what, expected.shape, kinds=("Tensor",))
    if np.allclose(found.sum(axis=0), 1, atol=1e-4) and np.all(found >= 0):
        raise Failure(f"{what}: every column sums to 1: softmax was applied to the output. Return the logits Z3; "
                      "the loss applies softmax itself (from_logits=True), more stably.")
    if np.allclose(found, ref.relu(expected), rtol=1e-4, atol=1e-4) and np.any(expected < -1e-3):
        raise Failure(f"{what}: the output has no negative entries: a ReLU was applied to the last layer. The "
                      "last layer is LINEAR only; its logits may be negative.")
    expect_close(found, expected, what, rtol=1e-4, atol=1e-4,
                 hint="Z1 = W1 X + b1, A1 = relu(Z1), Z2 = W2 A1 + b2, A2 = relu(Z2), Z3 = W3 A2 + b3.")
    missing = [name for name, present in sorted(has_gradient.items()) if not present]
    if missing:
        raise Failure(f"{what}: the tape found no gradient for {', '.join(missing)}. Use every parameter, as the "
                      "tf.Variable it is, inside TensorFlow operations.")


# --- compute_total_loss ---------------------------------------------------------------------
LOSS_LOGITS = generator(13).normal(0, 2, (6, 37))
LOSS_LABELS = ref.one_hot(generator(14).integers(0, 6, 37), 6)


def drive_compute_total_loss(compute_total_loss, logits, labels):
    import tensorflow as tf
    return compute_total_loss(tf.constant(logits, dtype=tf.float32), tf.constant(labels, dtype=tf.float32))


def judge_compute_total_loss(records):
    what = records.shown("batch")
    m = LOSS_LABELS.shape[1]
    found = records.call("batch")
    if isinstance(found, (float, np.floating)):
        raise Failure(f"{what}: expected a scalar tf.Tensor, found {describe(found)}. Keep the result a tensor, "
                      "so the tape can differentiate it.")
    found = float(expect_tensor(found, what, (), kinds=("Tensor",)))
    expected = ref.total_loss(LOSS_LOGITS, LOSS_LABELS)
    if np.isclose(found * m, expected, rtol=1e-4):
        raise Failure(f"{what}: expected the sum over the {m} examples, {expected:.6g}; found {found:.6g}, the mean "
                      "(tf.reduce_mean). Sum the losses here: the training loop adds the batches' sums and "
                      "divides once by the number of examples, which stays right when the last batch is short.")
    if np.isclose(found, ref.total_loss_untransposed(LOSS_LOGITS, LOSS_LABELS), rtol=1e-4):
        raise Failure(f"{what}: expected {expected:.6g}, found {found:.6g}, the loss of the rows. Keras's "
                      "categorical_crossentropy expects one example per row: transpose logits and labels, (C, m) "
                      "to (m, C), before calling it.")
    if not np.isclose(found, expected, rtol=1e-4):
        raise Failure(f"{what}: expected {expected:.6g}, found {found:.6g}. The inputs are logits, not "
                      "probabilities: pass from_logits=True, and sum the losses of the examples.")


# --- model ----------------------------------------------------------------------------------
# The seed stays fixed: the orders of pixels and classes drawn below already make each submission's
# training a fresh draw (Glorot initialisation draws every weight alike, and Adam treats every pixel
# and class alike). Over 75 draws the solution's test accuracy was 0.92 to 0.99 (mean 0.96, standard
# deviation 0.014), so 0.85 leaves no room for bad luck; the last epoch's cost was 1.3 to 1.9 times
# the mean loss of the returned parameters.
MODEL_SETTINGS = {"learning_rate": 0.01, "num_epochs": 3, "minibatch_size": 64, "seed": 1}
REQUIRED_TEST_ACCURACY = 0.85
COST_RATIO_TO_FINAL = (0.8, 3.0)
PIXELS, CLASSES = generator(16).permutation(64), generator(17).permutation(6)


def drive_model(model, learning_rate, num_epochs, minibatch_size, seed, pixels, classes, test_label_shift):
    """model() on the course's digits, in the notebook's layout (float32 columns, one-hot (6, m)), with
    the pixels (rows of X) in the order ``pixels`` and class k relabelled classes[k]. With a nonzero
    test_label_shift the test labels are shifted by it (mod 6), so the test accuracy the model reports
    can be told apart from its training accuracy."""
    import numpy as np
    from course_utils.data import flatten_and_scale, load_digits_dataset, one_hot
    train_x, train_y, test_x, test_y, _ = load_digits_dataset()
    pixels, classes = np.asarray(pixels), np.asarray(classes)
    images = [flatten_and_scale(x)[pixels].astype(np.float32) for x in (train_x, test_x)]
    labels = [one_hot(y, 6).astype(np.float32) for y in (classes[train_y], (classes[test_y] + test_label_shift) % 6)]
    return model(images[0], labels[0], images[1], labels[1], learning_rate, num_epochs, minibatch_size, seed)


def model_digits():
    """(X_train, train_labels, X_test, test_labels) as drive_model gives them to the model."""
    digits = course_digits()
    return (digits.X_train[PIXELS], CLASSES[digits.train_labels], digits.X_test[PIXELS], CLASSES[digits.test_labels])


def _numbers(value, what, length):
    """A list of ``length`` finite numbers (Python, numpy or scalar tensors), as float64."""
    if not isinstance(value, list) or len(value) != length:
        raise Failure(f"{what}: expected a list of {length} numbers, one per epoch, found {describe(value)}.")
    numbers = [v.value if isinstance(v, TensorValue) else v for v in value]
    try:
        array = np.array(numbers, dtype=np.float64)
    except (TypeError, ValueError):
        raise Failure(f"{what}: expected numbers, found {describe(value[0])}.") from None
    if array.shape != (length,) or not np.all(np.isfinite(array)):
        raise Failure(f"{what}: expected {length} finite numbers, found {array.tolist()[:4]}...")
    return array


def judge_model(records):
    epochs = MODEL_SETTINGS["num_epochs"]
    what = records.shown("train")
    parameters, costs, train_acc, test_acc = expect_tuple(records.call("train"), what,
                                                          ("parameters", "costs", "train_acc", "test_acc"))
    parameters = _parameters(parameters, f"the parameters from {what}", LAYERS)
    costs = _numbers(costs, f"costs from {what}", epochs)
    train_acc = _numbers(train_acc, f"train_acc from {what}", epochs)
    test_acc = _numbers(test_acc, f"test_acc from {what}", epochs)
    # Reproducibility first: an unseeded run's accuracy is luck, its real mistake is the seeding.
    what_again = records.shown("same seed")
    again = expect_tuple(records.call("same seed"), what_again, ("parameters", "costs", "train_acc", "test_acc"))
    again_parameters = _parameters(again[0], f"the parameters from {what_again}", LAYERS)
    if not all(np.allclose(again_parameters[k], parameters[k], rtol=1e-4, atol=1e-5) for k in parameters):
        raise Failure(f"{what_again}: training twice with seed {MODEL_SETTINGS['seed']} gave different parameters. "
                      "Seed tf.random.set_seed, the initializers and the shuffle with seed.")
    X_train, train_y, X_test, test_y = model_digits()
    accuracy = ref.accuracy(parameters, X_test, test_y)
    if accuracy < REQUIRED_TEST_ACCURACY:
        raise Failure(f"{what}: the returned parameters classify {accuracy:.1%} of the test images correctly; at least "
                      f"{REQUIRED_TEST_ACCURACY:.0%} is expected after {epochs} epochs.")
    if not costs[-1] < costs[0]:
        raise Failure(f"{what}: the cost went from {costs[0]:.4g} to {costs[-1]:.4g}; it should fall.")
    final_loss = ref.total_loss(ref.forward_propagation(X_train, parameters), ref.one_hot(train_y, 6)) / train_y.size
    low, high = COST_RATIO_TO_FINAL
    if not low * final_loss <= costs[-1] <= high * final_loss:
        raise Failure(f"{what}: the last epoch's cost is {costs[-1]:.4g}, but the mean loss per training example of "
                      f"the returned parameters is {final_loss:.4g}. Each epoch's cost is the sum of the batches' "
                      "total losses divided once by m, the number of training examples.")
    if not abs(test_acc[-1] - accuracy) <= 1.5 / test_y.size:
        raise Failure(f"{what}: test_acc[-1] is {test_acc[-1]:.4g}, but the returned parameters classify "
                      f"{accuracy:.4g} of the test set correctly. Measure test accuracy after each epoch, as a "
                      "fraction between 0 and 1.")
    train_accuracy = ref.accuracy(parameters, X_train, train_y)
    if not abs(train_acc[-1] - train_accuracy) <= 0.05:
        raise Failure(f"{what}: train_acc[-1] is {train_acc[-1]:.4g}, but the returned parameters classify "
                      f"{train_accuracy:.4g} of the training set correctly.")
    shifted = ref.accuracy(again_parameters, X_test, (test_y + 1) % 6)
    reported = _numbers(again[3], f"test_acc from {what_again}", epochs)[-1]
    if not abs(reported - shifted) <= 1.5 / test_y.size:
        raise Failure(f"{what_again}: with test labels the grader changed, test_acc[-1] is {reported:.4g}, but the "
                      f"parameters classify {shifted:.4g} of those test examples correctly. Measure test_acc on "
                      "X_test and Y_test, the arguments, not on the training set.")


# Keras 2's minimize lives on in the tf_keras package and in TF1's compat optimizers: both do the
# step the learner builds.
LEGACY_MINIMIZE = ("tf_keras", "tensorflow.compat.v1.train.Optimizer", "tensorflow.compat.v1.train.AdamOptimizer",
                   "tensorflow.compat.v1.train.GradientDescentOptimizer", "tensorflow.compat.v1.train.RMSPropOptimizer")
# Layers and whole models that build, run or train the network for the learner.
KERAS_LAYERS = ("keras.layers.Dense", "keras.Sequential", "sklearn.neural_network.MLPClassifier")


def _driven(function, driver, *args, label, shown):
    return driver_call(label, driver, *args, needs=(function,), shown=shown)


CHECKS = [
    Check("test_train_step", lambda: {"calls": [
        _driven("train_step", drive_train_step, "sgd", W_START, W_TARGET, label="sgd",
                shown="train_step(w, SGD(learning_rate=0.1), cost_fn) with cost_fn = sum((w - target)**2)"),
        _driven("train_step", drive_train_step, "adam", W_START, W_TARGET, label="adam",
                shown="train_step(w, Adam(learning_rate=0.1), cost_fn) with cost_fn = sum((w - target)**2)")]},
          judge_train_step, shortcuts=LEGACY_MINIMIZE),
    Check("test_minimize", lambda: {"calls": [
        _driven("minimize", drive_minimize, which, A_START, B_START, label=which,
                shown=f"minimize(SGD(0.1), cost_fn, var_list=[{which.replace(' and ', ', ')}])")
        for which in ("a", "a and b", "a and an unused variable")]},
          judge_minimize, shortcuts=LEGACY_MINIMIZE),
    Check("test_quadratic_cost", lambda: {"calls": [
        _driven("quadratic_cost", drive_quadratic_cost, W_POINTS[3], X_COEFFICIENTS, label="scalar w",
                shown=f"quadratic_cost(w, x) for w = tf.Variable({W_POINTS[3]}) and x = {X_COEFFICIENTS.tolist()}"),
        _driven("quadratic_cost", drive_quadratic_cost, W_POINTS, X_COEFFICIENTS, label="vector w",
                shown=f"quadratic_cost(w, x) for w = tf.Variable({W_POINTS.tolist()}) and x = {X_COEFFICIENTS.tolist()}")]},
          judge_quadratic_cost, shortcuts=("tensorflow.math.polyval", "numpy.polyval", "numpy.polynomial")),
    Check("test_train", lambda: {"calls": [planned_call(label, "train", *run) for label, run in TRAIN_RUNS.items()]
                                 + [planned_call("unknown optimizer", "train", X_CONVERGE, 0.1, 5, "adagrad")]},
          judge_train, shortcuts=LEGACY_MINIMIZE + ("scipy.optimize.minimize",)),
    Check("test_one_hot_matrix", lambda: {"calls": [
        _driven("one_hot_matrix", drive_one_hot_matrix, LABELS_SIX, None, label="default depth",
                shown=f"one_hot_matrix(labels) for {LABELS_SIX.size} labels in 0..5"),
        _driven("one_hot_matrix", drive_one_hot_matrix, LABELS_FEW, 4, label="depth 4",
                shown=f"one_hot_matrix({LABELS_FEW.tolist()}, depth=4)")]},
          judge_one_hot_matrix, shortcuts=("keras.utils.to_categorical", "tensorflow.keras.utils.to_categorical",
                                           "sklearn.preprocessing.OneHotEncoder", "sklearn.preprocessing.label_binarize")),
    Check("test_initialize_parameters", lambda: {"calls": [
        planned_call("seed", "initialize_parameters", LAYERS, SEED),
        planned_call("same seed", "initialize_parameters", LAYERS, SEED),
        planned_call("other seed", "initialize_parameters", LAYERS, OTHER_SEED),
        planned_call("wide", "initialize_parameters", WIDE, WIDE_SEED)]},
          judge_initialize_parameters, shortcuts=KERAS_LAYERS),
    Check("test_forward_propagation", lambda: {"calls": [
        _driven("forward_propagation", drive_forward_propagation, X_FORWARD, FORWARD_PARAMETERS, label="network",
                shown="forward_propagation(X, parameters) for a [5, 7, 4, 3] network and 30 examples")]},
          judge_forward_propagation, shortcuts=KERAS_LAYERS),
    Check("test_compute_total_loss", lambda: {"calls": [
        _driven("compute_total_loss", drive_compute_total_loss, LOSS_LOGITS, LOSS_LABELS, label="batch",
                shown="compute_total_loss(logits, labels) for 6 classes and a batch of 37 examples")]},
          judge_compute_total_loss, shortcuts=("sklearn.metrics.log_loss",)),
    Check("test_model", lambda: {"calls": [
        _driven("model", drive_model, *MODEL_SETTINGS.values(), PIXELS, CLASSES, shift, label=label,
                shown="model(X_train, Y_train, X_test, Y_test, learning_rate=0.01, num_epochs=3, minibatch_size=64, "
                      f"seed=1){' with other test labels' if shift else ''}")
        for label, shift in (("train", 0), ("same seed", 1))]},
          judge_model, shortcuts=KERAS_LAYERS),
]
