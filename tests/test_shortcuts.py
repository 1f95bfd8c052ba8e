"""The static scan for library shortcuts: what a graded function reaches, what it finds there, and
what it must not mistake for a shortcut."""
import pytest

from autograder.shortcuts import analyse, find_shortcut, names_to_resolve, reach, unavailable_imports

GRID = ("sklearn.model_selection.ParameterGrid",)
SOFTMAX = ("scipy.special.softmax", "tensorflow.nn.softmax")


def cells(*sources):
    return analyse(dict(enumerate(sources)))


def found(forbidden, function, *sources, resolved=None):
    shortcut = find_shortcut(cells(*sources), forbidden, function, resolved)
    return shortcut and shortcut.name


@pytest.mark.parametrize("body", [
    "from sklearn.model_selection import ParameterGrid\n    return list(ParameterGrid(g))",
    "import sklearn.model_selection as ms\n    return ms.ParameterGrid(g)",
    "import sklearn\n    return sklearn.model_selection.ParameterGrid(g)",
    "m = __import__('sklearn.model_selection', fromlist=['x'])\n    return getattr(m, 'Parameter' + 'Grid')(g)",
    "from sklearn.model_selection import ParameterGrid as PG\n    return PG(g)",
])
def test_finds_a_distinctive_name_however_it_is_reached(body):
    assert found(GRID, "grid_search", f"def grid_search(g):\n    {body}") == GRID[0]


@pytest.mark.parametrize("source", [
    "from scipy.special import softmax as s\ndef softmax(z):\n    return s(z)",
    "import scipy.special\ndef softmax(z):\n    return scipy.special.softmax(z)",
    "import tensorflow as tf\ndef softmax(z):\n    return tf.nn.softmax(z)",
])
def test_finds_a_name_shared_with_the_learners_function_through_its_module(source):
    assert found(SOFTMAX, "softmax", source) in SOFTMAX


def test_an_import_in_another_cell_counts_through_its_alias():
    assert found(SOFTMAX, "softmax", "import scipy.special as sp",
                 "def softmax(Z):\n    return sp.softmax(Z, axis=0)") == "scipy.special.softmax"


@pytest.mark.parametrize("helper", [
    "import scipy.special as sp\ndef _helper(Z):\n    return sp.softmax(Z, axis=0)",  # a helper function
    "import scipy.special\n_helper = scipy.special.softmax",                     # an alias
    "import scipy.special\n_helper = lambda Z: scipy.special.softmax(Z)",         # a lambda
    "import scipy.special\nclass _Helper:\n    def __call__(self, Z):\n        return scipy.special.softmax(Z)\n"
    "_helper = _Helper()",                                                           # a callable object
    "from scipy.special import *\ndef _helper(Z):\n    return softmax(Z)",          # a star import
])
def test_a_helper_cell_is_scanned_through_the_names_the_function_uses(helper):
    shortcut = find_shortcut(cells(helper, "def softmax(Z):\n    return _helper(Z)"), SOFTMAX, "softmax")
    assert shortcut.name == "scipy.special.softmax" and shortcut.cell == 0 and "_helper" in shortcut.via


def test_helpers_are_followed_transitively_and_through_globals_lookups():
    sources = ["import scipy.special\ndef _inner(Z):\n    return scipy.special.softmax(Z)",
               "def _outer(Z):\n    return globals()['_inner'](Z)",
               "def softmax(Z):\n    return _outer(Z)"]
    shortcut = find_shortcut(cells(*sources), SOFTMAX, "softmax")
    assert shortcut.name == "scipy.special.softmax" and shortcut.via == ("_outer", "_inner")
    assert "reached through _outer -> _inner" in shortcut.message("softmax")


def test_the_sandbox_resolution_catches_private_paths_and_aliases():
    source = "import tensorflow as tf\ndef to_bf16(x):\n    return tf.dtypes.cast(x, 'bfloat16')"
    assert found(("tensorflow.cast",), "to_bf16", source) is None  # no spelling gives it away
    resolved = {"tensorflow.dtypes.cast": "tensorflow.cast"}
    assert found(("tensorflow.cast",), "to_bf16", source, resolved=resolved) == "tensorflow.cast"
    assert "tensorflow.dtypes.cast" in names_to_resolve(cells(source))[0]


def test_star_imports_offer_their_candidates_for_resolution():
    sources = ["from keras.layers import *", "def forward(X):\n    return Dense(3)(X)"]
    assert "keras.layers.Dense" in names_to_resolve(cells(*sources))[0]


def test_a_name_pulls_in_its_own_statement_not_the_whole_cell():
    helpers = "import numpy as np\nfrom sklearn.linear_model import LogisticRegression\nmodel = LogisticRegression()"
    cell = "def predict(W, b, X):\n    return np.argmax(W @ X + b, axis=0)"
    assert found(("sklearn.linear_model.LogisticRegression",), "predict", helpers, cell) is None


def test_a_library_used_by_another_function_does_not_count():
    other = "from sklearn.model_selection import ParameterGrid\ndef helper(g):\n    return ParameterGrid(g)"
    cell = "def grid_search(grid):\n    return [dict(zip(grid, v)) for v in __import__('itertools').product(*grid.values())]"
    assert found(GRID, "grid_search", other, cell) is None


def test_a_local_variable_does_not_pull_in_a_global_of_the_same_name():
    demo = "import tensorflow as tf\nmodel = tf.nn.softmax"           # a learner's own experiment
    cell = "def softmax(Z):\n    model = np.exp(Z - Z.max(axis=0))\n    return model / model.sum(axis=0)"
    assert found(SOFTMAX, "softmax", demo, cell) is None
    assert [cells(demo, cell)[n].index for n in reach(cells(demo, cell), "softmax")] == [1]


@pytest.mark.parametrize("source", [
    "def softmax(Z):\n    T = np.exp(Z - Z.max(axis=0))\n    return T / T.sum(axis=0)",
    'def softmax(Z):\n    """Learned scale and shift; see the gradient below."""\n    scale = 2.0\n    grad = scale * Z\n    return grad',
    "def softmax(grid):\n    import itertools\n    return list(itertools.product(*grid.values()))",
    "%matplotlib inline\ndef softmax(x):\n    return 'a grid of parameters'",
    "this is not python (",
])
def test_honest_code_is_not_flagged(source):
    common_words = ("sklearn.preprocessing.scale", "jax.grad")
    assert found(GRID + SOFTMAX + common_words, "softmax", source) is None


def test_a_redefinition_in_another_cell_is_scanned_too():
    honest = "def grid_search(grid):\n    return []"
    sneaky = "from sklearn.model_selection import ParameterGrid\ndef grid_search(grid):\n    return list(ParameterGrid(grid))"
    assert found(GRID, "grid_search", honest, sneaky) == GRID[0]


def test_imports_of_libraries_the_sandbox_lacks_are_named():
    sources = ["import scipy.special as sp\ndef _helper(Z):\n    return sp.softmax(Z)", "def softmax(Z):\n    return _helper(Z)"]
    assert unavailable_imports(cells(*sources), "softmax", {"numpy"}) == [("scipy", 0, ("_helper", "sp"))]
    assert unavailable_imports(cells(*sources), "softmax", {"numpy", "scipy"}) == []


@pytest.mark.parametrize("rebinding", [
    "import scipy.special\nglobals()['softmax'] = scipy.special.softmax",
    "import scipy.special\nglobals().update(softmax=scipy.special.softmax)",
    "import scipy.special, sys\nsetattr(sys.modules['__main__'], 'softmax', scipy.special.softmax)",
    "exec('import scipy.special\\nsoftmax = scipy.special.softmax')",
])
def test_a_name_rebound_at_run_time_is_followed(rebinding):
    honest = "def softmax(Z):\n    raise NotImplementedError"
    assert found(SOFTMAX, "softmax", honest, rebinding) == "scipy.special.softmax"


def test_a_statement_that_binds_unknown_names_is_reached_by_every_function():
    honest = "def softmax(Z):\n    raise NotImplementedError"
    dynamic = "import scipy.special\nname = 'soft' + input()\nglobals()[name] = scipy.special.softmax"
    shortcut = find_shortcut(cells(honest, dynamic), SOFTMAX, "softmax")
    assert shortcut.name == "scipy.special.softmax" and "bound at run time" in shortcut.message("softmax")


@pytest.mark.parametrize("source", [
    "import scipy.special as sp\ndef softmax(Z):\n    return getattr(sp, 'softmax')(Z)",
    "import importlib\ndef softmax(Z):\n    return importlib.import_module('scipy.special').softmax(Z)",
    "import importlib\nsp = importlib.import_module('scipy.' + 'special')\ndef softmax(Z):\n    return sp.softmax(Z)",
    "def softmax(Z):\n    return __import__('scipy.special', fromlist=['x']).softmax(Z)",
])
def test_constant_lookups_and_imports_at_run_time_count(source):
    assert found(SOFTMAX, "softmax", source) == "scipy.special.softmax"


def test_code_that_nests_deeply_is_read_or_refused_never_a_fault():
    deep = "total = " + " + ".join(["1"] * 1000)
    assert found(SOFTMAX, "softmax", deep, "def softmax(Z):\n    return Z + total") is None
    assert not any(s.unreadable for s in cells(deep, "def softmax(Z):\n    return Z + total"))
    too_deep = "total = " + " + ".join(["1"] * 5000)  # Python itself cannot compile it: it never runs
    assert [s.index for s in cells(too_deep, "def softmax(Z):\n    return Z")] == [1]


def test_many_star_imports_and_names_stay_linear():
    stars = "\n".join(f"try:\n    from m{i} import *\nexcept ImportError:\n    pass" for i in range(1600))
    uses = "def softmax(Z):\n    return " + " + ".join(f"n{i}" for i in range(1600))
    statements = cells(stars, uses)
    names, complete = names_to_resolve(statements)
    assert len(names) == 10_000 and not complete  # the scan then fails closed (check.verdict)
    assert found(SOFTMAX, "softmax", stars, uses) is None


def test_a_notebook_with_more_code_than_the_scan_reads_fails_closed():
    huge = "x = 1\n" * 400_000
    shortcut = find_shortcut(cells("def softmax(Z):\n    return Z", huge), SOFTMAX, "softmax")
    assert shortcut.name == "" and "characters of code the grader reads" in shortcut.message("softmax")
