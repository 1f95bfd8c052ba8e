"""Fairness: correct solutions written differently (other formulas, loop orders, draws) keep full marks."""
import pytest

from autograder.course import available_assignments
from autograder.examples import alternative_submissions

CASES = [(a, k, nb) for a in available_assignments() for k, nb in enumerate(alternative_submissions(a))]


@pytest.mark.parametrize("assignment,k,nb", CASES, ids=[f"{a}-{k}" for a, k, _ in CASES])
def test_alternative_solutions_keep_full_marks(grade, assignment, k, nb):
    results = grade(nb, assignment)
    failed = [(t["name"], t["output"]) for t in results["tests"] if t["status"] != "passed"]
    assert not failed
