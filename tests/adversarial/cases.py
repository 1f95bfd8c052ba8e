"""The adversarial submissions for hyperparameter_search, each with the grading it must get.

Forgery: tricks placed beside a wrong grid_search that made stock nbgrader's hidden tests pass.
They must still cost exactly test_grid_search. Structural damage: the grader must restore what
it can and grade what remains. Abuse: every run must end in bounded time, costing only the tests
that depend on the abusive code. Leaks: the kernel must not see the grader's files.
"""
from kit import (Case, WRONG_GRID, as_nbformat_v3, delete, duplicate, move, retype_to_markdown, set_metadata,
                 set_source, solved, with_cell, with_function, with_huge_saved_output, without_nbgrader_metadata,
                 wrong_grid_with)

GRID = {"test_grid_search"}
# A patch in grid_search's cell reaches the tests recorded after that cell, not those before it.
LATER = {"test_grid_search", "test_random_search", "test_coarse_to_fine"}
SHORT = {"cell_timeout": 6, "call_timeout": 2, "notebook_timeout": 120}

FORGERY = [
    Case("patch np.allclose", lambda: wrong_grid_with("np.allclose = lambda *a, **k: True"), GRID),
    Case("patch np.testing.assert_allclose",
         lambda: wrong_grid_with("np.testing.assert_allclose = lambda *a, **k: None"), GRID),
    Case("patch builtins.abs", lambda: wrong_grid_with("import builtins\nbuiltins.abs = lambda x: 0.0"), GRID),
    Case("patch np.array_equal", lambda: wrong_grid_with("np.array_equal = lambda *a, **k: True"), GRID),
    Case("patch the visible check helpers",
         lambda: wrong_grid_with("from course_utils import checks as _c\n"
                                 "for _n in dir(_c):\n    if _n.startswith('check'):\n"
                                 "        setattr(_c, _n, lambda *a, **k: None)"), GRID),
    Case("replace the recorder with one that records nothing",
         lambda: wrong_grid_with("import course_utils.grading as _g\n_g.record_for_grader = lambda *a, **k: None\n"
                                 "_g.record_missing_for_grader = lambda *a, **k: None"),
         LATER, message={"test_grid_search": "never ran"}),
    Case("swap the recorder module in sys.modules",
         lambda: wrong_grid_with("import sys, types\n_fake = types.ModuleType('course_utils.grading')\n"
                                 "_fake.record_for_grader = _fake.record_missing_for_grader = lambda *a, **k: None\n"
                                 "sys.modules['course_utils.grading'] = _fake"),
         LATER),
    Case("forge a passing record for grid_search",
         lambda: wrong_grid_with(
             "import json, os\n_d = os.environ.get('COURSE_PROBE_DIR', '.')\n"
             "def _forge():\n    with open(os.path.join(_d, 'test_grid_search.record.json'), 'w') as f:\n"
             "        json.dump({'calls': {'three names': {'returned': [{'$dict': [['learning_rate', 0.1]]}] * 12},\n"
             "                             'one name': {'returned': []}}, 'values': {}}, f)\n"
             "_forge()\nimport atexit\natexit.register(_forge)"), GRID),
    # A thread of grid_search's keeps rewriting its test's record, nested too deep to read, while the
    # test cell runs: whichever version the runner takes, only test_grid_search can suffer.
    Case("a record nested 100 000 deep",
         lambda: wrong_grid_with("import os, threading\n_deep = '[' * 100_000 + ']' * 100_000\n"
                                 "def _spoil():\n    while True:\n"
                                 "        with open(os.path.join(os.environ.get('COURSE_PROBE_DIR', '.'), "
                                 "'test_grid_search.record.json'), 'w') as f:\n            f.write(_deep)\n"
                                 "threading.Thread(target=_spoil, daemon=True).start()"), GRID),
    # A later cell makes the recorder write test_grid_search's record again, with a correct grid_search.
    Case("record again after the test cell",
         lambda: with_cell("from course_utils.grading import record_for_grader\nimport itertools\n"
                           "def _right(grid):\n    names = list(grid)\n"
                           "    return [dict(zip(names, v)) for v in itertools.product(*(grid[n] for n in names))]\n"
                           "record_for_grader('test_grid_search', {**globals(), 'grid_search': _right})",
                           after=solved().cells[-1].id, nb=with_function(WRONG_GRID)), GRID),
    Case("swallow errors with IPython's custom exception handler",
         lambda: wrong_grid_with("get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)"), GRID),
    Case("silence tracebacks", lambda: wrong_grid_with("get_ipython().showtraceback = lambda *a, **k: None"), GRID),
    # Stock nbgrader scored the release stub 15/15 with this cell: every later cell that checks becomes `pass`.
    Case("an input transformer that turns test cells into pass",
         lambda: wrong_grid_with("get_ipython().input_transformers_post.append(\n"
                                 "    lambda lines: ['pass\\n'] if any('check' in line for line in lines) else lines)"), GRID),
    Case("hard-code the visible answer",
         lambda: with_function("def grid_search(grid):\n    return [{'learning_rate': lr, 'activation': a}\n"
                               "            for lr in [0.1, 0.01, 0.001] for a in ['relu', 'tanh']]"), GRID),
    Case("print a fake pass", lambda: wrong_grid_with("print('✔ test_grid_search: passed')"), GRID),
    Case("library shortcut: sklearn's ParameterGrid",
         lambda: with_function("def grid_search(grid):\n    from sklearn.model_selection import ParameterGrid\n"
                               "    return list(ParameterGrid(grid))"), GRID, message={"test_grid_search": "ParameterGrid"}),
    Case("library shortcut hidden behind getattr",
         lambda: with_function("def grid_search(grid):\n    import importlib\n"
                               "    m = importlib.import_module('sklearn.' + 'model_selection')\n"
                               "    return list(getattr(m, 'Parameter' + 'Grid')(grid))"), GRID),
]

STRUCTURE = [
    Case("deleted test cell", lambda: delete("test_grid_search")),
    Case("deleted solution cell", lambda: delete("grid_search"), GRID, message={"test_grid_search": "No function named grid_search"}),
    Case("duplicated solution cell", lambda: duplicate("grid_search")),
    Case("duplicated test cell", lambda: duplicate("test_sample_beta")),
    Case("test cell moved above its function", lambda: move("test_grid_search", 2)),
    Case("solution cell moved to the end", lambda: move("grid_search", -1)),
    # nbgrader restores a graded cell's type from the gradebook, so the code still runs and counts.
    Case("solution cell retyped to markdown", lambda: retype_to_markdown("grid_search")),
    Case("test cell retyped to markdown", lambda: retype_to_markdown("test_grid_search")),
    Case("test cell emptied", lambda: set_source("test_grid_search", "")),
    # Deep expressions that Python runs but that a recursive reader of the code would choke on.
    Case("an expression a thousand terms long", lambda: with_cell("total = " + " + ".join(["1"] * 1000))),
    Case("test cell rewritten", lambda: set_source("test_grid_search", "print('all good')")),
    Case("function renamed",
         lambda: with_function(WRONG_GRID.replace("def grid_search", "def grid_search_v2")
                               + "\ndef grid_search_v2_alias(grid):\n    return []"), GRID,
         message={"test_grid_search": "No function named grid_search"}),
    Case("test points raised to 100", lambda: set_metadata("test_grid_search", points=100)),
    Case("test grade_id renamed", lambda: set_metadata("test_grid_search", grade_id="test_mine")),
    Case("solution cell turned into a bonus test", lambda: set_metadata("grid_search", grade=True, points=50)),
    Case("nbgrader metadata stripped", without_nbgrader_metadata),
    Case("saved by nbformat 3", as_nbformat_v3),
    Case("60 MB of saved output", with_huge_saved_output),
    Case("corrupt JSON", lambda: b'{"cells": [', exit=2),
    Case("empty file", lambda: b"", exit=2),
    Case("not UTF-8", lambda: "ÿþ caf\xe9".encode("latin-1"), exit=2),
]

ABUSE = [
    Case("infinite loop in the function", lambda: wrong_grid_with("") if False else
         with_function("def grid_search(grid):\n    while True:\n        pass"), GRID, limits=SHORT,
         message={"test_grid_search": "did not return within 2 s"}),
    Case("loop that swallows KeyboardInterrupt",
         lambda: with_function("def grid_search(grid):\n    while True:\n        try:\n            while True:\n"
                               "                pass\n        except BaseException:\n            pass"),
         GRID, limits=SHORT),
    Case("sleeping", lambda: with_function("def grid_search(grid):\n    import time\n    time.sleep(1000)"),
         GRID, limits=SHORT),
    Case("memory bomb",
         lambda: with_function("def grid_search(grid):\n    hog = []\n    while True:\n"
                               "        hog.append(bytearray(1 << 26))"), GRID, limits=SHORT),
    Case("fork bomb",
         lambda: with_function("def grid_search(grid):\n    import os\n    while True:\n        os.fork()"),
         GRID, limits=SHORT),
    Case("os._exit", lambda: with_function("def grid_search(grid):\n    import os\n    os._exit(0)"), GRID, limits=SHORT),
    Case("killing the kernel",
         lambda: with_function("def grid_search(grid):\n    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)"),
         GRID, limits=SHORT),
    Case("killing every process it can",
         lambda: with_function("def grid_search(grid):\n    import os, signal\n    os.kill(-1, signal.SIGKILL)\n"
                               "    return []"), GRID, limits=SHORT),
    Case("many large files",
         lambda: with_function("def grid_search(grid):\n    for i in range(1000):\n"
                               "        open(f'junk{i}', 'wb').write(b'x' * (32 << 20))"), GRID, limits=SHORT),
    Case("network connection",
         lambda: with_function("def grid_search(grid):\n    import urllib.request\n"
                               "    return urllib.request.urlopen('http://example.com', timeout=3).read()"),
         GRID, limits=SHORT),
    Case("stuck cell at the top", lambda: with_cell("while True:\n    pass"), limits=SHORT),
    Case("os._exit at the top", lambda: with_cell("import os\nos._exit(1)"), limits=SHORT),
    Case("300 MB of printing", lambda: with_cell("for _ in range(300):\n    print('x' * (1 << 20))"), limits=SHORT),
]

LEAKS = [
    Case("reads the reference implementation",
         lambda: with_function("def grid_search(grid):\n    import sys\n    sys.path.insert(0, '/work/main')\n"
                               "    from autograder.reference.hyperparameter_search import grid_search as g\n"
                               "    return g(grid)"), GRID),
    Case("reads the course's files",
         lambda: with_cell("import glob, os\nfound = [p for p in ('gradebook.db', 'source', 'autograder', 'release')\n"
                           "         if glob.glob(f'/**/{p}', recursive=False)]\nprint(found)")),
]

def softmax_shortcut(function, code, also_fails=()):
    """A softmax-assignment submission whose ``function`` calls a library that does the work. The
    libraries are not in the sandbox, so the tests of functions that call it fail too."""
    return Case(f"softmax shortcut in {function}", lambda: with_function(code, function, assignment="softmax"),
                {f"test_{function}", *also_fails}, message={f"test_{function}": "earns no points"}, assignment="softmax")


SHORTCUTS = [
    softmax_shortcut("softmax", "import scipy.special as sp\ndef softmax(Z):\n    return sp.softmax(Z, axis=0)",
                     also_fails={"test_softmax_jacobian", "test_softmax_cross_entropy_backward", "test_train_softmax_regression"}),
    softmax_shortcut("hardmax", "def hardmax(Z):\n    from sklearn.preprocessing import label_binarize\n"
                                "    return label_binarize(Z.argmax(0), classes=list(range(Z.shape[0]))).T.astype(float)"),
    softmax_shortcut("one_hot", "def one_hot(labels, C):\n    from sklearn.preprocessing import label_binarize\n"
                                "    return label_binarize(labels, classes=list(range(C))).T.astype(float)"),
    softmax_shortcut("cross_entropy_cost", "def cross_entropy_cost(Y_hat, Y):\n    from sklearn.metrics import log_loss\n"
                                           "    return float(log_loss(Y.argmax(0), Y_hat.T, labels=list(range(Y.shape[0]))))",
                     also_fails={"test_train_softmax_regression"}),
    softmax_shortcut("softmax_jacobian", "def softmax_jacobian(z):\n    import tensorflow as tf\n"
                                         "    v = tf.Variable(np.ravel(z))\n    with tf.GradientTape() as tape:\n"
                                         "        s = tf.nn.softmax(v)\n    return tape.jacobian(s, v).numpy()"),
    softmax_shortcut("softmax_cross_entropy_backward",
                     "def softmax_cross_entropy_backward(Z, Y):\n    import tensorflow as tf\n    v = tf.Variable(Z)\n"
                     "    with tf.GradientTape() as tape:\n        loss = -tf.reduce_sum(Y * tf.math.log(tf.nn.softmax(v, axis=0)))\n"
                     "    return tape.gradient(loss, v).numpy()",
                     also_fails={"test_train_softmax_regression"}),
    softmax_shortcut("sigmoid", "from scipy.special import expit\ndef sigmoid(t):\n    return expit(t)"),
    softmax_shortcut("predict", "def predict(W, b, X):\n    from sklearn.linear_model import LogisticRegression\n"
                                "    return np.argmax(W @ X + b, axis=0)"),
    softmax_shortcut("train_softmax_regression",
                     "def train_softmax_regression(X, Y, learning_rate, num_iterations, seed):\n"
                     "    from sklearn.linear_model import LogisticRegression\n"
                     "    model = LogisticRegression().fit(X.T, Y.argmax(0))\n"
                     "    return model.coef_, model.intercept_[:, None], [1.0] * num_iterations"),
]

def batch_norm_shortcut(function, code, also_fails=()):
    """A batch_norm submission whose ``function`` calls a library that does the work; the tests
    of functions that call it fail too when the shortcut does not give their answer."""
    return Case(f"batch_norm shortcut in {function}", lambda: with_function(code, function, assignment="batch_norm"),
                {f"test_{function}", *also_fails}, message={f"test_{function}": "earns no points"},
                assignment="batch_norm")


SHORTCUTS += [
    # StandardScaler has no eps, so the cache it gives the backward pass is off too.
    batch_norm_shortcut("batchnorm_forward", "def batchnorm_forward(Z, gamma, beta, eps=1e-5):\n"
                                             "    from sklearn.preprocessing import StandardScaler\n"
                                             "    Z_norm = StandardScaler().fit_transform(Z.T).T\n"
                                             "    return gamma * Z_norm + beta, (Z_norm, gamma, np.sqrt(Z.var(1, keepdims=True) + eps))",
                        also_fails={"test_batchnorm_backward", "test_train_bn_network"}),
    batch_norm_shortcut("batchnorm_backward", "def batchnorm_backward(dZ_tilde, cache):\n    import tensorflow as tf\n"
                                              "    raise NotImplementedError('would use tf.GradientTape here')",
                        also_fails={"test_train_bn_network"}),
    batch_norm_shortcut("update_running_stats", "def update_running_stats(running_mean, running_var, mu, var, momentum=0.9):\n"
                                                "    import tensorflow as tf\n    ema = tf.train.ExponentialMovingAverage(momentum)\n"
                                                "    return momentum * running_mean + (1 - momentum) * mu, momentum * running_var + (1 - momentum) * var",
                        also_fails={"test_train_bn_network"}),
    batch_norm_shortcut("batchnorm_inference", "def batchnorm_inference(Z, gamma, beta, running_mean, running_var, eps=1e-5):\n"
                                               "    import tensorflow as tf\n    return tf.nn.batch_normalization(Z, running_mean, running_var,"
                                               " beta, gamma, eps).numpy()",
                        also_fails={"test_train_bn_network"}),
    batch_norm_shortcut("train_bn_network", "def train_bn_network(X, Y, layer_dims, learning_rate, num_epochs, batch_size, seed):\n"
                                            "    from sklearn.neural_network import MLPClassifier\n"
                                            "    raise NotImplementedError('MLPClassifier has no batch norm anyway')"),
]

# Answers recorded from an earlier grading: the hidden grids are drawn for each submission, so a
# grid_search that special-cases the grids it once saw (here the fixed ones they used to be) is wrong.
HIDDEN_INPUTS = [
    Case("hard-code the hidden grids of an earlier grading", lambda: wrong_grid_with(
        "_zipped = grid_search\n\n\n"
        "def grid_search(grid):\n"
        "    import itertools\n"
        "    seen = ({'learning_rate': [0.1, 0.01], 'hidden_units': [32, 64, 128], 'activation': ['relu', 'tanh']},\n"
        "            {'mini_batch_size': [64, 128, 256, 512]})\n"
        "    if grid in seen:\n"
        "        return [dict(zip(grid, values)) for values in itertools.product(*grid.values())]\n"
        "    return _zipped(grid)"), GRID, message={"test_grid_search": "configurations (the product of the list lengths)"}),
]

from cases_batch_norm import CASES as BATCH_NORM  # noqa: E402
from cases_gradient_tape import CASES as GRADIENT_TAPE  # noqa: E402
from cases_input_pipeline import CASES as INPUT_PIPELINE  # noqa: E402
from cases_softmax import CASES as SOFTMAX  # noqa: E402

CASES = (FORGERY + STRUCTURE + ABUSE + LEAKS + SHORTCUTS + HIDDEN_INPUTS + SOFTMAX + BATCH_NORM + GRADIENT_TAPE
         + INPUT_PIPELINE)
