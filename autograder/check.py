"""Check: judge every test cell in the grader's own process, after the sandbox has run.

``SandboxedExecute`` leaves the kernel's records in ``resources["autograder"]``. ``JudgeTestCells``
judges each test cell's record against the reference and replaces the cell's outputs with the
verdict: a line on stdout when it passed, an error output carrying the learner-facing message
when it failed. nbgrader's ``SaveAutoGrades`` then scores the verdict, so nothing the submission
printed, patched or raised inside its kernel can decide a grade.
"""
from dataclasses import dataclass, field

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from course_utils.grading import RecordError
from .checks import checks_for
from .checks.judging import Failure, Records
from .kernel_libraries import importable_modules
from .shortcuts import find_shortcut, unavailable_imports


def is_test_cell(cell):
    """An autograded test cell: a locked code cell that carries points and is not a solution."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


@dataclass(frozen=True)
class Code:
    """What the grader knows of a submission's code, for the shortcut scan.

    statements: its code cells but the test cells, as shortcuts.analyse returns them
    resolved:   {dotted name of the notebook: forbidden name whose object it denotes}, as the
                sandbox found
    complete:   False when not every name could be resolved (too many, or too slow): the scan
                then cannot vouch for any function
    importable: the top-level modules the sandbox offers (kernel_libraries.importable_modules)
    """
    statements: tuple = ()
    resolved: dict = field(default_factory=dict)
    complete: bool = True
    importable: frozenset = None


def verdict(check, raw, why_missing="", code=Code(), observed=None, unreadable=""):
    """Judge one check. Inputs:
        raw:         its record (None if nothing was recorded)
        why_missing: what stopped the record from being made, if known
        code:        what the grader knows of the submission's code (Code)
        observed:    what the runner observed for it ({label: [observation]})
        unreadable:  why a record that was written could not be read
    Returns None when it passed, else the message for the learner.
    """
    message = _judged(check, raw, why_missing, code, observed, unreadable)
    statements = list(code.statements)
    missing = unavailable_imports(statements, check.function, code.importable) if message and code.importable else []
    if missing:
        module, index, via = missing[0]
        reached = f", which {check.function} reaches through {' -> '.join(via)}," if via else ""
        message = message.rstrip(". ") + (f". Note: cell {index + 1}{reached} imports {module}, which is not "
                                          "available while this assignment is graded: the grader offers only the "
                                          "libraries the assignment uses.")
    return message


def _judged(check, raw, why_missing, code, observed, unreadable):
    """The verdict's message before any note on unavailable libraries (see verdict)."""
    if not code.complete:
        return (f"{check.function} could not be checked for library shortcuts: the notebook uses more names than the "
                "grader can look up in its time limit, so it earns no points. Remove code the notebook does not need.")
    shortcut = find_shortcut(list(code.statements), check.shortcuts, check.function, code.resolved)
    if shortcut:
        return shortcut.message(check.function)
    if unreadable:
        return (f"What your functions returned could not be read as data (the record was {unreadable}), "
                "so this test could not be checked.")
    if raw is None:
        return ("The grader's calls for this test never ran"
                + (f": {why_missing}" if why_missing else
                   ". Check that every cell above it runs without errors, and that the test cell is still there."))
    try:
        check.judge(Records(check.plan(), raw, observed))
    except Failure as failure:
        return str(failure)
    except RecordError as error:
        return f"What your functions returned could not be read as data ({error})."
    except Exception:  # noqa: BLE001 - any odd value (huge ints, wrong nesting) must cost this test only
        return ("What your functions returned is not in the expected form (check the types and shapes the "
                "docstring asks for), so it could not be checked.")
    return None


def verdict_outputs(test_id, message):
    """The outputs a judged test cell gets: nbgrader scores a stdout line as a pass and an error as 0."""
    if message is None:
        return [NotebookNode(output_type="stream", name="stdout", text=f"\N{HEAVY CHECK MARK} {test_id}: passed\n")]
    return [NotebookNode(output_type="error", ename="TestFailed", evalue=message,
                         traceback=[f"\N{HEAVY BALLOT X} {test_id} failed: {message}"])]


class JudgeTestCells(NbGraderPreprocessor):
    """Replace each test cell's outputs with the verdict of its hidden check."""

    def preprocess(self, nb, resources):
        self._run = resources.get("autograder", {})
        self._checks = checks_for(resources["nbgrader"]["assignment"], self._run.get("salt", 0))
        resolution = self._run.get("resolution", {})
        tests = {i for i, c in enumerate(nb.cells) if is_test_cell(c)}  # the instructor's code, not scanned
        self._code = Code(tuple(s for s in self._run.get("statements", ()) if s.index not in tests),
                          resolution.get("resolved", {}), resolution.get("complete", False),
                          importable_modules(resources["nbgrader"]["assignment"]))
        return super().preprocess(nb, resources)

    def _why_missing(self, index):
        """The limit the test cell itself hit, or the first one hit before it, or the run's failure."""
        texts = self._run.get("limit_texts", {})
        if index in texts:
            return texts[index]
        earlier = [texts[i] for i in sorted(texts) if i < index]
        return earlier[0] if earlier else self._run.get("failure", "")

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            test_id = cell.metadata["nbgrader"]["grade_id"]
            check = self._checks.get(test_id)
            if check is None:
                message = ("This test has no hidden check in the grader: a course configuration error. "
                           "Tell your instructor.")
            else:
                raw = self._run.get("records", {}).get(test_id)
                observed = self._run.get("observations", {}).get(test_id)
                message = verdict(check, raw if isinstance(raw, dict) else None, self._why_missing(index), self._code,
                                  observed if isinstance(observed, dict) else {},
                                  self._run.get("unreadable", {}).get(test_id, ""))
            cell.outputs = verdict_outputs(test_id, message)
        return cell, resources
