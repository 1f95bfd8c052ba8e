"""Adversarial submissions for gradient_tape: a library shortcut in every graded function, and tricks
specific to its checks. Each Case says which tests must fail."""
from kit import Case, index_of, shortcut_case, solved, with_function


def gradient_tape_shortcut(function, code, also_fails=()):
    return shortcut_case("gradient_tape", function, code, also_fails)


SHORTCUTS = [
    # train calls train_step, so a train_step that gives no answer costs test_train too.
    gradient_tape_shortcut("train_step", "def train_step(w, optimizer, cost_fn):\n"
                                         "    legacy = tf.compat.v1.train.GradientDescentOptimizer(0.1)\n"
                                         "    raise NotImplementedError('would call legacy.minimize(cost_fn, [w])')",
                           also_fails={"test_train"}),
    gradient_tape_shortcut("minimize", "def minimize(optimizer, cost_fn, var_list):\n    import tf_keras\n"
                                       "    return tf_keras.optimizers.SGD(0.1).minimize(cost_fn, var_list)"),
    # A correct answer through a library: only the scan can tell, and it costs this test alone.
    gradient_tape_shortcut("quadratic_cost", "def quadratic_cost(w, x):\n"
                                             "    return tf.math.polyval([tf.constant(float(c)) for c in x], w)"),
    gradient_tape_shortcut("train", "def train(x, learning_rate, num_steps, optimizer_name):\n"
                                    "    from scipy.optimize import minimize as scipy_minimize\n"
                                    "    best = scipy_minimize(lambda w: x[0] * w[0] ** 2 + x[1] * w[0] + x[2], [0.0]).x[0]\n"
                                    "    return tf.Variable(float(best))"),
    gradient_tape_shortcut("one_hot_matrix", "def one_hot_matrix(labels, depth=6):\n"
                                             "    return tf.constant(tf.keras.utils.to_categorical(labels.numpy(), depth).T)"),
    gradient_tape_shortcut("initialize_parameters", "def initialize_parameters(layer_dims, seed):\n"
                                                    "    layer = tf.keras.layers.Dense(layer_dims[1])\n"
                                                    "    raise NotImplementedError('would read layer.kernel')",
                           also_fails={"test_model"}),
    gradient_tape_shortcut("forward_propagation", "def forward_propagation(X, parameters):\n"
                                                  "    network = tf.keras.Sequential()\n"
                                                  "    raise NotImplementedError('would call network(X)')",
                           also_fails={"test_model"}),
    gradient_tape_shortcut("compute_total_loss", "def compute_total_loss(logits, labels):\n"
                                                 "    from sklearn.metrics import log_loss\n"
                                                 "    raise NotImplementedError('would call log_loss(labels, logits)')",
                           also_fails={"test_model"}),
    gradient_tape_shortcut("model", "def model(X_train, Y_train, X_test, Y_test, learning_rate=0.01, num_epochs=30,"
                                    " minibatch_size=64, seed=1):\n"
                                    "    from sklearn.neural_network import MLPClassifier\n"
                                    "    raise NotImplementedError('would fit MLPClassifier')"),
]

TRICKS = [
    # A train_step that moves w straight to the answer the check expects, without a tape, fails:
    # the judge sees the value of w, not how it was reached, so it must at least reach it with
    # the given optimizer; jumping to the minimum is not one step of SGD.
    Case("gradient_tape: train_step jumps to the minimum", lambda: with_function(
        "def train_step(w, optimizer, cost_fn):\n    cost = cost_fn()\n    w.assign(w * 0 + 5.0)\n    return cost",
        "train_step", assignment="gradient_tape"),
        {"test_train_step", "test_train"}, assignment="gradient_tape"),
    # Returning a Keras 3 variable instead of tf.Variable is named as such.
    Case("gradient_tape: initialize_parameters returns keras.Variable", lambda: with_function(
        "def initialize_parameters(layer_dims, seed):\n    import keras\n    parameters = {}\n"
        "    for l in range(1, len(layer_dims)):\n"
        "        init = tf.keras.initializers.GlorotNormal(seed=seed + l)\n"
        "        parameters[f'W{l}'] = keras.Variable(init(shape=(layer_dims[l], layer_dims[l - 1])))\n"
        "        parameters[f'b{l}'] = keras.Variable(tf.zeros((layer_dims[l], 1)))\n    return parameters",
        "initialize_parameters", assignment="gradient_tape"),
        {"test_initialize_parameters", "test_model"}, message={"test_initialize_parameters": "keras.Variable"},
        assignment="gradient_tape"),
]



def prepared_model():
    """model returns weights trained once on the published digits (in the notebook, as pasted weights
    would be), with honest accuracies of them on whatever data it is given."""
    nb = solved("gradient_tape")
    cell = nb.cells[index_of(nb, "model")]
    cell.source += ("\n\n_prepared = model(X_train, Y_train, X_test, Y_test, 0.01, 3, 64, 1)\n\n\n"
                    "def model(X_train, Y_train, X_test, Y_test, learning_rate=0.01, num_epochs=30, minibatch_size=64, seed=1):\n"
                    "    parameters, costs, _, _ = _prepared\n"
                    "    return (parameters, costs, [accuracy(X_train, Y_train, parameters)] * num_epochs,\n"
                    "            [accuracy(X_test, Y_test, parameters)] * num_epochs)\n")
    return nb


# Answers looked up instead of computed: the hidden inputs are drawn per submission, so answers
# recorded from an earlier grading (here the ones the fixed inputs used to have) are worth nothing.
HIDDEN_INPUTS = [
    Case("gradient_tape: model returns weights prepared on the published digits", prepared_model,
         {"test_model"}, message={"test_model": "of the test images correctly"}, assignment="gradient_tape"),
    Case("gradient_tape: train looks up the answers of known hidden runs", lambda: with_function(
        "def train(x, learning_rate, num_steps, optimizer_name):\n"
        "    if optimizer_name not in ('sgd', 'adam', 'rmsprop'):\n"
        "        raise ValueError(f'unknown optimizer {optimizer_name}')\n"
        "    known = {((1.0, -10.0, 25.0), 200): 5.000109539469979, ((1.0, -10.0, 25.0), 10): 0.9923982178258147,\n"
        "             ((2.0, 4.0, -1.0), 40): -0.9998670772004215, ((2.0, 4.0, -1.0), 60): -0.624406933385941}\n"
        "    return tf.Variable(known.get((tuple(float(v) for v in x), num_steps), 0.0))",
        "train", assignment="gradient_tape"),
        {"test_train"}, message={"test_train": "expected w close to"}, assignment="gradient_tape"),
]

CASES = SHORTCUTS + TRICKS + HIDDEN_INPUTS
