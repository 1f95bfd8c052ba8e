"""The class's course directory (``grading/``), laid out so that nbgrader's own commands and
formgrader's buttons work in it and grade the way grade-batch does. ``make_course_directory``
(``python -m autograder course-directory``) makes it before any grading, for the roster and the
release; grade-batch keeps it up to date.

``write_course_directory`` writes, at every batch and only what changed:

    nbgrader_config.py     loads the course's configuration, so every nbgrader door run here runs the
                           course's chain (autograder/chain.py); its root is its own folder, so the
                           directory can be moved or copied; and reads an LMS's download for
                           nbgrader zip_collect (autograder/lms.py)
    source/<a>/            a copy of each graded assignment's source: formgrader lists assignments
                           from it, and nbgrader autograde copies its other files
    release/<a>/           a copy of each assignment's release, which nbgrader release_assignment
                           puts in the exchange and zip_collect checks notebook names against
    exchange/              nbgrader's exchange: release_assignment, submit, collect, release_feedback

and ``keep_submission``, with each graded submission, what nbgrader autograde would have left
(``drop_submission`` removes it when what the learner hands in now cannot be graded):

    submitted/<student>/<a>/    the notebook grade-batch graded, byte for byte, so that formgrader's
                                Autograde button and ``nbgrader autograde`` regrade exactly that
    autograded/<student>/<a>/   the judged notebook
    each with the submission's timestamp.txt and submission_secret.txt when it had them (nbgrader's
    submit writes both; generate_feedback copies them to feedback/, where release_feedback reads them).
"""
import os
import shutil
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import find_all_files

from .build import ensure_built
from .collect import SECRET_FILE, TIMESTAMP_FILE
from .course import ROOT, BadInput, course_config
from .lms import BLACKBOARD_NAMES
from .record import ClassGradebook

CONFIG_FILE = "nbgrader_config.py"
MARK = "written by `python -m autograder "  # in the configuration's first line, old and new: how one is recognised
CONFIG = '''"""nbgrader configuration of a class's course directory, written by `python -m autograder course-directory`
or `grade-batch`.

Every nbgrader command run in this folder (db, release_assignment, collect, zip_collect, autograde,
generate_feedback, release_feedback, export) and formgrader's buttons use the course's own
configuration, so they run the course's grading chain (autograder/chain.py): the sandbox, the
hidden checks, and feedback without hidden tests.
"""
import os

from autograder.course import course_config

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file
c.merge(course_config())
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.Exchange.root = os.path.join(c.CourseDirectory.root, "exchange")
c.ZipCollectApp.collector_plugin = "autograder.lms.BlackboardFileNames"
c.FileNameCollectorPlugin.named_regexp = {names!r}
'''


def write_course_directory(out, assignments, db_url=None):
    """Make ``out`` an nbgrader course directory for ``assignments`` (see the module doc). Raises
    BadInput when ``out`` holds another nbgrader_config.py, such as the course's own.

    ``db_url``: the class gradebook when it is not ``out/gradebook.db`` (grade-batch's --db-url).
    """
    out = Path(out)
    if (out / CONFIG_FILE).exists() and not is_course_directory(out):
        raise BadInput(f"{out / CONFIG_FILE} is not a class course directory's (the course's own?): "
                       "choose another --out")
    config = CONFIG.format(names=BLACKBOARD_NAMES)
    if db_url:
        config += f"c.CourseDirectory.db_url = {db_url!r}\n"
    write_if_changed(out / CONFIG_FILE, config.encode())
    (out / "exchange").mkdir(exist_ok=True)
    if (out / "source").is_symlink():  # left by an older `python -m autograder formgrader`
        (out / "source").unlink()
    for assignment in assignments:
        for step in ("source", "release"):
            mirror(ROOT / step / assignment, out / step / assignment)


def make_course_directory(out, assignments, db_url=None):
    """Make ``out`` a complete course directory before any grading: ``write_course_directory``,
    and a gradebook holding the assignments' definitions (cells, points; a due date set there is
    kept), in which nbgrader's db, release_assignment, collect and zip_collect commands work.

    ``db_url``: the class gradebook when it is not ``out/gradebook.db``."""
    ensure_built()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise BadInput(f"{out} is a file, not a folder for the course directory")
    out.mkdir(parents=True, exist_ok=True)
    write_course_directory(out, assignments, db_url)
    with ClassGradebook(db_url or f"sqlite:///{out.resolve() / 'gradebook.db'}",
                        course_config().CourseDirectory.course_id) as book:
        book.sync_assignments(assignments)


def is_course_directory(out):
    """True when ``out`` holds the configuration ``write_course_directory`` writes."""
    config = Path(out) / CONFIG_FILE
    return config.is_file() and MARK in config.read_text()


def keep_submission(out, job, autograded=None, submitted=None):
    """Put a graded submission (a ``collect.Job``) where nbgrader expects it: its notebook in
    submitted/, ``autograded`` (the judged notebook's text; None when it is already there, as for
    a submission unchanged since it was graded) in autograded/, and its timestamp and secret in both.
    A submitted/ that is the batch's input folder ``submitted`` is left alone: it holds the learner's
    own files (a timestamp.txt that is not a date among them)."""
    notebooks = {"submitted": job.notebook, "autograded": autograded.encode() if autograded is not None else None}
    if _is_input(out, submitted):
        del notebooks["submitted"]
    for step, notebook in notebooks.items():
        folder = Path(out) / step / job.student / job.assignment
        if notebook is not None:
            write_if_changed(folder / f"{job.assignment}.ipynb", notebook)
        if not (folder / f"{job.assignment}.ipynb").exists():
            continue
        stamp = job.timestamp.encode() if job.timestamp is not None else None
        for name, data in ((TIMESTAMP_FILE, stamp), (SECRET_FILE, job.submission_secret)):
            if data is None:
                (folder / name).unlink(missing_ok=True)
            else:
                write_if_changed(folder / name, data)


def drop_submission(out, student, assignment, submitted):
    """Remove a submission's copies in ``out``'s autograded/ and submitted/ (of an earlier grading),
    so that formgrader neither shows nor regrades them; a submitted/ that is the batch's input
    folder ``submitted`` is left alone."""
    for step in ["autograded"] + ([] if _is_input(out, submitted) else ["submitted"]):
        shutil.rmtree(Path(out) / step / student / assignment, ignore_errors=True)


def _is_input(out, submitted):
    """True when ``out``'s submitted/ is the batch's input folder ``submitted``."""
    return submitted is not None and (Path(out) / "submitted").resolve() == Path(submitted).resolve()


def mirror(source, copy):
    """Make folder ``copy`` hold exactly the files of ``source`` that nbgrader does not ignore."""
    ignore = CourseDirectory().ignore
    wanted = {os.path.relpath(path, source) for path in find_all_files(str(source), ignore)}
    for name in wanted:
        write_if_changed(copy / name, (source / name).read_bytes())
    for path in find_all_files(str(copy)) if copy.exists() else []:
        if os.path.relpath(path, copy) not in wanted:
            os.remove(path)


def write_if_changed(path, data):
    """Write bytes atomically (a reader never sees half a file, a kill never leaves one), and only
    when the file does not already hold them."""
    path = Path(path)
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
