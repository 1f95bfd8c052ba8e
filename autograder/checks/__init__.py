"""Hidden checks, one module per assignment, judged in the grader's own process.

A module ``autograder.checks.<assignment>`` defines ``CHECKS``: a list of ``Check``. Each names
the test cell it judges (its nbgrader ``grade_id``), the calls to make inside the submission's
kernel (the plan), and a ``judge`` that receives the recorded results and raises ``Failure``
with a learner-facing message when they are wrong.
"""
import importlib
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Check:
    """The hidden check behind one autograded test cell.

    test_id:   the cell's nbgrader grade_id, "test_" + the function's name
    plan:      () -> {"calls": [...]} in the form of course_utils.grading
    judge:     (Records) -> None, raising Failure(message) on a wrong answer
    shortcuts: dotted names of library functions that compute the exercise's answer; using one
               earns no points for the function (see autograder.shortcuts)
    """
    test_id: str
    plan: Callable[[], dict]
    judge: Callable
    shortcuts: tuple = ()

    @property
    def function(self):
        return self.test_id.removeprefix("test_")


def checks_for(assignment):
    """Return {test_id: Check} for an assignment (empty when it has no hidden checks module)."""
    try:
        module = importlib.import_module(f"{__name__}.{assignment}")
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{assignment}":
            raise  # the module exists but something it imports does not: a real fault
        return {}
    return {check.test_id: check for check in module.CHECKS}
