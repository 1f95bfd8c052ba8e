"""Shared fixtures: a built course and a helper that grades a notebook object."""
import nbformat
import pytest

from autograder.build import ensure_built
from autograder.grade import grade_notebook


@pytest.fixture(scope="session")
def built():
    """The course's gradebook exists and matches source/ (built once, whatever the number of workers)."""
    ensure_built()


@pytest.fixture
def grade(built, tmp_path):
    """grade(nb, assignment) -> results dict, grading a notebook object as a submission."""
    def _grade(nb, assignment, feedback=False):
        path = tmp_path / f"{assignment}.ipynb"
        nbformat.write(nb, path)
        return grade_notebook(path, assignment, tmp_path / "results.json",
                              tmp_path / "feedback.html" if feedback else None)
    return _grade


def by_test(results):
    """{test name: test entry} of a results dict."""
    return {t["name"]: t for t in results["tests"]}
