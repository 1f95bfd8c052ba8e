"""Collect a class's submissions from nbgrader's layout, ``submitted/<student>/<assignment>/<assignment>.ipynb``.

Each submission becomes a ``Job`` that carries the notebook's bytes, so a worker on another
machine needs the course installed but not the submissions. What cannot become a job (a missing
notebook, an unknown assignment or student, a symbolic link anywhere in a submission) becomes a
``Problem`` for the summary. A ``timestamp.txt`` that is not a date is the learner's bad input:
the notebook is graded as on time, and the job's ``note`` says so.
"""
import hashlib
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from nbgrader.utils import parse_utc

from .course import ROOT, available_assignments
from .hidden_inputs import course_secret

TIMESTAMP_FILE = "timestamp.txt"
SECRET_FILE = "submission_secret.txt"   # nbgrader's submit writes it; release_feedback needs it
# Changing any of these changes every grade of the assignment, so it invalidates the ledger.
GRADER_FILES = ("nbgrader_config.py", "autograder/checks/*.py", "autograder/reference/*.py", "course_utils/grading.py",
                "autograder/hidden_inputs.py", "autograder/shortcuts.py")


@dataclass(frozen=True)
class Job:
    """One submission to grade: who, what, the notebook's bytes, and nbgrader's timestamp text
    (and submission secret, which names its released feedback and does not change its grade).
    ``note`` tells the summary how a timestamp that is not a date was treated."""
    student: str
    assignment: str
    notebook: bytes
    timestamp: str = None
    duedate: object = None          # datetime from the gradebook, or None
    content_hash: str = ""
    submission_secret: bytes = None
    note: str = ""

    @property
    def name(self):
        return f"{self.student}/{self.assignment}"


@dataclass(frozen=True)
class Problem:
    """A submission folder that could not be graded, and why, for the summary. ``handed_in``: the
    learner handed in something for the assignment (a misnamed notebook, a link), which every
    output lists with 0 and ``what``."""
    student: str
    assignment: str
    what: str
    handed_in: bool = False


def grader_fingerprint(assignment, root=ROOT):
    """SHA-256 over the assignment's source notebook, the grader's checking code and the course
    secret behind the hidden inputs."""
    digest = hashlib.sha256(course_secret(root).encode() + b"\0")
    paths = [root / "source" / assignment / f"{assignment}.ipynb"]
    paths += sorted(p for pattern in GRADER_FILES for p in root.glob(pattern))
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def content_hash(job, fingerprint):
    """What a grade depends on: the notebook, its timestamp, the due date and the grader."""
    digest = hashlib.sha256()
    for part in (job.assignment, job.timestamp or "", str(job.duedate or ""), fingerprint):
        digest.update(part.encode() + b"\0")
    digest.update(job.notebook)
    return digest.hexdigest()


def collect(submitted, assignments=None, roster=frozenset(), only_roster=False, duedates=None):
    """Scan ``submitted`` and return (jobs, problems).

    Inputs:
        submitted:   the directory holding one folder per student
        assignments: names to grade (default: every assignment of the course)
        roster:      the student ids the gradebook knows
        only_roster: report folders of students not in the roster instead of grading them
                     (nbgrader's Autograde.create_student = False)
        duedates:    {assignment: datetime or None}, copied into each job
    Students of the roster who submitted nothing for an assignment that others submitted are
    reported as "no submission".
    """
    submitted = Path(submitted)
    top = submitted.resolve()
    wanted = list(assignments or available_assignments())
    known = set(available_assignments())
    duedates = duedates or {}
    fingerprints = {name: grader_fingerprint(name) for name in wanted}
    jobs, problems = [], []
    students = sorted(p for p in submitted.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in students:
        student = folder.name
        if linked(folder, top):
            problems.append(Problem(student, "", LINKED))
            continue
        if not safe_name(student):
            problems.append(Problem(student, "", "folder name is not a usable student id (letters, digits, . _ @ + -)"))
            continue
        if only_roster and student not in roster:
            problems.append(Problem(student, "", "unknown student: this folder's name is not in the gradebook's roster"))
            continue
        for assignment_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
            assignment = assignment_dir.name
            if assignment not in known:
                problems.append(Problem(student, assignment, f"unknown assignment folder {assignment!r}"))
                continue
            if assignment not in wanted:
                continue
            notebook, stamp = assignment_dir / f"{assignment}.ipynb", assignment_dir / TIMESTAMP_FILE
            secret = assignment_dir / SECRET_FILE
            if any(linked(path, top) for path in (assignment_dir, notebook, stamp, secret) if os.path.lexists(path)):
                problems.append(Problem(student, assignment, LINKED, handed_in=True))
                continue
            if not notebook.is_file():
                others = sorted(p.name for p in assignment_dir.glob("*.ipynb"))
                found = f" (found {', '.join(others)}; rename it {notebook.name})" if others else ""
                problems.append(Problem(student, assignment, f"missing notebook {notebook.name}{found}", handed_in=True))
                continue
            timestamp, note = read_timestamp(stamp)
            job = Job(student, assignment, notebook.read_bytes(), timestamp, duedates.get(assignment),
                      submission_secret=secret.read_bytes() if secret.is_file() else None, note=note)
            jobs.append(replace(job, content_hash=content_hash(job, fingerprints[assignment])))
    seen = {(item.student, item.assignment) for item in [*jobs, *problems]}
    submitted_to = {job.assignment for job in jobs}
    for student in sorted(set(roster) | {job.student for job in jobs}):
        problems += [Problem(student, name, "no submission") for name in wanted
                     if name in submitted_to and (student, name) not in seen]
    return jobs, problems


def read_timestamp(path):
    """(nbgrader's timestamp text, "") from a submission's timestamp.txt; (None, "") when there is
    none, and (None, why it was graded as on time) when it is not a date nbgrader can read."""
    if not path.is_file():
        return None, ""
    text = path.read_bytes().decode("utf-8", "replace").strip()
    if not text:
        return None, ""  # nbgrader reads an empty timestamp.txt as no timestamp
    try:
        parse_utc(text)
    except Exception:  # noqa: BLE001 - dateutil raises several kinds
        shown = text if len(text) <= 40 else text[:40] + "…"
        return None, f"graded as on time: {TIMESTAMP_FILE} {shown!r} is not a date"
    return text, ""


LINKED = "a symbolic link where a submission's folder or file should be: submissions must be real files"


def linked(path, top):
    """True when ``path`` is a symbolic link, or does not resolve to a place under ``top``."""
    return path.is_symlink() or not path.resolve().is_relative_to(top)


def safe_name(name):
    """True for a student or assignment name that is safe as a folder name in the outputs."""
    return bool(re.fullmatch(r"[A-Za-z0-9_.@+-]{1,128}", name)) and name not in (".", "..")
