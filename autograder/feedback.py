"""Feedback pages within a time limit, whatever a submission holds.

nbgrader's ``generate_feedback`` renders a page in the process that calls it, with no limit on
time, and fails the whole call when one page cannot be rendered. ``write_pages`` runs it in a
child process, one page at a time, and stops the child when a page takes longer than
``GradingSettings.feedback_timeout``. A page that ran past the limit, or that nbgrader could not
render, is made again, under the same limit, from a reduced copy of the graded notebook (see
``reduced``): the grader's verdicts and the submission's code and text, cut, without the outputs
of the submission's own cells. Its first line says what was left out and why. A submission that
could not be graded at all gets ``refusal_page``, which says why.
"""
import html
import multiprocessing
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .check import is_test_cell
from .course import nbgrader_api, nbgrader_failure
from .inert import code_block

REDUCED_PAGE_CHARS = 50_000   # characters of code and text a reduced page shows, in all
REDUCED_CELL_CHARS = 2_000    # and of any one cell
_fork = multiprocessing.get_context("fork")


@dataclass(frozen=True)
class Page:
    """How one learner's page was written: "full", "reduced" (``why`` the full one was not) or
    "failed" (``why`` not even the reduced one was)."""
    status: str
    why: str = ""


def write_pages(root, config, assignment, students, seconds):
    """Write ``root``/feedback/<student>/<assignment>/<assignment>.html for each of ``students``
    from ``root``/autograded, with nbgrader and the gradebook of ``config``; return {student: Page}.

    Inputs:
        root:    an nbgrader course directory; config: its nbgrader configuration
        seconds: the time limit for one page (one nbgrader run)
    """
    pages = {}
    for student in students:
        why = _generate(root, config, assignment, student, seconds)
        if why is None:
            pages[student] = Page("full")
            continue
        (Path(root) / "feedback" / student / assignment / f"{assignment}.html").unlink(missing_ok=True)  # half-written
        failure = _generate_reduced(root, config, assignment, student, seconds, why)
        pages[student] = Page("reduced", why) if failure is None else Page("failed", f"{why}; then {failure}")
    return pages


def refusal_page(assignment, reason):
    """The feedback page, HTML text, of a submission that could not be graded: 0 points and why."""
    title = html.escape(f"{assignment}: your submission could not be graded")
    return (f'<!doctype html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>\n'
            f"<body><h1>{title}</h1>\n<p>{html.escape(reason)}</p>\n"
            "<p>Score: 0. Hand in the assignment's notebook again to have it graded.</p></body></html>\n")


def _generate(root, config, assignment, student, seconds):
    """nbgrader's generate_feedback for one page in a child process; None, or why it wrote no page."""
    receive, send = _fork.Pipe(duplex=False)
    child = _fork.Process(target=_generate_in_child, args=(root, config, assignment, student, send), daemon=True)
    child.start()
    send.close()
    try:
        if receive.poll(seconds):
            return receive.recv()
        return f"making it took longer than the {seconds:g} s limit for a feedback page"
    except EOFError:
        return "the process making it died"
    finally:
        child.kill()
        child.join()
        receive.close()


def _generate_in_child(root, config, assignment, student, send):
    try:
        outcome = nbgrader_api(root, config).generate_feedback(assignment, student)
        send.send(None if outcome["success"] else f"nbgrader could not render it ({nbgrader_failure(outcome)})")
    except Exception as error:  # noqa: BLE001 - reported to the parent, which writes a reduced page
        send.send(f"nbgrader could not render it ({type(error).__name__}: {str(error)[:200]})")


def _generate_reduced(root, config, assignment, student, seconds, why):
    """Write the page from a reduced copy of the graded notebook (see the module doc), in a
    scratch course directory that shares the gradebook; None, or why it wrote no page."""
    relative = Path(student) / assignment / f"{assignment}.ipynb"
    with tempfile.TemporaryDirectory(prefix="feedback-") as scratch:
        scratch = Path(scratch)
        graded = nbformat.read(Path(root) / "autograded" / relative, as_version=4)
        (scratch / "autograded" / relative).parent.mkdir(parents=True)
        nbformat.write(reduced(graded, why), scratch / "autograded" / relative)
        scratch_config = config.copy()
        scratch_config.CourseDirectory.root = str(scratch)
        scratch_config.CourseDirectory.db_url = _db_url(root, config)
        failure = _generate(scratch, scratch_config, assignment, student, seconds)
        if failure is None:
            page = Path(root) / "feedback" / relative.with_suffix(".html")
            page.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(scratch / "feedback" / relative.with_suffix(".html"), page)
        return failure


def _db_url(root, config):
    """The gradebook nbgrader uses for the course directory ``root`` under ``config``."""
    return config.CourseDirectory.get("db_url") or f"sqlite:///{Path(root).resolve() / 'gradebook.db'}"


def reduced(nb, why):
    """A copy of the graded notebook ``nb`` that renders in bounded time: a first cell saying what
    is left out and ``why``, every test cell with its verdict, the other cells' code (and their
    markdown as plain text) cut to REDUCED_CELL_CHARS each and REDUCED_PAGE_CHARS in all, and no
    output of the submission's own cells."""
    nb = nbformat.from_dict(nb)
    left = REDUCED_PAGE_CHARS
    cells = [nbformat.v4.new_markdown_cell(
        f"**Part of this page is left out.** The full page could not be made: {why}. This page shows your "
        "code and text and the grader's verdicts, without your notebook's outputs, and cuts long cells.")]
    for cell in nb.cells:
        if cell.cell_type == "code" and is_test_cell(cell):
            cells.append(cell)
            continue
        shown = _shown(cell, min(left, REDUCED_CELL_CHARS))
        if shown is None and "nbgrader" not in cell.metadata:
            continue
        cell.source = shown or ""
        left -= len(cell.source)
        if cell.cell_type == "code":
            cell.outputs = []
        cell.pop("attachments", None)
        cells.append(cell)
    nb.cells = cells
    return nb


def _shown(cell, room):
    """The source the reduced page shows for a cell in at most about ``room`` characters, or None."""
    if cell.cell_type not in ("code", "markdown") or not cell.source.strip() or room <= 0:
        return None
    source, mark = cell.source, "# … {:,} characters cut" if cell.cell_type == "code" else "… {:,} characters cut"
    if len(source) > room:
        keep = max(0, room - 40)
        source = source[:keep] + "\n" + mark.format(len(source) - keep)
    return source if cell.cell_type == "code" else code_block(source)
