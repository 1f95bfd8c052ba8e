"""Check: the grader's hidden checks, as two nbgrader preprocessors placed around ``Execute``.

``WriteProbePlans`` (before execution) writes the plan of every hidden check where the kernel's
``course_utils.grading.record_for_grader`` will find it. ``JudgeTestCells`` (after execution)
reads what the kernel recorded, judges it here, in the grader's process, and replaces each test
cell's outputs with the verdict: a line on stdout when it passed, an error output carrying the
learner-facing message when it failed. nbgrader's ``SaveAutoGrades`` then scores the verdict, so
nothing the submission printed, patched or raised inside its kernel can decide a grade.
"""
import json
from pathlib import Path

from nbformat import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer, Unicode

from course_utils.grading import RecordError, decode
from .checks import checks_for
from .checks.judging import Failure, Records

MAX_RECORD_BYTES = 50_000_000


def is_test_cell(cell):
    """An autograded test cell: a locked code cell that carries points and is not a solution."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


class WriteProbePlans(NbGraderPreprocessor):
    """Write ``<test_id>.plan.json`` for every hidden check of the assignment, and clear old records."""

    probe_dir = Unicode(help="Directory shared with the kernel through COURSE_PROBE_DIR.").tag(config=True)
    call_timeout = Integer(20, help="Seconds any one probed call may run.").tag(config=True)

    def preprocess(self, nb, resources):
        directory = Path(self.probe_dir)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.json"):
            stale.unlink()
        for test_id, check in checks_for(resources["nbgrader"]["assignment"]).items():
            plan = dict(check.plan(), timeout=self.call_timeout)
            (directory / f"{test_id}.plan.json").write_text(json.dumps(plan))
        return nb, resources


def verdict(check, probe_dir):
    """Judge one check from its record file; return None when it passed, else the message."""
    record_path = Path(probe_dir) / f"{check.test_id}.record.json"
    if not record_path.exists():
        return ("The grader's calls for this test never ran: the test cell did not execute, or the kernel "
                "stopped before it. Check that every cell above runs without errors.")
    if record_path.stat().st_size > MAX_RECORD_BYTES:
        return "Your functions returned far more data than expected, so the results could not be checked."
    try:
        records = Records(check.plan(), json.loads(record_path.read_text()))
        check.judge(records)
    except Failure as failure:
        return str(failure)
    except (RecordError, ValueError, KeyError, TypeError, IndexError, RecursionError) as error:
        return f"Your results could not be checked ({type(error).__name__}: {str(error)[:200]})."
    return None


def verdict_outputs(test_id, message):
    """The outputs a judged test cell gets: nbgrader scores a stdout line as a pass and an error as 0."""
    if message is None:
        return [NotebookNode(output_type="stream", name="stdout", text=f"\N{HEAVY CHECK MARK} {test_id}: passed\n")]
    return [NotebookNode(output_type="error", ename="TestFailed", evalue=message,
                         traceback=[f"\N{HEAVY BALLOT X} {test_id} failed: {message}"])]


class JudgeTestCells(NbGraderPreprocessor):
    """Replace each test cell's outputs with the verdict of its hidden check."""

    probe_dir = Unicode(help="Directory shared with the kernel through COURSE_PROBE_DIR.").tag(config=True)

    def preprocess(self, nb, resources):
        self._checks = checks_for(resources["nbgrader"]["assignment"])
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            test_id = cell.metadata["nbgrader"]["grade_id"]
            check = self._checks.get(test_id)
            message = (verdict(check, self.probe_dir) if check else
                       "This test has no hidden check in the grader: a course configuration error. "
                       "Tell your instructor.")
            cell.outputs = verdict_outputs(test_id, message)
        return cell, resources
