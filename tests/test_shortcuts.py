"""The static scan for library shortcuts: what it finds, and what it must not mistake for one."""
import pytest

from autograder.shortcuts import find_shortcut

GRID = ("sklearn.model_selection.ParameterGrid",)
SOFTMAX = ("scipy.special.softmax", "tensorflow.nn.softmax")


@pytest.mark.parametrize("source", [
    "from sklearn.model_selection import ParameterGrid\nlist(ParameterGrid(g))",
    "import sklearn.model_selection as ms\nms.ParameterGrid(g)",
    "import sklearn\nsklearn.model_selection.ParameterGrid(g)",
    "m = __import__('sklearn.model_selection', fromlist=['x'])\ngetattr(m, 'Parameter' + 'Grid')(g)",
    "from sklearn.model_selection import ParameterGrid as PG",
])
def test_finds_a_distinctive_name_however_it_is_reached(source):
    assert find_shortcut(source, [source], GRID, "grid_search") == GRID[0]


@pytest.mark.parametrize("source", [
    "from scipy.special import softmax\nsoftmax(z)",
    "import scipy.special\nscipy.special.softmax(z)",
    "import tensorflow as tf\ntf.nn.softmax(z)",
])
def test_finds_a_name_shared_with_the_learners_function_through_its_module(source):
    assert find_shortcut(source, [source], SOFTMAX, "softmax") in SOFTMAX


def test_an_import_in_another_cell_counts_through_its_alias():
    setup, cell = "import scipy.special as sp", "def softmax(Z):\n    return sp.softmax(Z, axis=0)"
    assert find_shortcut(cell, [setup, cell], SOFTMAX, "softmax") == "scipy.special.softmax"


def test_a_library_used_by_another_function_does_not_count():
    other = "from sklearn.model_selection import ParameterGrid\ndef helper(g):\n    return ParameterGrid(g)"
    cell = "def grid_search(grid):\n    return [dict(zip(grid, v)) for v in __import__('itertools').product(*grid.values())]"
    assert find_shortcut(cell, [other, cell], GRID, "grid_search") is None


@pytest.mark.parametrize("source", [
    "def softmax(Z):\n    T = np.exp(Z - Z.max(axis=0))\n    return T / T.sum(axis=0)",
    'def f(Z):\n    """Learned scale and shift; see the gradient below."""\n    scale = 2.0\n    grad = scale * Z\n    return grad',
    "def grid_search(grid):\n    import itertools\n    return list(itertools.product(*grid.values()))",
    "%matplotlib inline\nx = 'a grid of parameters'",
    "this is not python (",
])
def test_honest_code_is_not_flagged(source):
    common_words = ("sklearn.preprocessing.scale", "jax.grad")
    assert find_shortcut(source, [source], GRID + SOFTMAX + common_words, "softmax") is None


def test_a_redefinition_in_another_cell_is_scanned_too(built):
    from autograder.check import verdict
    from autograder.checks import checks_for
    check = checks_for("hyperparameter_search")["test_grid_search"]
    honest = "def grid_search(grid):\n    return []"
    sneaky = "from sklearn.model_selection import ParameterGrid\ndef grid_search(grid):\n    return list(ParameterGrid(grid))"
    message = verdict(check, None, sources={"grid_search": honest, None: [honest, sneaky]})
    assert "ParameterGrid" in message
