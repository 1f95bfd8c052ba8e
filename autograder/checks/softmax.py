"""Hidden checks for ``softmax``: values against the float64 reference on fresh inputs, with the
properties that name the usual mistakes (overflow, wrong axis, sum instead of mean, log of 0,
missing Jacobian diagonal, a gradient divided by m, transposed one-hots, indices for one-hots)."""
import numpy as np

from autograder.hidden_inputs import submission_rng
from autograder.reference import softmax as ref
from course_utils.grading import encode
from . import Check
from .judging import Failure, describe, expect_close, expect_float_array, expect_tuple, planned_call

rng = submission_rng()  # Generators for this submission's hidden inputs


# --- softmax --------------------------------------------------------------------------------
Z_RANDOM = rng(1).normal(0, 3, (5, 40))
Z_LARGE = rng(2).normal(0, 3, (4, 6)) + np.array([[1000.0], [999.0], [-1000.0], [998.0]])


def judge_softmax(records):
    for label, Z in (("random", Z_RANDOM), ("large logits", Z_LARGE), ("one column", Z_RANDOM[:, :1])):
        what = f"softmax(Z) for Z of shape {Z.shape}" + (" with logits near 1000" if label == "large logits" else "")
        found = expect_float_array(records.call(label), what, Z.shape)
        if not np.all(np.isfinite(found)):
            raise Failure(f"{what}: found inf or nan. exp(1000) overflows: subtract each column's maximum "
                          "from Z before exponentiating (it does not change the result).")
        if found.shape[1] > 1 and np.allclose(found.sum(axis=1), 1) and not np.allclose(found.sum(axis=0), 1):
            raise Failure(f"{what}: each row sums to 1 but each column should: normalize over the classes, "
                          "axis=0 (one column per example).")
        if not np.allclose(found.sum(axis=0), 1):
            raise Failure(f"{what}: each column should sum to 1, found column sums from "
                          f"{found.sum(axis=0).min():.4g} to {found.sum(axis=0).max():.4g}.")
        expect_close(found, ref.softmax(Z), what)
    if records.args_after("random")[0] != encode(Z_RANDOM):
        raise Failure("softmax(Z) changed its input Z. Compute on a copy (Z - Z.max(...) makes a new array).")


# --- hardmax --------------------------------------------------------------------------------
Z_HARD = rng(3).normal(size=(6, 30))


def judge_hardmax(records):
    what = f"hardmax(Z) for Z of shape {Z_HARD.shape}"
    found = records.call("random")
    if isinstance(found, np.ndarray) and found.shape == (Z_HARD.shape[1],):
        raise Failure(f"{what}: found an array of shape {found.shape}, the indices of the maxima. Return the "
                      f"one-hot matrix of shape (C, m) = {Z_HARD.shape}, with a 1 where each column is largest.")
    expect_close(expect_float_array(found, what, Z_HARD.shape), ref.hardmax(Z_HARD), what)


# --- one_hot --------------------------------------------------------------------------------
LABELS = rng(4).integers(0, 6, 25)
FEW_LABELS = rng(5).integers(0, 3, 9)


def judge_one_hot(records):
    for label, labels, C in (("six classes", LABELS, 6), ("unused classes", FEW_LABELS, 7)):
        what = f"one_hot(labels, C={C}) for {labels.size} labels"
        found = records.call(label)
        if isinstance(found, np.ndarray) and found.shape == (labels.size, C):
            raise Failure(f"{what}: expected shape (C, m) = {(C, labels.size)}, found {found.shape}: "
                          "the matrix is transposed. Classes go down the rows, one column per example.")
        expect_close(expect_float_array(found, what, (C, labels.size)), ref.one_hot(labels, C), what)


# --- cross_entropy_cost ---------------------------------------------------------------------
def _probabilities(seed, C=4, m=30):
    generator = rng(seed)
    return ref.softmax(generator.normal(0, 2, (C, m))), ref.one_hot(generator.integers(0, C, m), C)


Y_HAT, Y_TRUE = _probabilities(6)
Y_HAT_ZEROS = Y_HAT.copy()
Y_HAT_ZEROS[Y_TRUE == 0] = np.where(rng(7).random(int((Y_TRUE == 0).sum())) < 0.3, 0.0, Y_HAT_ZEROS[Y_TRUE == 0])
Y_HAT_UNDERFLOW = Y_HAT.copy()
Y_HAT_UNDERFLOW[:, :3] = 1 - Y_TRUE[:, :3]  # the first three examples give their true class probability 0


def judge_cross_entropy_cost(records):
    m = Y_TRUE.shape[1]
    what = f"cross_entropy_cost(Y_hat, Y) for {m} examples"
    found = records.call("normal")
    if not isinstance(found, float):
        raise Failure(f"{what}: expected a Python float, found {describe(found)}. Return float(cost).")
    expected = ref.cross_entropy_cost(Y_HAT, Y_TRUE)
    if np.isclose(found, expected * m, rtol=1e-6):
        raise Failure(f"{what}: expected {expected:.6g}, found {found:.6g}, which is {m} times too large. The cost is "
                      "the mean of the losses: divide the sum by m.")
    if not np.isclose(found, expected, rtol=1e-6):
        raise Failure(f"{what}: expected {expected:.6g}, found {found:.6g}.")
    for label, hint in (("zeros elsewhere", "Y_hat is 0 for some wrong classes"),
                        ("underflow", "Y_hat is 0 for the true class of 3 examples")):
        value = records.call(label)
        if not isinstance(value, float) or not np.isfinite(value):
            raise Failure(f"{what} when {hint}: found {value!r}. log(0) is -inf and 0 * log(0) is nan: clip Y_hat "
                          "to [1e-12, 1] before taking the log.")
    zeros = records.call("zeros elsewhere")
    if not np.isclose(zeros, ref.cross_entropy_cost(Y_HAT_ZEROS, Y_TRUE), rtol=1e-6):
        raise Failure(f"{what} when Y_hat is 0 for some wrong classes: expected "
                      f"{ref.cross_entropy_cost(Y_HAT_ZEROS, Y_TRUE):.6g}, found {zeros:.6g}.")


# --- softmax_jacobian -----------------------------------------------------------------------
Z_COLUMN = rng(8).normal(0, 2, 5)


def judge_softmax_jacobian(records):
    expected = ref.softmax_jacobian(Z_COLUMN)
    s = ref.softmax(Z_COLUMN.reshape(-1, 1)).ravel()
    for label, shape in (("flat", (5,)), ("column", (5, 1))):
        what = f"softmax_jacobian(z) for z of shape {shape}"
        found = expect_float_array(records.call(label), what, (5, 5))
        if np.allclose(found, -np.outer(s, s)):
            raise Failure(f"{what}: the diagonal term is missing. The derivative of s_i with respect to z_i is "
                          "s_i (1 - s_i), so J = diag(s) - s s^T.")
        expect_close(found, expected, what)


# --- softmax_cross_entropy_backward ---------------------------------------------------------
Z_BACK = rng(9).normal(0, 2, (4, 20))
Y_BACK = ref.one_hot(rng(10).integers(0, 4, 20), 4)


def judge_softmax_cross_entropy_backward(records):
    what = f"softmax_cross_entropy_backward(Z, Y) for Z of shape {Z_BACK.shape}"
    found = expect_float_array(records.call("random"), what, Z_BACK.shape)
    expected = ref.softmax_cross_entropy_backward(Z_BACK, Y_BACK)
    m = Z_BACK.shape[1]
    if np.allclose(found * m, expected):
        raise Failure(f"{what}: the result is divided by m = {m}. This function returns the gradient of the "
                      "summed loss, dZ = Y_hat - Y; dividing by m belongs to the cost's average, later.")
    expect_close(found, expected, what)


# --- sigmoid (two-class softmax) ------------------------------------------------------------
T_VALUES = np.concatenate([np.linspace(-1000, 1000, 21), rng(11).normal(0, 4, 30)])


def judge_sigmoid(records):
    what = "sigmoid(t)"
    found = expect_float_array(records.call("values"), what, T_VALUES.shape)
    if not np.all(np.isfinite(found)):
        raise Failure(f"{what}: found inf or nan for large |t|. Write it as 1 / (1 + exp(-t)), or split positive "
                      "and negative t so that exp never overflows.")
    two_class = ref.softmax(np.vstack([T_VALUES, np.zeros_like(T_VALUES)]))[0]
    if np.all(np.diff(found[:21]) <= 0):
        raise Failure(f"{what}: the values decrease as t grows. sigma(t) = 1 / (1 + e^(-t)): check the sign.")
    expect_close(found, two_class, what, rtol=1e-9, atol=1e-15,
          hint="With two classes, softmax([t, 0])[0] = e^t / (e^t + 1) = sigma(t).")


# --- predict --------------------------------------------------------------------------------
W_PRED = rng(12).normal(size=(4, 2))
B_PRED = rng(13).normal(size=(4, 1))
X_PRED = rng(14).normal(0, 3, (2, 50))


def judge_predict(records):
    what = "predict(W, b, X) for 4 classes and 50 examples"
    found = records.call("random")
    if isinstance(found, np.ndarray) and found.shape == (4, 50):
        raise Failure(f"{what}: found a (4, 50) matrix. Return the class index of each example, shape (m,) = (50,).")
    found = expect_float_array(found, what, (50,))
    expected = ref.predict(W_PRED, B_PRED, X_PRED)
    wrong = int((found != expected).sum())
    if wrong:
        raise Failure(f"{what}: {wrong} of 50 predictions differ from the argmax over classes of W X + b.")


# --- train_softmax_regression ---------------------------------------------------------------
CENTRES = [(-2.0, -2.0), (2.0, -2.0), (-2.0, 2.0), (2.0, 2.0)]
X_TRAIN, LABELS_TRAIN = ref.blobs(60, CENTRES, 0.8, rng(99))
X_TEST, LABELS_TEST = ref.blobs(100, CENTRES, 0.8, rng(100))
ITERATIONS = 300
# The seed stays fixed: the clusters it trains on are drawn per submission, and from any small start
# 300 steps classify fresh points far better than required, so a drawn seed would add nothing.
TRAINING = (X_TRAIN, ref.one_hot(LABELS_TRAIN, 4), 0.5, ITERATIONS, 3)
ONE_STEP = (*TRAINING[:3], 1, TRAINING[4])
REQUIRED_ACCURACY = 0.9
# "Small random values": the initial W and b, found one step back from the weights after one step,
# must stay within 1 of 0. The final cost then follows: from any start of standard deviation up to
# 0.1, 300 steps end within 0.1 % of the reference's final cost (measured over 40 draws).
LARGEST_INITIAL_WEIGHT = 1.0


def cost_of(W, b):
    """The mean cross-entropy of softmax(W X + b) on the training set."""
    X, Y = TRAINING[:2]
    return ref.cross_entropy_cost(ref.softmax(W @ X + b), Y)


def trained(found, what, iterations):
    """(W, b, costs) of a train_softmax_regression call, as float64 arrays; Failure otherwise."""
    W, b, costs = expect_tuple(found, what, ("W", "b", "costs"))
    W = expect_float_array(W, f"W from {what}", (4, 2))
    b = expect_float_array(b, f"b from {what}", (4, 1))
    costs = np.asarray(costs, dtype=np.float64) if isinstance(costs, list) else None
    if costs is None or costs.shape != (iterations,) or not np.all(np.isfinite(costs)):
        raise Failure(f"{what}: expected costs to be a list of {iterations} finite numbers, one per iteration.")
    return W, b, costs


def judge_train_softmax_regression(records):
    X, Y, learning_rate, iterations, seed = TRAINING
    what = f"train_softmax_regression(X, Y, {learning_rate}, {iterations}, seed={seed}) on 4 classes of 2-D points"
    W, b, costs = trained(records.call("train"), what, iterations)
    if costs[-1] >= costs[0]:
        raise Failure(f"{what}: the cost went from {costs[0]:.4g} to {costs[-1]:.4g}. It should fall: step "
                      "against the gradient, W = W - learning_rate * dW.")
    again = records.call("same seed")
    if not (isinstance(again, tuple) and len(again) == 3 and np.array_equal(np.asarray(again[0]), np.asarray(W))):
        raise Failure(f"{what}: training twice with the same seed gave different weights. Initialise W from "
                      "np.random.default_rng(seed).")
    W1, b1, first_cost = trained(records.call("one step"), records.shown("one step"), 1)
    expect_descent(W, b, costs, W1, b1, first_cost, what)
    accuracy = float(np.mean(ref.predict(W, b, X_TEST) == LABELS_TEST))
    if accuracy < REQUIRED_ACCURACY:
        raise Failure(f"{what}: the trained model classifies {accuracy:.0%} of fresh test points correctly; "
                      f"at least {REQUIRED_ACCURACY:.0%} is expected.")


def step_back(W1, b1, learning_rate, what):
    """The (W0, b0) from which one step of gradient descent leads to (W1, b1): the fixed point of
    W0 = W1 + learning_rate * dW(W0), found by iteration (a contraction on these clusters, where it
    recovers any start to 1e-12 within 100 iterations)."""
    X, Y = TRAINING[:2]
    W, b = W1, b1
    for _ in range(500):
        dW, db = ref.gradients(X, Y, W, b)
        W_next, b_next = W1 + learning_rate * dW, b1 + learning_rate * db
        if np.abs(W_next - W).max() < 1e-13 and np.abs(b_next - b).max() < 1e-13:
            return W_next, b_next
        W, b = W_next, b_next
    raise Failure(f"{what}: the returned W, b are not one step of gradient descent with learning_rate={learning_rate} "
                  "from any initial weights: make exactly one step W = W - learning_rate * dW per iteration.")


def expect_descent(W, b, costs, W1, b1, first_cost, what):
    """The returned (W, b) and costs must be where gradient descent leads from the learner's own
    weights after one step (W1, b1), the result of train_softmax_regression with num_iterations=1."""
    X, Y, learning_rate, iterations, _ = TRAINING
    W0, b0 = step_back(W1, b1, learning_rate, f"{what} with num_iterations=1")
    start = cost_of(W0, b0)
    if not np.allclose([first_cost[0], costs[0]], start, rtol=1e-7, atol=1e-12):
        if np.isclose(first_cost[0], cost_of(W1, b1), rtol=1e-7, atol=1e-12):
            raise Failure(f"{what}: each cost is recorded after its step. Record cross_entropy_cost(softmax(W X + b), Y) "
                          "before updating W and b, so that costs[0] is the cost of the initial weights.")
        raise Failure(f"{what}: costs[0] is {costs[0]:.8g} (and {first_cost[0]:.8g} with num_iterations=1), but one "
                      f"step of gradient descent with learning_rate={learning_rate} reaches your W, b of num_iterations=1 "
                      f"from initial weights whose cost is {start:.8g}. Step with the learning_rate argument, "
                      "W = W - learning_rate * dW, and record the cost of the current W, b before each step.")
    largest = float(max(np.abs(W0).max(), np.abs(b0).max()))
    if largest > LARGEST_INITIAL_WEIGHT:
        raise Failure(f"{what}: the initial W, b from which your first step starts have entries up to {largest:.3g}. "
                      "Start from small random W (for example normal with standard deviation 0.01) and b = 0.")
    W_end, b_end, expected = ref.gradient_descent(X, Y, W1, b1, learning_rate, iterations - 1)
    expected = np.array([costs[0], *expected])
    if not np.allclose(costs, expected, rtol=1e-7, atol=1e-12):
        k = int(np.argmax(~np.isclose(costs, expected, rtol=1e-7, atol=1e-12)))
        raise Failure(f"{what}: costs[{k}] is {costs[k]:.8g}, but after {k} step{'s' * (k != 1)} of gradient descent with "
                      f"learning_rate={learning_rate} from your own initial weights the cost is {expected[k]:.8g}. Make one "
                      "step W = W - learning_rate * dW, b = b - learning_rate * db per iteration (dW = dZ X^T / m), and "
                      "record cross_entropy_cost(softmax(W X + b), Y) of the current W, b before each step.")
    for name, found, end in (("W", W, W_end), ("b", b, b_end)):
        expect_close(found, end, f"{name} from {what}", rtol=1e-6, atol=1e-9,
                     hint=f"That is where {iterations} steps of gradient descent with learning_rate={learning_rate} lead "
                          "from your own initial weights: make one step W = W - learning_rate * dW, "
                          "b = b - learning_rate * db per iteration, with dW = dZ X^T / m and db the sum of dZ over examples / m.")


# Automatic differentiation computes the Jacobian and the backward pass the exercise derives by hand.
AUTODIFF = ("tensorflow.GradientTape", "jax.jacobian", "jax.grad", "torch.autograd")
# A library classifier trains and predicts in place of the learner's own softmax regression.
LIBRARY_MODELS = ("sklearn.linear_model.LogisticRegression", "sklearn.linear_model.SGDClassifier", "keras.Sequential")

CHECKS = [
    Check("test_softmax", lambda: {"calls": [planned_call("random", "softmax", Z_RANDOM), planned_call("large logits", "softmax", Z_LARGE),
                                             planned_call("one column", "softmax", Z_RANDOM[:, :1])]},
          judge_softmax, shortcuts=("scipy.special.softmax", "tensorflow.nn.softmax", "keras.activations.softmax",
                                    "torch.softmax", "torch.nn.functional.softmax")),
    Check("test_hardmax", lambda: {"calls": [planned_call("random", "hardmax", Z_HARD)]}, judge_hardmax,
          shortcuts=("keras.utils.to_categorical", "tensorflow.one_hot", "sklearn.preprocessing.label_binarize")),
    Check("test_one_hot", lambda: {"calls": [planned_call("six classes", "one_hot", LABELS, 6),
                                             planned_call("unused classes", "one_hot", FEW_LABELS, 7)]},
          judge_one_hot, shortcuts=("tensorflow.one_hot", "keras.utils.to_categorical",
                                    "sklearn.preprocessing.label_binarize", "sklearn.preprocessing.OneHotEncoder")),
    Check("test_cross_entropy_cost", lambda: {"calls": [planned_call("normal", "cross_entropy_cost", Y_HAT, Y_TRUE),
                                                        planned_call("zeros elsewhere", "cross_entropy_cost", Y_HAT_ZEROS, Y_TRUE),
                                                        planned_call("underflow", "cross_entropy_cost", Y_HAT_UNDERFLOW, Y_TRUE)]},
          judge_cross_entropy_cost, shortcuts=("sklearn.metrics.log_loss", "keras.losses.categorical_crossentropy",
                                               "tensorflow.nn.softmax_cross_entropy_with_logits")),
    Check("test_softmax_jacobian", lambda: {"calls": [planned_call("flat", "softmax_jacobian", Z_COLUMN),
                                                      planned_call("column", "softmax_jacobian", Z_COLUMN.reshape(-1, 1))]},
          judge_softmax_jacobian, shortcuts=AUTODIFF),
    Check("test_softmax_cross_entropy_backward",
          lambda: {"calls": [planned_call("random", "softmax_cross_entropy_backward", Z_BACK, Y_BACK)]},
          judge_softmax_cross_entropy_backward, shortcuts=AUTODIFF),
    Check("test_sigmoid", lambda: {"calls": [planned_call("values", "sigmoid", T_VALUES)]}, judge_sigmoid,
          shortcuts=("scipy.special.expit", "tensorflow.math.sigmoid", "tensorflow.nn.sigmoid")),
    Check("test_predict", lambda: {"calls": [planned_call("random", "predict", W_PRED, B_PRED, X_PRED)]}, judge_predict,
          shortcuts=LIBRARY_MODELS),
    Check("test_train_softmax_regression", lambda: {"calls": [planned_call("train", "train_softmax_regression", *TRAINING),
                                                              planned_call("same seed", "train_softmax_regression", *TRAINING),
                                                              planned_call("one step", "train_softmax_regression", *ONE_STEP)]},
          judge_train_softmax_regression, shortcuts=LIBRARY_MODELS),
]
