"""Validate: every source notebook earns full marks, and every release notebook earns nothing.

``nbgrader validate`` exits 0 even when tests fail, so this grades both versions through the same
pipeline as a learner's submission and compares the scores itself.
"""
from .build import build
from .checks import checks_for
from .course import ROOT, available_assignments
from .grade import grade_notebook
from .table import format_table


def validate(root=ROOT):
    """Return (table text, ok) over all assignments."""
    build(root)
    rows, ok = [], True
    for assignment in available_assignments(root):
        source = grade_notebook(root / "source" / assignment / f"{assignment}.ipynb", assignment)
        release = grade_notebook(root / "release" / assignment / f"{assignment}.ipynb", assignment)
        released = {t["name"]: t for t in release["tests"]}
        for test in source["tests"]:
            stub = released.get(test["name"], {"score": 0.0})
            good = test["score"] == test["max_score"] and stub["score"] == 0
            ok &= good
            rows.append([assignment, test["name"], f"{test['score']:g}/{test['max_score']:g}",
                         f"{stub['score']:g}", "ok" if good else "FAIL"])
        tested = {t["name"] for t in source["tests"]}
        for test_id in sorted(set(checks_for(assignment)) - tested):
            ok = False
            rows.append([assignment, test_id, "no test cell", "-", "FAIL"])
    table = format_table(["assignment", "test", "source", "release", "verdict"], rows)
    return table, ok
