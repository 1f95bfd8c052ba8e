"""Library shortcuts that a scan of a graded function's own cell misses: a helper cell, private paths,
aliases and star imports.

Two mechanisms answer them. A library the assignment does not use is not in the sandbox at all
(scipy and scikit-learn never, TensorFlow not for the numpy assignments), so nothing can call it.
For a library it does use, the scan follows every cell the function reaches, and the sandbox
resolves each dotted name of the notebook to the object it denotes, so another spelling of a
forbidden object is still that object.
"""
import copy
from dataclasses import dataclass, field

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from autograder.examples import source_notebook
from autograder.grade import grade_notebook
from autograder.sandbox import Limits, run_notebook
from autograder.kernel_libraries import visible_entries

SOFTMAX_TESTS = {"test_softmax", "test_hardmax", "test_one_hot", "test_cross_entropy_cost", "test_softmax_jacobian",
                 "test_softmax_cross_entropy_backward", "test_sigmoid", "test_predict", "test_train_softmax_regression"}

# The stub from the issue: every graded softmax function is `return _helper(...)`, and one helper cell
# makes the library calls that scored 15/15 when only the functions' own cells were scanned.
HELPERS = '''import numpy as np
import scipy.special
from scipy.special import expit
from sklearn.metrics import log_loss
from sklearn.linear_model import LogisticRegression
import tensorflow as tf

def _softmax(Z):
    return scipy.special.softmax(Z, axis=0)

def _hardmax(Z):
    return tf.one_hot(np.argmax(Z, axis=0), Z.shape[0], axis=0).numpy()

def _one_hot(labels, C):
    return tf.one_hot(labels, C, axis=0).numpy().astype(float)

def _cost(Y_hat, Y):
    return float(log_loss(Y.argmax(axis=0), Y_hat.T, labels=list(range(Y.shape[0]))))

def _jacobian(z):
    z = tf.Variable(np.asarray(z, dtype=float).ravel())
    with tf.GradientTape() as tape:
        s = tf.nn.softmax(z)
    return tape.jacobian(s, z).numpy()

def _backward(Z, Y):
    Z = tf.Variable(Z)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(tf.constant(Y.T), tf.transpose(Z)))
    return tape.gradient(loss, Z).numpy()

def _model(X, Y, seed):
    return LogisticRegression(random_state=seed).fit(X.T, Y.argmax(axis=0))
'''
GRADED = {
    "softmax": "def softmax(Z):\n    return _softmax(Z)",
    "hardmax": "def hardmax(Z):\n    return _hardmax(Z)",
    "one_hot": "def one_hot(labels, C):\n    return _one_hot(labels, C)",
    "cross_entropy_cost": "def cross_entropy_cost(Y_hat, Y):\n    return _cost(Y_hat, Y)",
    "softmax_jacobian": "def softmax_jacobian(z):\n    return _jacobian(z)",
    "softmax_cross_entropy_backward": "def softmax_cross_entropy_backward(Z, Y):\n    return _backward(Z, Y)",
    "sigmoid": "def sigmoid(t):\n    return expit(t)",
    "predict": "def predict(W, b, X):\n    return np.argmax(W @ X + b, axis=0)",
    "train_softmax_regression": "def train_softmax_regression(X, Y, learning_rate, num_iterations, seed):\n"
                                "    m = _model(X, Y, seed)\n"
                                "    return m.coef_, m.intercept_.reshape(-1, 1), [0.0] * num_iterations",
}
# Private paths and aliases of the same objects.
PRIVATE = {
    "softmax": "import scipy.special._logsumexp as _l\ndef softmax(Z):\n    return _l.softmax(Z, axis=0)",
    "sigmoid": "from scipy.special._ufuncs import expit as _e\ndef sigmoid(t):\n    return _e(t)",
    "cross_entropy_cost": "def cross_entropy_cost(Y_hat, Y):\n    from sklearn.metrics._classification import log_loss\n"
                          "    return float(log_loss(Y.argmax(axis=0), Y_hat.T, labels=list(range(Y.shape[0]))))",
    "softmax_jacobian": "import tensorflow as tf\ndef softmax_jacobian(z):\n    z = tf.constant(np.ravel(z))\n"
                        "    rows = []\n    for i in range(z.shape[0]):\n"
                        "        with tf.autodiff.ForwardAccumulator(z, tf.one_hot(i, z.shape[0], dtype=z.dtype)) as acc:\n"
                        "            s = tf.nn.softmax(z)\n        rows.append(acc.jvp(s).numpy())\n    return np.stack(rows, axis=1)",
    "softmax_cross_entropy_backward": "import tensorflow as tf\n@tf.function\ndef _g(Z, Y):\n"
                                      "    return tf.gradients(tf.reduce_sum(-Y * tf.math.log(tf.nn.softmax(Z, axis=0))), Z)[0]\n"
                                      "def softmax_cross_entropy_backward(Z, Y):\n    return _g(tf.constant(Z), tf.constant(Y)).numpy()",
    "train_softmax_regression": "from sklearn.linear_model import LogisticRegressionCV\n"
                                "def train_softmax_regression(X, Y, learning_rate, num_iterations, seed):\n"
                                "    m = LogisticRegressionCV().fit(X.T, Y.argmax(axis=0))\n"
                                "    return m.coef_, m.intercept_.reshape(-1, 1), [0.0] * num_iterations",
}


LIMITS = Limits(cell_timeout=120, notebook_timeout=200, memory_bytes=2 << 30, address_space_bytes=6 << 30,
                processes=64, max_output_bytes=1 << 20, max_cell_output_bytes=1 << 18, disk_bytes=32 << 20,
                file_size_bytes=8 << 20)


@dataclass
class Attack:
    name: str
    assignment: str
    replace: dict                       # grade_id -> new source of that solution cell
    before: str = ""                    # a code cell put before the first replaced cell
    fails: set = field(default_factory=set)
    message: dict = field(default_factory=dict)

    def notebook(self):
        nb = copy.deepcopy(source_notebook(self.assignment))
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in self.replace:
                cell.source = self.replace[grade_id]
        if self.before:
            first = min(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") in self.replace)
            nb.cells.insert(first, new_code_cell(self.before))
        return nb


DENSE = ("import keras.src.layers.core.dense as _dense\n"
         "def forward_propagation(X, parameters):\n"
         "    Z = tf.transpose(X)\n"
         "    for l in (1, 2, 3):\n"
         "        layer = _dense.Dense(parameters[f'W{l}'].shape[0], activation='relu' if l < 3 else None)\n"
         "        layer.build(Z.shape)\n"
         "        layer.set_weights([tf.transpose(parameters[f'W{l}']).numpy(), tf.reshape(parameters[f'b{l}'], [-1]).numpy()])\n"
         "        Z = layer(Z)\n"
         "    return tf.transpose(Z)")
BF16_ALIAS = "def round_to_bfloat16(x):\n    return tf.dtypes.cast(tf.dtypes.cast(x, tf.dtypes.bfloat16), tf.float32).numpy()"
BF16_STAR = ("from tensorflow import *\n"
             "def round_to_bfloat16(x):\n    return cast(cast(x, bfloat16), float32).numpy()")

# Dead code that made the resolver run out of time, which then resolved nothing.
PADDING = "def _never_called():\n" + "".join(f"    zz{n}." + ".".join(f"p{i}" for i in range(60)) + "\n" for n in range(1200))
BF16_PRIVATE = ("from tensorflow.python.framework.dtypes import bfloat16 as _b\n"
                "def round_to_bfloat16(x):\n    return tf.cast(tf.cast(x, _b), tf.float32).numpy()")

ATTACKS = [
    Attack("softmax: one helper cell wraps every forbidden call", "softmax", GRADED, HELPERS,
           fails=SOFTMAX_TESTS - {"test_predict"},
           message={"test_sigmoid": "not available while this assignment is graded", "test_softmax": "scipy.special.softmax"}),
    Attack("softmax: private paths and aliases", "softmax", PRIVATE,
           fails={"test_softmax", "test_sigmoid", "test_cross_entropy_cost", "test_softmax_jacobian",
                  "test_softmax_cross_entropy_backward", "test_train_softmax_regression"},
           message={"test_softmax": "not available while this assignment is graded"}),
    Attack("gradient_tape: Dense through a private path", "gradient_tape", {"forward_propagation": DENSE},
           fails={"test_forward_propagation", "test_model"},
           message={"test_forward_propagation": "keras.layers.Dense (as keras.src.layers.core.dense.Dense)"}),
    Attack("input_pipeline: tf.cast through tf.dtypes", "input_pipeline", {"round_to_bfloat16": BF16_ALIAS},
           fails={"test_round_to_bfloat16"}, message={"test_round_to_bfloat16": "(as tensorflow.dtypes."}),
    Attack("input_pipeline: tf.cast through a star import", "input_pipeline", {"round_to_bfloat16": BF16_STAR},
           fails={"test_round_to_bfloat16"}, message={"test_round_to_bfloat16": "earns no points"}),
    Attack("input_pipeline: a private path behind dead code that outlasted the resolver", "input_pipeline",
           {"round_to_bfloat16": BF16_PRIVATE}, PADDING, fails={"test_round_to_bfloat16"},
           message={"test_round_to_bfloat16": "earns no points"}),
    Attack("softmax: the graded name rebound after its definition", "softmax",
           {"sigmoid": "def sigmoid(t):\n    raise NotImplementedError\nimport scipy.special\n"
                       "globals()['sigmoid'] = scipy.special.expit"},
           fails={"test_sigmoid"}, message={"test_sigmoid": "scipy.special.expit"}),
    Attack("softmax: a lookup by a constant name", "softmax",
           {"softmax": "import scipy.special as _sp\ndef softmax(Z):\n    return getattr(_sp, 'softmax')(Z, axis=0)"},
           fails={"test_softmax", "test_softmax_jacobian", "test_softmax_cross_entropy_backward",
                  "test_train_softmax_regression"}, message={"test_softmax": "scipy.special.softmax"}),
]


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_a_library_shortcut_earns_nothing(built, tmp_path, attack):
    path = tmp_path / "submission.ipynb"
    nbformat.write(attack.notebook(), path)
    results = grade_notebook(path, attack.assignment, tmp_path / "results.json")
    tests = {t["name"]: t for t in results["tests"]}
    failed = {name for name, t in tests.items() if t["status"] == "failed"}
    assert failed == attack.fails, {name: tests[name]["output"] for name in failed ^ attack.fails}
    for name, phrase in attack.message.items():
        assert phrase in tests[name]["output"], tests[name]["output"]


@pytest.mark.parametrize("assignment,tensorflow", [("softmax", False), ("gradient_tape", True)])
def test_a_kernel_can_import_only_its_assignments_libraries(assignment, tensorflow):
    probe = ("import importlib\nfound = []\n"
             "for name in ('scipy', 'sklearn', 'tensorflow', 'keras', 'nbgrader', 'dask', 'numpy', 'matplotlib', 'h5py'):\n"
             "    try:\n        importlib.import_module(name)\n        found.append(name)\n"
             "    except ImportError:\n        pass\nprint(found)")
    nb = nbformat.v4.new_notebook(cells=[new_code_cell(probe)])
    result = run_notebook(nb, {}, LIMITS, visible_entries(assignment))
    printed = "".join(o.get("text", "") for o in result.notebook.cells[0].outputs)
    expected = (["tensorflow", "keras"] if tensorflow else []) + ["numpy", "matplotlib", "h5py"]
    assert printed.strip() == str(expected)


FORBIDDEN_ANYWHERE = ("scipy", "sklearn", "scikit_learn", "tensorflow", "keras")


def test_no_forbidden_library_lies_anywhere_a_numpy_kernel_can_read():
    """Not in the venv, nor in the interpreter's own site-packages, the system's dist-packages or a
    folder of wheels: a kernel that puts a folder on sys.path or unpacks a wheel finds no package,
    module or archive of scipy, scikit-learn, TensorFlow or Keras."""
    walk = ("import os\nfound = []\n"
            "for folder, subfolders, files in os.walk('/'):\n"
            "    if folder.startswith(('/proc', '/sys', '/dev')):\n        subfolders[:] = []\n        continue\n"
            "    for name in subfolders + files:\n"
            "        path, stem = os.path.join(folder, name), name.split('-')[0].split('.')[0].lower()\n"
            f"        if stem not in {FORBIDDEN_ANYWHERE!r}:\n            continue\n"
            "        package = os.path.isdir(path) and any(f == '__init__.py' or f.startswith('__init__.') and f.endswith('.so') for f in os.listdir(path))\n"
            "        if package or name.endswith(('.py', '.so', '.whl', '.egg', '.zip', '.tar.gz')):\n"
            "            found.append(path)\nprint('FOUND', sorted(found)[:20])")
    nb = nbformat.v4.new_notebook(cells=[new_code_cell(walk)])
    result = run_notebook(nb, {}, LIMITS, visible_entries("softmax"))
    printed = "".join(o.get("text", "") for o in result.notebook.cells[0].outputs)
    assert "FOUND []" in printed, printed
