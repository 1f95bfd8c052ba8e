"""Grade one submitted notebook in a private workspace: execute, check, record, report.

The course's own gradebook, source/ and release/ are never written: the workspace gets a copy of
the course gradebook (or, when that is missing or older than source/, a private one generated
there), and nbgrader's Autograde converter runs there with the check step in its chain.
"""
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from . import report
from .build import is_stale
from .course import ROOT, check_assignment, course_config, gradebook_path, nbgrader_api, nbgrader_failure
from .feedback import write_pages
from .settings import GradingSettings
from .submission import check_belongs, read_notebook, replace_lone_surrogates

STUDENT = "learner"


class GraderFault(Exception):
    """The grader itself failed (not the submission)."""


def grading_config(workspace, limits=None, secret=None):
    """nbgrader configuration for grading in ``workspace``: the course's config (which runs the
    course's chain, autograder/chain.py), with ``limits`` ({GradingSettings name: value}) and the
    course ``secret`` behind the hidden inputs (default: the course's own) on top."""
    config = course_config()
    config.CourseDirectory.root = str(workspace)
    for name, value in (limits or {}).items():
        setattr(config.GradingSettings, name, value)
    if secret:
        config.GradingSettings.secret = secret
    config.Exchange.root = str(workspace / "exchange")  # unused, but nbgrader checks that it is writable
    return config


@dataclass
class Graded:
    """Everything grading one submission produced, as plain data (it crosses process boundaries).

    results:    Gradescope results (report.results), late penalty included
    autograded: nbgrader's autograded notebook, nbformat JSON text
    feedback:   the feedback page, HTML text (None when not asked for, or when it could not be written)
    feedback_failure: why the feedback page asked for could not be written ("" when it was)
    cells:      {grade_id: {"auto_score", "needs_manual_grade", "auto_comment"}} as nbgrader recorded them
    late:       {"timestamp", "seconds_late", "penalty"}
    """
    results: dict
    autograded: str
    feedback: str = None
    feedback_failure: str = ""
    cells: dict = field(default_factory=dict)
    late: dict = field(default_factory=dict)


def grade_notebook(notebook, assignment, results_path=None, feedback_path=None, limits=None):
    """Grade ``notebook`` as a submission of ``assignment``; return the results dict.

    ``limits`` overrides GradingSettings for this run, e.g. {"cell_timeout": 10}.
    Raises BadInput (one line) for input that cannot be graded, GraderFault for a grader failure
    (after writing the results when only the feedback page failed).
    """
    graded = grade_submission(read_notebook(notebook), assignment, feedback=feedback_path is not None,
                              limits=limits, name=str(notebook))
    if results_path:
        report.write_json(graded.results, Path(results_path))
    if graded.feedback_failure:
        raise GraderFault(f"the results are written, but not the feedback page: {graded.feedback_failure}")
    if feedback_path:
        Path(feedback_path).parent.mkdir(parents=True, exist_ok=True)
        Path(feedback_path).write_text(graded.feedback)
    return graded.results


def grade_submission(nb, assignment, *, student=STUDENT, timestamp=None, duedate=None, feedback=True, limits=None,
                     secret=None, name="the submission") -> Graded:
    """Grade the notebook ``nb`` (a NotebookNode) in a private workspace; return a ``Graded``.

    ``timestamp`` (nbgrader's timestamp.txt text) and ``duedate`` (a datetime) let nbgrader's
    late-submission plugin assign its penalty. ``limits`` overrides GradingSettings, ``secret``
    is the course secret (default: the course's own). ``name`` is how errors refer to the submission.
    """
    check_assignment(assignment)
    check_belongs(nb, assignment, name)
    replaced = replace_lone_surrogates(nb)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        workspace = Path(tmp)
        config = grading_config(workspace, limits, secret)
        api = nbgrader_api(workspace, config)
        prepare_gradebook(api, workspace, assignment)
        db_url = f"sqlite:///{workspace / 'gradebook.db'}"
        if duedate is not None:
            with Gradebook(db_url) as gb:
                gb.update_or_create_assignment(assignment, duedate=duedate)
        submitted = workspace / "submitted" / student / assignment / f"{assignment}.ipynb"
        submitted.parent.mkdir(parents=True)
        nbformat.write(nb, submitted)
        if timestamp:
            (submitted.parent / "timestamp.txt").write_text(timestamp)
        outcome = api.autograde(assignment, student)
        if not outcome["success"]:
            raise GraderFault(f"nbgrader could not autograde {name}: {nbgrader_failure(outcome)}")
        judged = workspace / "autograded" / student / assignment / f"{assignment}.ipynb"
        cells, late = _recorded(db_url, assignment, student)
        results = report.results(db_url, assignment, student, judged, time.monotonic() - started, late, replaced)
        page, failure = None, ""
        if feedback:
            written = write_pages(workspace, config, assignment, [student],
                                  GradingSettings(config=config).feedback_timeout)[student]
            if written.status == "failed":
                failure = written.why
            else:
                page = (workspace / "feedback" / student / assignment / f"{assignment}.html").read_text()
        return Graded(results, judged.read_text(), page, failure, cells, late)


def _recorded(db_url, assignment, student):
    """What nbgrader recorded for the submission: per-cell grades and comments, and lateness."""
    with Gradebook(db_url) as gb:
        notebook = gb.find_submission_notebook(assignment, assignment, student)
        comments = {comment.name: comment.auto_comment for comment in notebook.comments}
        cells = {grade.name: {"auto_score": grade.auto_score, "needs_manual_grade": bool(grade.needs_manual_grade),
                              "auto_comment": comments.get(grade.name)}
                 for grade in notebook.grades}
        submission = notebook.assignment
        late = {"timestamp": submission.timestamp.isoformat() if submission.timestamp else None,
                "seconds_late": float(submission.total_seconds_late or 0),
                "penalty": float(notebook.late_submission_penalty or 0)}
    return cells, late


def prepare_gradebook(api, workspace, assignment):
    """Put a gradebook for ``assignment`` in the workspace without writing the course's own."""
    if not is_stale():
        shutil.copy(gradebook_path(), workspace / "gradebook.db")
        return
    shutil.copytree(ROOT / "source" / assignment, workspace / "source" / assignment)
    outcome = api.generate_assignment(assignment, force=True)
    if not outcome["success"]:
        raise GraderFault(f"nbgrader could not generate {assignment}: {nbgrader_failure(outcome)}")
