"""The course's nbgrader chain: the steps every nbgrader door runs.

nbgrader 0.9 reads its converters' preprocessor lists from its configuration (nbgrader PR #1376),
as class paths. ``use_course_chain(c)``, called from the course's ``nbgrader_config.py`` and from
the one grade-batch writes into ``grading/``, puts the course's steps there, so that
``nbgrader autograde``, ``nbgrader generate_feedback``, formgrader's Autograde and Generate
Feedback buttons and ``python -m autograder`` all grade the same way:

* sanitise: nbgrader's own steps, after ``RepairStructure`` has made the graded cells agree with
  the gradebook; locked test cells, hidden blocks included, come back from the gradebook;
* autograde: ``SandboxedExecute`` runs the notebook in the sandbox in place of nbgrader's
  ``Execute``, and ``JudgeTestCells`` replaces each test cell's outputs with the verdict of its
  hidden check, judged in the grader's process; nbgrader's ``SaveAutoGrades`` scores the verdicts;
* feedback: ``ClearHiddenTests`` removes every hidden block from the page.

This module imports nothing, so loading a configuration stays cheap.
"""

SANITIZE = [
    "nbgrader.preprocessors.ClearOutput",
    "autograder.repair.RepairStructure",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
AUTOGRADE = [
    "autograder.execute.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "autograder.check.JudgeTestCells",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
FEEDBACK = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]


def use_course_chain(c):
    """Make nbgrader's Autograde and GenerateFeedback converters in config ``c`` run the course's steps."""
    c.Autograde.sanitize_preprocessors = list(SANITIZE)
    c.Autograde.autograde_preprocessors = list(AUTOGRADE)
    c.GenerateFeedback.preprocessors = list(FEEDBACK)
