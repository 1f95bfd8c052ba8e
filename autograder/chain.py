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
* feedback: ``ClearHiddenTests`` removes every hidden block from the page;
* pages: every HTML page nbconvert renders with the course's configuration (the feedback pages,
  formgrader's) runs ``MakeInert`` first and cleans HTML with the course's allow-list, so a
  submission's HTML is shown and never run. ``MakeInert`` also runs in the autograde chain, so
  the stored notebook formgrader opens is inert whatever the server's configuration. The pages'
  templates find the course's own first (``PAGE_TEMPLATES``, see autograder/pages.py): output
  that wraps, figures that fit, and MathJax from installed packages in place of a CDN.

This module imports nothing but the standard library's finders, so loading a configuration stays cheap.
"""
import importlib.util
import os

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
    "autograder.inert.MakeInert",
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

PAGES = [
    "autograder.inert.MakeInert",
]
PAGE_TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates", "pages")
# nbgrader's feedback and formgrade templates, which nbgrader adds itself only when the
# configuration names no template folder.
NBGRADER_TEMPLATES = os.path.join(importlib.util.find_spec("nbgrader").submodule_search_locations[0],
                                  "server_extensions", "formgrader", "templates")


def use_course_chain(c):
    """Make nbgrader's Autograde and GenerateFeedback converters in config ``c`` run the course's steps."""
    c.Autograde.sanitize_preprocessors = list(SANITIZE)
    c.Autograde.autograde_preprocessors = list(AUTOGRADE)
    c.GenerateFeedback.preprocessors = list(FEEDBACK)
    use_inert_pages(c)


def use_inert_pages(c):
    """Make every HTMLExporter configured by ``c`` (feedback pages, formgrader) show HTML inert:
    the ``PAGES`` steps, nbconvert's ``sanitize_html`` (no script for JavaScript or widget outputs,
    HTML outputs cleaned), and the course's allow-list as its ``clean_html`` filter; and find the
    course's page templates before nbgrader's, with the filter that inlines MathJax in them."""
    c.HTMLExporter.preprocessors = list(PAGES)
    c.HTMLExporter.sanitize_html = True
    c.HTMLExporter.filters = {"clean_html": "autograder.inert.clean_html",
                              "mathjax_script": "autograder.pages.mathjax_script"}
    c.HTMLExporter.extra_template_basedirs = [PAGE_TEMPLATES, NBGRADER_TEMPLATES]
