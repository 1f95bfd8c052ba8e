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
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, ClearOutput,
                                    DeduplicateIds, GetGrades, LimitOutput, OverwriteCells, OverwriteKernelspec,
                                    SaveAutoGrades)

from . import report
from .build import is_stale
from .check import JudgeTestCells
from .course import ROOT, check_assignment, course_config, gradebook_path, nbgrader_api, nbgrader_failure
from .execute import SandboxedExecute
from .repair import RepairStructure
from .submission import check_belongs, read_notebook

STUDENT = "learner"


class GraderFault(Exception):
    """The grader itself failed (not the submission)."""


def grading_config(workspace, limits=None):
    """nbgrader configuration for grading in ``workspace``: the course's config, the sandboxed
    execute step and the check step, and ``limits`` ({GradingSettings name: value}) on top."""
    config = course_config()
    config.CourseDirectory.root = str(workspace)
    for name, value in (limits or {}).items():
        setattr(config.GradingSettings, name, value)
    config.Autograde.sanitize_preprocessors = [
        ClearOutput, RepairStructure, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata,
    ]
    config.Autograde.autograde_preprocessors = [
        SandboxedExecute, JudgeTestCells, ClearMetadataPreprocessor, LimitOutput,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    config.Exchange.root = str(workspace / "exchange")  # unused, but nbgrader checks that it is writable
    # Feedback shows the visible part of each test and its verdict, never the hidden part.
    config.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
    return config


def grade_notebook(notebook, assignment, results_path=None, feedback_path=None, limits=None):
    """Grade ``notebook`` as a submission of ``assignment``; return the results dict.

    ``limits`` overrides GradingSettings for this run, e.g. {"cell_timeout": 10}.
    Raises BadInput (one line) for input that cannot be graded, GraderFault for a grader failure.
    """
    check_assignment(assignment)
    nb = read_notebook(notebook)
    check_belongs(nb, assignment, notebook)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        workspace = Path(tmp)
        api = nbgrader_api(workspace, grading_config(workspace, limits))
        prepare_gradebook(api, workspace, assignment)
        submitted = workspace / "submitted" / STUDENT / assignment / f"{assignment}.ipynb"
        submitted.parent.mkdir(parents=True)
        nbformat.write(nb, submitted)
        outcome = api.autograde(assignment, STUDENT)
        if not outcome["success"]:
            raise GraderFault(f"nbgrader could not autograde {notebook}: {nbgrader_failure(outcome)}")
        judged = workspace / "autograded" / STUDENT / assignment / f"{assignment}.ipynb"
        data = report.results(f"sqlite:///{workspace / 'gradebook.db'}", assignment, STUDENT, judged,
                              time.monotonic() - started)
        if feedback_path:
            outcome = api.generate_feedback(assignment, STUDENT)
            if not outcome["success"]:
                raise GraderFault(f"nbgrader could not write feedback: {nbgrader_failure(outcome)}")
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
        raise GraderFault(f"nbgrader could not generate {assignment}: {nbgrader_failure(outcome)}")
