"""The mistake catalog: every typical mistake loses points, with a message that names it."""
import pytest

from autograder.course import available_assignments
from autograder.examples import catalog, source_notebook, with_replacements
from conftest import by_test

MUTANTS = [m for a in available_assignments() for m in catalog("mistakes", a)]


def test_every_graded_function_has_mistakes():
    for assignment in available_assignments():
        tested = {m.test_id for m in catalog("mistakes", assignment)}
        from autograder.checks import checks_for
        assert set(checks_for(assignment)) <= tested, f"{assignment}: mistakes missing for {set(checks_for(assignment)) - tested}"


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: f"{m.path.parent.name}/{m.name}")
def test_mistake_loses_points_with_a_message_naming_it(grade, mutant):
    assignment = mutant.path.parent.name
    results = grade(with_replacements(source_notebook(assignment), [mutant]), assignment)
    test = by_test(results)[mutant.test_id]
    assert test["status"] == "failed" and test["score"] == 0, f"{mutant.name} was not caught"
    assert mutant.message in test["output"], test["output"]
    assert results["score"] < results["extra_data"]["max_score"]
