"""release/ is what nbgrader generates from source/, holds no solutions or hidden tests, and a
rebuild changes nothing."""
import re
import shutil

import nbformat
import pytest

from autograder.build import build
from autograder.course import ROOT, available_assignments

ASSIGNMENTS = available_assignments()


def test_release_is_up_to_date_with_source(tmp_path):
    shutil.copytree(ROOT / "source", tmp_path / "source")
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    build(tmp_path)
    for name in ASSIGNMENTS:
        fresh = (tmp_path / "release" / name / f"{name}.ipynb").read_bytes()
        committed = (ROOT / "release" / name / f"{name}.ipynb").read_bytes()
        assert fresh == committed, f"release/{name} is out of date with source/: run `python -m autograder build`"


def test_rebuilding_changes_nothing(tmp_path):
    shutil.copytree(ROOT / "source", tmp_path / "source")
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    build(tmp_path)
    first = {p: p.read_bytes() for p in (tmp_path / "release").rglob("*.ipynb")}
    build(tmp_path)
    assert first == {p: p.read_bytes() for p in (tmp_path / "release").rglob("*.ipynb")}


def solution_lines(source_nb):
    """Substantial lines written between the solution markers of the source notebook, except
    lines that the notebook's given code (outside the markers) contains too."""
    lines, given = [], set()
    for cell in source_nb.cells:
        for block in re.findall(r"### BEGIN SOLUTION(.*?)### END SOLUTION", cell.source, re.S):
            lines += [line.strip() for line in block.splitlines() if len(line.strip()) > 12]
        outside = re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "", cell.source, flags=re.S)
        given |= {line.strip() for line in outside.splitlines()}
    return [line for line in lines if line not in given]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_leaks_no_solution_or_hidden_test(name):
    release_text = (ROOT / "release" / name / f"{name}.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "record_for_grader"):
        assert marker not in release_text
    source = nbformat.read(ROOT / "source" / name / f"{name}.ipynb", as_version=4)
    leaked = [line for line in solution_lines(source) if line in release_text]
    assert not leaked, f"solution lines in release/{name}: {leaked[:3]}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_solution_cell_is_a_stub_and_every_test_cell_locked(name):
    nb = nbformat.read(ROOT / "release" / name / f"{name}.ipynb", as_version=4)
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")]
    assert graded
    for cell in graded:
        meta = cell.metadata.nbgrader
        if meta["solution"] and cell.cell_type == "code":
            assert 'raise NotImplementedError("Not implemented yet' in cell.source
        if meta["grade"] and not meta["solution"]:
            assert meta["locked"] and cell.metadata.get("editable") is False
