"""No solution code, hidden test, reference implementation or gradebook reaches a learner:
not in release/ (see test_build), the learner bundle, results.json or the feedback."""
import html
import json
import re

import pytest

from autograder.bundle import bundle
from autograder.course import ROOT, available_assignments
from autograder.examples import catalog, source_notebook, with_replacements
from test_build import solution_lines

HIDDEN_MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION", "record_for_grader(")


def grader_lines():
    """Substantial lines of the reference implementations and the assignments' hidden checks,
    except those that are public anyway: in a release notebook (helper code a lesson prints in
    full) or in course_utils (generic checking code the grader happens to share)."""
    lines = set()
    public = "".join(p.read_text() for p in (ROOT / "course_utils").glob("*.py"))
    for assignment in available_assignments():
        public += (ROOT / "release" / assignment / f"{assignment}.ipynb").read_text()
        for path in (ROOT / "autograder" / "reference" / f"{assignment}.py", ROOT / "autograder" / "checks" / f"{assignment}.py"):
            lines |= {line.strip() for line in path.read_text().splitlines()
                      if len(line.strip()) > 30 and not line.strip().startswith(("#", '"""', "import", "from", "def "))}
    return {line for line in lines if line not in public and json.dumps(line)[1:-1] not in public}


def without_solution_markers(nb):
    """A learner's view of a solved notebook: the solution markers of the source removed."""
    for cell in nb.cells:
        cell.source = "\n".join(line for line in cell.source.splitlines() if "### BEGIN SOLUTION" not in line
                                and "### END SOLUTION" not in line)
    return nb


def leaks(text, assignment, own_code=""):
    """Hidden markers, grader lines and solution lines in ``text`` that the learner did not write."""
    found = [m for m in HIDDEN_MARKERS if m in text]
    found += [line for line in grader_lines() if line in text and line not in own_code]
    found += [line for line in solution_lines(source_notebook(assignment)) if line in text and line not in own_code]
    return found


def test_bundle_holds_only_what_a_learner_needs(tmp_path):
    """Also catches given code in one notebook that repeats another assignment's solution."""
    files = bundle(tmp_path / "bundle")
    names = {str(p.relative_to(tmp_path / "bundle")) for p in files}
    assert {"requirements.txt", "README.md", "datasets/digits.h5", "datasets/SHA256SUMS"} <= names
    assert all(not re.search(r"gradebook|autograder|source/|reference|\.db$|tests/", n) for n in names), names
    for assignment in available_assignments():
        assert f"{assignment}/{assignment}.ipynb" in names
    for path in files:
        if path.suffix in (".py", ".ipynb", ".md", ".txt", ".toml"):
            text = path.read_text()
            found = [m for m in HIDDEN_MARKERS[:4] if m in text]
            found += [line for line in grader_lines() if line in text]
            for assignment in available_assignments():
                found += [line for line in solution_lines(source_notebook(assignment)) if line in text]
            assert not found, f"{path.name}: {found[:3]}"


@pytest.mark.parametrize("assignment", available_assignments())
def test_results_and_feedback_reveal_nothing(grade, tmp_path, assignment):
    mistake = catalog("mistakes", assignment)[0]
    submission = without_solution_markers(with_replacements(source_notebook(assignment), [mistake]))
    results = grade(submission, assignment, feedback=True)
    own = "".join(c.source for c in submission.cells if c.metadata.get("nbgrader", {}).get("solution"))
    assert not leaks(json.dumps(results), assignment, own)
    feedback = html.unescape(re.sub(r"<[^>]+>", "", (tmp_path / "feedback.html").read_text()))
    assert not leaks(feedback, assignment, own)
