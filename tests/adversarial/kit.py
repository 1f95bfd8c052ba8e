"""Building blocks for adversarial submissions: edits of the solved source notebook."""
import copy
from dataclasses import dataclass, field

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from autograder.examples import source_notebook

ASSIGNMENT = "hyperparameter_search"

# A wrong grid_search (zip instead of the product). Nothing else calls it, so it costs exactly
# test_grid_search: the cases below put their tricks beside it.
WRONG_GRID = '''def grid_search(grid):
    names = list(grid)
    return [dict(zip(names, values)) for values in zip(*(grid[n] for n in names))]
'''


@dataclass
class Case:
    """An adversarial submission and what grading it must give.

    make:    () -> notebook (NotebookNode) or raw file bytes
    fails:   the tests that must fail; every other test must pass, so the expected score is the
             maximum minus the points of these tests
    exit:    2 when the input must be refused with one line, else 0
    message: {test_id: phrase its failure message must contain}
    limits:  GradingSettings overrides for this run (short time limits for abuse cases)
    """
    name: str
    make: object
    fails: set = field(default_factory=set)
    exit: int = 0
    message: dict = field(default_factory=dict)
    limits: dict = field(default_factory=dict)
    assignment: str = ASSIGNMENT


def solved(assignment=ASSIGNMENT):
    return source_notebook(assignment)


def index_of(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def with_function(code, function="grid_search", nb=None, assignment=ASSIGNMENT):
    """The solved notebook with the solution cell of ``function`` replaced by ``code``."""
    nb = copy.deepcopy(nb or solved(assignment))
    nb.cells[index_of(nb, function)].source = code
    return nb


def wrong_grid_with(extra):
    """The wrong grid_search, with ``extra`` code in the same solution cell."""
    return with_function(WRONG_GRID + "\n" + extra)


def with_cell(code, after="cell-002", nb=None):
    """The solved notebook with an extra code cell after the cell with id ``after``."""
    nb = copy.deepcopy(nb or solved())
    position = next(i for i, c in enumerate(nb.cells) if c.id == after) + 1
    nb.cells.insert(position, new_code_cell(code))
    return nb


def edit(nb, grade_id, change):
    nb = copy.deepcopy(nb)
    change(nb, index_of(nb, grade_id))
    return nb


def delete(grade_id):
    return edit(solved(), grade_id, lambda nb, i: nb.cells.pop(i))


def duplicate(grade_id):
    return edit(solved(), grade_id, lambda nb, i: nb.cells.insert(i, copy.deepcopy(nb.cells[i])))


def move(grade_id, to):
    def change(nb, i):
        cell = nb.cells.pop(i)
        nb.cells.insert(to if to >= 0 else len(nb.cells) + 1 + to, cell)
    return edit(solved(), grade_id, change)


def retype_to_markdown(grade_id):
    def change(nb, i):
        old = nb.cells[i]
        cell = new_markdown_cell(old.source, metadata=old.metadata)
        cell.id = old.id
        nb.cells[i] = cell
    return edit(solved(), grade_id, change)


def set_metadata(target, **values):
    """The solved notebook with the nbgrader metadata of cell ``target`` updated with ``values``."""
    return edit(solved(), target, lambda nb, i: nb.cells[i].metadata.nbgrader.update(values))


def set_source(grade_id, source):
    return edit(solved(), grade_id, lambda nb, i: setattr(nb.cells[i], "source", source))


def without_nbgrader_metadata():
    nb = solved()
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    return nb


def as_nbformat_v3():
    """The solved notebook saved by nbformat 3 (the format of IPython 2 and 3)."""
    from nbformat.v3 import nbjson
    from nbformat.v4.convert import downgrade
    return nbjson.writes(downgrade(solved())).encode()


def with_huge_saved_output(megabytes=60):
    nb = solved()
    nb.cells[index_of(nb, "grid_search")].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="x" * (megabytes << 20))]
    return nb


def shortcut_case(assignment, function, code, also_fails=()):
    """A submission whose ``function`` calls a library that does the work; the tests of functions
    that call it fail too when the shortcut does not give their answer."""
    return Case(f"{assignment} shortcut in {function}", lambda: with_function(code, function, assignment=assignment),
                {f"test_{function}", *also_fails}, message={f"test_{function}": "earns no points"},
                assignment=assignment)
