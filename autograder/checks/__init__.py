"""Hidden checks, one module per assignment, judged in the grader's own process.

A module ``autograder.checks.<assignment>`` defines ``CHECKS``: a list of ``Check``. Each names
the test cell it judges (its nbgrader ``grade_id``), the calls to make inside the submission's
kernel (the plan), and a ``judge`` that receives the recorded results and raises ``Failure``
with a learner-facing message when they are wrong. The module draws its hidden inputs at import
time (``autograder.hidden_inputs``), so ``checks_for`` executes it afresh for each submission's
salt.
"""
import functools
import importlib.util
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


@functools.lru_cache(maxsize=32)
def checks_for(assignment, salt=0):
    """Return {test_id: Check} for an assignment, with the hidden inputs of the submission whose
    salt is ``salt`` (autograder.hidden_inputs); empty when it has no hidden checks module."""
    from ..hidden_inputs import drawing_for
    found = _compiled(assignment)
    if found is None:
        return {}
    spec, code = found
    module = importlib.util.module_from_spec(spec)
    with drawing_for(salt):
        exec(code, module.__dict__)
    return {check.test_id: check for check in module.CHECKS}


@functools.lru_cache(maxsize=None)
def _compiled(assignment):
    """(spec, code object) of the check module of ``assignment``, compiled once per process (where
    bytecode is not cached on disk, compiling input_pipeline's checks costs 30 ms), or None."""
    spec = importlib.util.find_spec(f"{__name__}.{assignment}")
    if spec is None:
        return None
    return spec, spec.loader.get_code(spec.name)
