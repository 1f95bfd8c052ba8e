"""The adversarial suite: forged verdicts, damaged notebooks, resource abuse and leak attempts.

Each case in tests/adversarial/cases.py names the tests that must fail; every other test must
pass, so the expected score is the maximum minus their points. Every run must end in bounded
time with a clear message, and must change nothing outside its own workspace.
"""
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest
from nbformat.warnings import DuplicateCellId

sys.path.insert(0, str(Path(__file__).with_name("adversarial")))

from cases import CASES  # noqa: E402
from autograder.course import ROOT  # noqa: E402
from autograder.grade import grade_notebook  # noqa: E402
from conftest import by_test  # noqa: E402


def write_submission(case, path):
    made = case.make()
    if isinstance(made, bytes):
        path.write_bytes(made)
    else:
        with warnings.catch_warnings():  # duplicated cells are the point of some cases
            warnings.simplefilter("ignore", DuplicateCellId)
            nbformat.write(made, path)


@pytest.mark.parametrize("case", [c for c in CASES if c.exit == 0], ids=lambda c: c.name)
def test_adversarial_submission_gets_its_expected_score(built, tmp_path, case):
    path = tmp_path / "submission.ipynb"
    write_submission(case, path)
    results = grade_notebook(path, case.assignment, tmp_path / "results.json", limits=case.limits)
    tests = by_test(results)
    failed = {name for name, t in tests.items() if t["status"] == "failed"}
    assert failed == case.fails, {name: tests[name]["output"] for name in failed ^ case.fails}
    expected = results["extra_data"]["max_score"] - sum(tests[name]["max_score"] for name in case.fails)
    assert results["score"] == expected
    for name, phrase in case.message.items():
        assert phrase in tests[name]["output"], tests[name]["output"]
    for name in case.fails:
        assert tests[name]["output"], f"{name} failed without a message"


@pytest.mark.parametrize("case", [c for c in CASES if c.exit == 2], ids=lambda c: c.name)
def test_unreadable_submission_is_refused_in_one_line(built, tmp_path, case):
    path = tmp_path / "submission.ipynb"
    write_submission(case, path)
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(path), "--assignment", case.assignment,
                           "--results", str(tmp_path / "r.json")], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_suite_is_large_enough():
    assert len(CASES) >= 30
