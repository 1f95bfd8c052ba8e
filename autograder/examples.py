"""Example submissions built from the source notebook: the solution, the release stub, and
variants whose graded function is replaced by a file from the catalogs in tests/:

    tests/mistakes/<assignment>/<mistake>.py       a typical learner mistake (a mutant)
    tests/alternatives/<assignment>/<function>__<variant>.py   a correct solution written differently

A mutant file's docstring starts with the mistake in words, then names the test that must fail
and a phrase its failure message must contain::

    \"\"\"alpha sampled uniformly on a linear scale instead of the log scale.

    test: test_sample_log_uniform
    message: uniformly on a linear scale
    \"\"\"
    def sample_log_uniform(low, high, size, rng): ...
"""
import ast
import copy
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .course import ROOT


@dataclass(frozen=True)
class Replacement:
    """A function definition that replaces the solution cell of the same name."""
    path: Path
    function: str          # the solution cell's grade_id, which is the function's name
    source: str
    description: str
    test_id: str = ""      # mutants only: the test that must fail
    message: str = ""      # mutants only: a phrase of the failure message

    @property
    def name(self):
        return self.path.stem


def read_replacement(path):
    """Parse a catalog file into a Replacement."""
    path = Path(path)
    source = path.read_text()
    module = ast.parse(source)
    functions = [node.name for node in module.body if isinstance(node, ast.FunctionDef)]
    if len(functions) != 1:
        raise ValueError(f"{path} must define exactly one function, found {functions}")
    doc = ast.get_docstring(module) or ""
    fields = dict(line.split(": ", 1) for line in doc.splitlines() if ": " in line and line.split(":")[0] in ("test", "message"))
    body = source[source.index("def "):]
    return Replacement(path, functions[0], body, doc.splitlines()[0] if doc else path.stem,
                       fields.get("test", ""), fields.get("message", ""))


def catalog(kind, assignment, root=ROOT):
    """All Replacements of one kind ("mistakes" or "alternatives") for an assignment."""
    return [read_replacement(p) for p in sorted((root / "tests" / kind / assignment).glob("*.py"))]


def source_notebook(assignment, root=ROOT):
    return nbformat.read(root / "source" / assignment / f"{assignment}.ipynb", as_version=4)


def with_replacements(nb, replacements):
    """A copy of ``nb`` whose solution cells named after each replacement's function hold its code."""
    nb = copy.deepcopy(nb)
    by_function = {r.function: r for r in replacements}
    replaced = set()
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in by_function:
            cell.source = by_function[grade_id].source
            replaced.add(grade_id)
    missing = set(by_function) - replaced
    if missing:
        raise ValueError(f"no solution cell named {sorted(missing)}")
    return nb


def alternative_submissions(assignment, root=ROOT):
    """Notebooks that use, for every function, its k-th alternative (k = 0, 1, ...)."""
    by_function = {}
    for alternative in catalog("alternatives", assignment, root):
        by_function.setdefault(alternative.function, []).append(alternative)
    rounds = max((len(v) for v in by_function.values()), default=0)
    nb = source_notebook(assignment, root)
    return [with_replacements(nb, [alts[k] for alts in by_function.values() if k < len(alts)])
            for k in range(rounds)]
