"""Hidden checks for ``batch_norm``: values against the float64 reference on inputs drawn for
each submission (the backward pass takes the cache of the learner's own forward pass, whatever its
layout), and the network graded on behaviour: the grader computes the test-mode predictions of the
returned parameters itself, and the costs must agree with them.

The network trains on the course's digits with their 64 pixels and 6 classes each put in an order
drawn for the submission, so that nothing prepared on the published dataset (trained weights, its
test labels) can stand in for training. Both orders leave the task as hard as it is: He
initialisation draws every weight alike and gradient descent treats every pixel and class alike.
"""
import numpy as np

from autograder.hidden_inputs import submission_rng
from autograder.reference import batch_norm as ref
from course_utils.data import one_hot
from course_utils.grading import encode
from . import Check
from .judging import Failure, course_digits, describe, expect_close, expect_float_array, expect_tuple

RTOL, ATOL = 1e-7, 1e-10
rng = submission_rng()  # Generators for this submission's hidden inputs


def arg(value):
    return encode(value)


def forward_cache(Z, gamma, beta, name):
    """The cache of the learner's own batchnorm_forward(Z, gamma, beta), made once per name."""
    return {"$call": {"function": "batchnorm_forward", "args": [arg(Z), arg(gamma), arg(beta)]}, "index": 1, "$name": name}


def differs(found, expected, rtol=RTOL, atol=ATOL):
    return not np.allclose(found, expected, rtol=rtol, atol=atol)



# --- batchnorm_forward ----------------------------------------------------------------------
Z = rng(1).normal(2, 3, (5, 16))
GAMMA, BETA = rng(2).normal(1, 0.5, (5, 1)), rng(3).normal(0, 1, (5, 1))
Z_PAIR = rng(4).normal(0, 1, (3, 2))


def normalised(Z, eps=1e-5, ddof=0, axis=1, eps_inside=True):
    mu, var = Z.mean(axis=axis, keepdims=True), Z.var(axis=axis, ddof=ddof, keepdims=True)
    return (Z - mu) / (np.sqrt(var + eps) if eps_inside else np.sqrt(var) + eps)


FORWARD_MISTAKES = [
    (dict(ddof=1), "the variance uses 1/(m-1) (ddof=1). Batch norm uses the mini-batch's biased variance, "
                   "(1/m) sum (z - mu)^2: np.var's default ddof=0."),
    (dict(eps_inside=False), "eps is added outside the square root. Divide by sqrt(var + eps)."),
    (dict(eps=0.0), "eps is missing: divide by sqrt(var + eps), which also keeps a unit with zero variance finite."),
    (dict(axis=0), "the statistics are taken across units. Each unit (row) gets its own mean and variance over "
                   "the m examples of the mini-batch: axis=1, keepdims=True, shapes (n_units, 1)."),
]


def judge_batchnorm_forward(records):
    for label, (Zin, gamma, beta, eps) in FORWARD_CASES.items():
        what = f"batchnorm_forward(Z, gamma, beta{', eps=0.01' if eps != 1e-5 else ''}) for Z of shape {Zin.shape}"
        found = expect_tuple(records.call(label), what, ("Z_tilde", "cache"))
        Z_tilde = expect_float_array(found[0], f"Z_tilde from {what}", Zin.shape)
        expected, _ = ref.batchnorm_forward(Zin, gamma, beta, eps)
        if differs(Z_tilde, expected):
            for variant, hint in FORWARD_MISTAKES:
                if not differs(Z_tilde, gamma * normalised(Zin, **{"eps": eps, **variant}) + beta):
                    raise Failure(f"{what}: {hint}")
            expect_close(Z_tilde, expected, what, rtol=RTOL, atol=ATOL)
    if records.args_after("random")[0] != arg(Z):
        raise Failure("batchnorm_forward changed its input Z in place. Compute on new arrays.")


FORWARD_CASES = {"random": (Z, GAMMA, BETA, 1e-5), "two examples": (Z_PAIR, GAMMA[:3], BETA[:3], 1e-5),
                 "eps": (Z, GAMMA, BETA, 0.01)}


def forward_calls():
    calls = []
    for label, (Zin, gamma, beta, eps) in FORWARD_CASES.items():
        call = {"label": label, "function": "batchnorm_forward", "args": [arg(Zin), arg(gamma), arg(beta)]}
        if eps != 1e-5:
            call["kwargs"] = {"eps": eps}
        calls.append(call)
    return {"calls": calls}


# --- batchnorm_backward ---------------------------------------------------------------------
DZ_TILDE = rng(5).normal(size=Z.shape)


def judge_batchnorm_backward(records):
    what = f"batchnorm_backward(dZ_tilde, cache) for Z of shape {Z.shape}"
    found = expect_tuple(records.call("backward"), what, ("dZ", "dgamma", "dbeta"))
    n, m = Z.shape
    dZ_exp, dgamma_exp, dbeta_exp = ref.batchnorm_backward(DZ_TILDE, ref.batchnorm_forward(Z, GAMMA, BETA)[1])
    for name, value in (("dgamma", found[1]), ("dbeta", found[2])):
        if isinstance(value, np.ndarray) and value.shape == (n, m):
            raise Failure(f"{what}: {name} has shape {value.shape}; sum it over the m examples "
                          f"(axis=1, keepdims=True) to get shape (n_units, 1) = {(n, 1)}.")
    dgamma = expect_float_array(found[1], f"dgamma from {what}", (n, 1))
    dbeta = expect_float_array(found[2], f"dbeta from {what}", (n, 1))
    dZ = expect_float_array(found[0], f"dZ from {what}", (n, m))
    expect_close(dbeta, dbeta_exp, f"dbeta from {what} (the sum of dZ_tilde over examples)", rtol=RTOL, atol=ATOL)
    expect_close(dgamma, dgamma_exp, f"dgamma from {what} (the sum of dZ_tilde * Z_norm)", rtol=RTOL, atol=ATOL)
    sigma = np.sqrt(Z.var(axis=1, keepdims=True) + 1e-5)
    if not differs(dZ, GAMMA * DZ_TILDE / sigma):
        raise Failure(f"{what}: dZ treats mu and var as constants (dZ = gamma * dZ_tilde / sigma). Both depend on "
                      "every z of the mini-batch: include the paths through the mean and the variance.")
    expect_close(dZ, dZ_exp, f"dZ from {what}", rtol=RTOL, atol=ATOL)
    if records.args_after("backward")[0] != arg(DZ_TILDE):
        raise Failure(f"{what}: dZ_tilde was changed in place. Compute on new arrays.")


# --- update_running_stats -------------------------------------------------------------------
RUN_MEAN, RUN_VAR = rng(6).normal(size=(4, 1)), rng(7).random((4, 1)) + 0.5
MU, VAR = rng(8).normal(size=(4, 1)), rng(9).random((4, 1)) + 0.5


def judge_update_running_stats(records):
    for label, momentum in (("default", 0.9), ("momentum 0.8", 0.8)):
        what = f"update_running_stats(running_mean, running_var, mu, var{', momentum=0.8' if momentum != 0.9 else ''})"
        found = expect_tuple(records.call(label), what, ("running_mean", "running_var"))
        mean, var = (expect_float_array(v, what, (4, 1)) for v in found)
        expected = ref.update_running_stats(RUN_MEAN, RUN_VAR, MU, VAR, momentum)
        if not differs(mean, (1 - momentum) * RUN_MEAN + momentum * MU):
            raise Failure(f"{what}: the momentum is reversed. The running average keeps momentum of the old value: "
                          "momentum * running + (1 - momentum) * batch.")
        hint = "Each is momentum * running + (1 - momentum) * batch."
        expect_close(mean, expected[0], f"running_mean from {what}", RTOL, ATOL, hint)
        expect_close(var, expected[1], f"running_var from {what}", RTOL, ATOL, hint)
        if records.args_after(label)[:2] != [arg(RUN_MEAN), arg(RUN_VAR)]:
            raise Failure(f"{what}: the running statistics passed in were changed in place. Return new arrays.")


# --- batchnorm_inference --------------------------------------------------------------------
Z_TEST = rng(10).normal(1, 2, (4, 12))
GAMMA4, BETA4 = GAMMA[:4], BETA[:4]


def judge_batchnorm_inference(records):
    for label, Zin in (("batch", Z_TEST), ("one example", Z_TEST[:, :1])):
        what = f"batchnorm_inference(Z, gamma, beta, running_mean, running_var) for Z of shape {Zin.shape}"
        found = expect_float_array(records.call(label), what, Zin.shape)
        expected = ref.batchnorm_inference(Zin, GAMMA4, BETA4, RUN_MEAN, RUN_VAR)
        own_stats = ref.batchnorm_forward(Zin, GAMMA4, BETA4)[0]
        if differs(found, expected) and not differs(found, own_stats):
            raise Failure(f"{what}: it normalises with the batch's own mean and variance. At test time use the "
                          "running averages from training; a single example has no batch statistics to speak of.")
        expect_close(found, expected, what, rtol=RTOL, atol=ATOL)


# --- the network ----------------------------------------------------------------------------
PIXELS, CLASSES = rng(11).permutation(64), rng(12).permutation(6)
_digits = course_digits()
X_TRAIN, Y_TRAIN = _digits.X_train[PIXELS], one_hot(CLASSES[_digits.train_labels], 6)
X_TEST, LABELS_TEST = _digits.X_test[PIXELS], CLASSES[_digits.test_labels]
LAYERS = [64, 32, 16, 6]
# The seed stays fixed: the orders drawn above already make every submission's training a fresh
# draw. Over 40 of them the reference's test accuracy was 0.97 to 1.00.
NETWORK = [X_TRAIN, Y_TRAIN, LAYERS, 0.1, 15, 64, 0]
REQUIRED_ACCURACY = 0.9
SINGLES = 30
# The last epoch's cost (mean of the mini-batches' costs in training mode, while the weights still
# move) is 1.4 to 1.6 times the test-mode cost of the final weights on the training set, and the
# reference's last cost varies by a factor 1.6 between seeds.
COST_RATIO_TO_FINAL = (0.8, 3.0)
COST_RATIO_TO_REFERENCE = (0.5, 2.0)


def network_calls():
    trained = {"function": "train_bn_network", "args": [arg(a) for a in NETWORK]}
    params = {"$call": trained, "index": 0, "$name": "trained"}
    running = {"$call": trained, "index": 1, "$name": "trained"}
    return {"calls": [
        {"label": "train", "shown": "train_bn_network(X_train, Y_train, ...)", "callable": "lambda result: result",
         "needs": ["train_bn_network"], "args": [{"$call": trained, "$name": "trained"}]},
        {"label": "test set", "function": "predict_bn_network", "needs": ["train_bn_network"],
         "args": [arg(X_TEST), params, running]},
        {"label": "one at a time", "shown": "predict_bn_network on one test example at a time",
         "callable": "lambda predict, X, params, running: np.array([np.ravel(predict(X[:, [k]], params, running))[0] "
                     "for k in range(X.shape[1])])",
         "needs": ["train_bn_network", "predict_bn_network"],
         "args": [{"$function": "predict_bn_network"}, arg(X_TEST[:, :SINGLES]), params, running]},
    ]}


def judge_network(records):
    what = "train_bn_network(X_train, Y_train, [64, 32, 16, 6], 0.1, 15, 64, seed=0) on the course's digits"
    params, running, costs = expect_tuple(records.call("train"), what, ("params", "running", "costs"))
    if isinstance(params, dict) and any(f"b{l}" in params for l in (1, 2)):
        raise Failure(f"{what}: the hidden layers have a bias b. Batch norm subtracts the mean, which cancels any b; "
                      "its beta takes over that role, so LINEAR layers before BN have no b.")
    costs = np.asarray(costs, dtype=np.float64) if isinstance(costs, list) else None
    if costs is None or costs.ndim != 1 or costs.size != 15 or not np.all(np.isfinite(costs)):
        raise Failure(f"{what}: expected costs to be a list of 15 finite numbers, one per epoch.")
    if costs[-1] >= costs[0]:
        raise Failure(f"{what}: the cost went from {costs[0]:.4g} to {costs[-1]:.4g}; it should fall.")
    params, running = network_arrays(params, running, what)
    expected = ref.predict_bn_network(X_TEST, params, running)
    accuracy = float(np.mean(expected == LABELS_TEST))
    if accuracy < REQUIRED_ACCURACY:
        raise Failure(f"{what}: in test mode (batch norm with the running statistics) the returned parameters classify "
                      f"{accuracy:.0%} of the test set correctly; at least {REQUIRED_ACCURACY:.0%} is expected.")
    expect_consistent_costs(costs, params, running, what)
    predictions = records.call("test set")
    predictions = expect_float_array(predictions if not isinstance(predictions, list) else np.asarray(predictions),
                                     "predict_bn_network on the test set", LABELS_TEST.shape)
    wrong = int(np.sum(predictions != expected))
    if wrong:
        raise Failure(f"predict_bn_network(X_test, params, running) gives {wrong} of {expected.size} test examples "
                      "another class than the network computes in test mode from these params and running statistics. "
                      "Normalise each hidden layer with the running averages (batchnorm_inference), apply ReLU, and "
                      "return the argmax of the output layer's W X + b.")
    singles = expect_float_array(records.call("one at a time"), "predictions one example at a time", (SINGLES,))
    if np.any(singles != predictions[:SINGLES]):
        raise Failure("predict_bn_network gives other classes for one example at a time than for the whole test "
                      "set. In test mode, normalise with the running averages, not the statistics of the batch you "
                      "are given (a single example has variance 0).")


def network_arrays(params, running, what):
    """The network's params (W1, gamma1, beta1, ..., W4, b4) and running statistics (mean1, var1, ...)
    as float64 arrays of the course's shapes; Failure naming the first one that is not."""
    if not isinstance(params, dict) or not isinstance(running, dict):
        raise Failure(f"{what}: expected params and running to be dicts, found {describe(params)} and {describe(running)}.")
    shapes = {f"W{l}": (LAYERS[l], LAYERS[l - 1]) for l in range(1, len(LAYERS))}
    shapes.update({f"{name}{l}": (LAYERS[l], 1) for l in range(1, len(LAYERS) - 1) for name in ("gamma", "beta")})
    shapes[f"b{len(LAYERS) - 1}"] = (LAYERS[-1], 1)
    statistics = {f"{name}{l}": (LAYERS[l], 1) for l in range(1, len(LAYERS) - 1) for name in ("mean", "var")}
    found = []
    for kind, values, expected in (("params", params, shapes), ("running", running, statistics)):
        missing = [key for key in expected if key not in values]
        if missing:
            raise Failure(f"{what}: {kind} has no {missing[0]!r} (found the keys {sorted(map(str, values))}). The grader "
                          f"reads {', '.join(expected)}.")
        found.append({key: expect_float_array(values[key], f"{kind}[{key!r}] from {what}", shape)
                      for key, shape in expected.items()})
    return found


def expect_consistent_costs(costs, params, running, what):
    """The last epoch's cost must agree with the returned parameters, and with the cost that training
    the network as specified reaches."""
    A, _, _ = ref.bn_network_forward(X_TRAIN, params, running, training=False)
    final = float(-np.sum(Y_TRAIN * np.log(np.clip(A, 1e-12, 1))) / Y_TRAIN.shape[1])
    low, high = COST_RATIO_TO_FINAL
    if not low * final <= costs[-1] <= high * final:
        raise Failure(f"{what}: the last epoch's cost is {costs[-1]:.4g}, but the returned parameters have a cost of "
                      f"{final:.4g} on the training set (in test mode), which the last epoch's cost should be a little "
                      "above. The cost of an epoch is the summed cross-entropy over its mini-batches divided by m, "
                      "computed with the parameters being trained.")
    reached = ref.train_bn_network(*NETWORK)[2][-1]
    low, high = COST_RATIO_TO_REFERENCE
    if not low * reached <= costs[-1] <= high * reached:
        raise Failure(f"{what}: the last epoch's cost is {costs[-1]:.4g}, where 15 epochs of mini-batch gradient "
                      f"descent as specified reach about {reached:.4g}. Train for num_epochs epochs of mini-batches of "
                      "batch_size, with learning_rate.")


CHECKS = [
    Check("test_batchnorm_forward", forward_calls, judge_batchnorm_forward,
          shortcuts=("tensorflow.nn.batch_normalization", "keras.layers.BatchNormalization",
                     "sklearn.preprocessing.StandardScaler", "sklearn.preprocessing.scale", "scipy.stats.zscore")),
    Check("test_batchnorm_backward", lambda: {"calls": [{"label": "backward", "function": "batchnorm_backward",
                                                          "needs": ["batchnorm_forward"],
                                                          "args": [arg(DZ_TILDE), forward_cache(Z, GAMMA, BETA, "bn")]}]},
          judge_batchnorm_backward, shortcuts=("tensorflow.GradientTape", "jax.grad", "jax.vjp", "torch.autograd")),
    Check("test_update_running_stats", lambda: {"calls": [
        {"label": "default", "function": "update_running_stats", "args": [arg(a) for a in (RUN_MEAN, RUN_VAR, MU, VAR)]},
        {"label": "momentum 0.8", "function": "update_running_stats", "args": [arg(a) for a in (RUN_MEAN, RUN_VAR, MU, VAR)],
         "kwargs": {"momentum": 0.8}}]}, judge_update_running_stats,
          shortcuts=("keras.layers.BatchNormalization", "tensorflow.train.ExponentialMovingAverage")),
    Check("test_batchnorm_inference", lambda: {"calls": [
        {"label": label, "function": "batchnorm_inference", "args": [arg(a) for a in (Zin, GAMMA4, BETA4, RUN_MEAN, RUN_VAR)]}
        for label, Zin in (("batch", Z_TEST), ("one example", Z_TEST[:, :1]))]}, judge_batchnorm_inference,
          shortcuts=("tensorflow.nn.batch_normalization", "keras.layers.BatchNormalization")),
    Check("test_train_bn_network", network_calls, judge_network,
          shortcuts=("keras.layers.BatchNormalization", "keras.Sequential", "sklearn.neural_network.MLPClassifier")),
]
