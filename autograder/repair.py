"""Repair: the first sanitising step, making a damaged notebook's graded cells agree with the gradebook.

nbgrader's own sanitising steps expect the nbgrader metadata to be roughly intact: a duplicated
cell whose metadata lost its grade_id, or a test cell missing along with the cells around it,
makes ``OverwriteCells`` abort the whole submission. This step runs before them and, taking the
gradebook as the truth:

* gives every known graded cell the metadata the gradebook records (points, locks, flags), so a
  solution cell cannot be turned into a 50-point test;
* strips nbgrader metadata from cells with an unknown grade_id and from repeated ones, which then
  run as ordinary cells;
* puts back each missing test cell, after the solution cell of the function it tests (or at the
  end); ``OverwriteCells`` then restores its source, hidden part included.

A deleted solution cell is not put back: its function is missing, and its test says so.
"""
import nbformat
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from .submission import grade_id


def expected_metadata(resources):
    """{grade_id: nbgrader metadata} of every graded cell, in the gradebook's terms, and the test ids."""
    info = resources["nbgrader"]
    with Gradebook(info["db_url"]) as gb:
        notebook = gb.find_notebook(info["notebook"], info["assignment"])
        points = {cell.name: cell.max_score for cell in notebook.grade_cells}
        kinds = {cell.name: cell.cell_type for cell in notebook.grade_cells}
        solutions = {cell.name for cell in notebook.solution_cells}
        sources = {cell.name: cell for cell in notebook.source_cells}
        expected = {}
        for name in set(points) | solutions:
            source = sources.get(name)
            meta = {"grade": name in points, "solution": name in solutions, "grade_id": name,
                    "locked": bool(source.locked) if source else False, "schema_version": 3, "task": False}
            if name in points:
                meta["points"] = points[name]
            if source is not None:
                meta["checksum"] = source.checksum
            expected[name] = meta
        tests = {name for name in points if name not in solutions and kinds[name] == "code"}
    return expected, tests


class RepairStructure(NbGraderPreprocessor):
    """Make the graded cells of a submitted notebook agree with the gradebook (see module doc)."""

    def preprocess(self, nb, resources):
        expected, tests = expected_metadata(resources)
        seen = set()
        for cell in nb.cells:
            if "nbgrader" not in cell.get("metadata", {}):
                continue
            cell_id = grade_id(cell)
            if cell_id not in expected or cell_id in seen:
                del cell.metadata["nbgrader"]
                continue
            seen.add(cell_id)
            cell.metadata["nbgrader"] = dict(expected[cell_id])
        taken = {cell.get("id") for cell in nb.cells}
        for test_id in sorted(tests - seen):
            cell = missing_test_cell(expected[test_id], f"{test_id}-restored" if test_id in taken else test_id)
            nb.cells.insert(self._position(nb, test_id), cell)
        return nb, resources

    @staticmethod
    def _position(nb, test_id):
        function = test_id.removeprefix("test_")
        for index, cell in enumerate(nb.cells):
            if grade_id(cell) == function:
                return index + 1
        return len(nb.cells)


def missing_test_cell(meta, cell_id):
    """An empty locked test cell; OverwriteCells fills in its source from the gradebook."""
    cell = nbformat.v4.new_code_cell("", metadata={"nbgrader": dict(meta), "deletable": False, "editable": False})
    cell.id = cell_id
    return cell
