"""Grade one submitted notebook in a private workspace: execute, check, record, report.

The course's own gradebook, source/ and release/ are never written: the workspace gets a copy of
the course gradebook (or, when that is missing or older than source/, a private one generated
there), and nbgrader's Autograde converter runs there with the check step in its chain.
"""
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, Execute,
                                    GetGrades, LimitOutput, SaveAutoGrades)
from nbgrader.utils import setenv

from course_utils.grading import PROBE_DIR_ENV
from . import report
from .build import is_stale
from .check import JudgeTestCells, WriteProbePlans
from .course import ROOT, check_assignment, course_config, gradebook_path, nbgrader_api
from .settings import GradingSettings
from .submission import check_belongs, read_notebook

STUDENT = "learner"

# Environment of the learner's kernel: TensorFlow's start-up chatter silenced.
KERNEL_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "PYTHONHASHSEED": "0",
              "MPLBACKEND": "module://matplotlib_inline.backend_inline"}


class GraderFault(Exception):
    """The grader itself failed (not the submission)."""


def grading_config(workspace, probe_dir):
    """nbgrader configuration for grading in ``workspace``: the course's config plus the check step."""
    config = course_config()
    config.CourseDirectory.root = str(workspace)
    settings = GradingSettings(config=config)
    config.Autograde.autograde_preprocessors = [
        WriteProbePlans, Execute, JudgeTestCells, ClearMetadataPreprocessor, LimitOutput,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    config.WriteProbePlans.probe_dir = str(probe_dir)
    config.WriteProbePlans.call_timeout = settings.call_timeout
    config.JudgeTestCells.probe_dir = str(probe_dir)
    config.Execute.timeout = settings.cell_timeout
    config.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]
    # Feedback shows the visible part of each test and its verdict, never the hidden part.
    config.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
    return config


def grade_notebook(notebook, assignment, results_path=None, feedback_path=None):
    """Grade ``notebook`` as a submission of ``assignment``; return the results dict.

    Raises BadInput (one line) for input that cannot be graded, GraderFault for a grader failure.
    """
    check_assignment(assignment)
    nb = read_notebook(notebook)
    check_belongs(nb, assignment, notebook)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        workspace = Path(tmp)
        probe_dir = workspace / "probes"
        api = nbgrader_api(workspace, grading_config(workspace, probe_dir))
        prepare_gradebook(api, workspace, assignment)
        submitted = workspace / "submitted" / STUDENT / assignment / f"{assignment}.ipynb"
        submitted.parent.mkdir(parents=True)
        nbformat.write(nb, submitted)
        with setenv(**KERNEL_ENV, **{PROBE_DIR_ENV: str(probe_dir)}):
            outcome = api.autograde(assignment, STUDENT)
        if not outcome["success"]:
            raise GraderFault(f"nbgrader could not autograde {notebook}: {_last_line(outcome)}")
        judged = workspace / "autograded" / STUDENT / assignment / f"{assignment}.ipynb"
        data = report.results(f"sqlite:///{workspace / 'gradebook.db'}", assignment, STUDENT, judged,
                              time.monotonic() - started)
        if feedback_path:
            outcome = api.generate_feedback(assignment, STUDENT)
            if not outcome["success"]:
                raise GraderFault(f"nbgrader could not write feedback: {_last_line(outcome)}")
            Path(feedback_path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(workspace / "feedback" / STUDENT / assignment / f"{assignment}.html", feedback_path)
    if results_path:
        report.write_json(data, Path(results_path))
    return data


def prepare_gradebook(api, workspace, assignment):
    """Put a gradebook for ``assignment`` in the workspace without writing the course's own."""
    if not is_stale():
        shutil.copy(gradebook_path(), workspace / "gradebook.db")
        return
    shutil.copytree(ROOT / "source" / assignment, workspace / "source" / assignment)
    outcome = api.generate_assignment(assignment, force=True)
    if not outcome["success"]:
        raise GraderFault(f"nbgrader could not generate {assignment}: {_last_line(outcome)}")


def _last_line(outcome):
    text = (outcome.get("error") or outcome.get("log") or "no details").strip().splitlines()
    return text[-1] if text else "no details"
