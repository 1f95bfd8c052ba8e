"""Record: the class gradebook, written by one process only.

nbgrader's gradebook (SQLite by default, PostgreSQL with a ``postgresql+psycopg2://`` URL) is not
safe for concurrent writers, so workers grade in private workspaces and hand back plain data
(``grade.Graded``); the batch's main process records each result here, one at a time.

Beside nbgrader's tables, a ledger table holds one row per (student, assignment): the content hash
of what was graded, the results and how long grading took. The row is written last, after the
grades and the files, so a batch killed at any point leaves either a finished record or one that
the next run redoes; nbgrader's update_or_create calls make the redo overwrite, never double.
"""
import hashlib
import json
from datetime import datetime, timezone

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins.export import CsvExportPlugin
from sqlalchemy import Column, DateTime, Float, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base

from .course import gradebook_path

LedgerBase = declarative_base()


class LedgerEntry(LedgerBase):
    """The last grading of one student's submission of one assignment."""
    __tablename__ = "autograder_ledger"
    __table_args__ = (UniqueConstraint("student", "assignment"),)
    student = Column(String(128), primary_key=True)
    assignment = Column(String(128), primary_key=True)
    content_hash = Column(String(64), nullable=False)
    status = Column(String(16), nullable=False)       # "graded" or "refused" (input that cannot be graded)
    score = Column(Float)
    max_score = Column(Float)
    late_penalty = Column(Float)
    seconds = Column(Float)
    graded_at = Column(DateTime)
    message = Column(Text)                            # why a submission was refused
    results = Column(Text)                            # results.json, as text
    answers = Column(Text)                            # {manual grade_id: checksum of the answer's text}


def checksum(text):
    return hashlib.sha256(text.encode()).hexdigest()


class ClassGradebook:
    """nbgrader's gradebook for a class, with the ledger beside it. Use as a context manager."""

    def __init__(self, db_url, course_id):
        self.db_url = db_url
        self.gb = Gradebook(db_url, course_id=course_id)   # creates nbgrader's tables first
        LedgerBase.metadata.create_all(self.gb.engine)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.gb.close()

    # --- definitions and roster ----------------------------------------------------------------
    def sync_assignments(self, names):
        """Copy the assignments' definitions (notebooks, cells, points) from the course's built
        gradebook, keeping any due date already set in this one."""
        with Gradebook(f"sqlite:///{gradebook_path()}") as built:
            for name in names:
                source = built.find_assignment(name)
                try:
                    duedate = self.gb.find_assignment(name).duedate
                except MissingEntry:
                    duedate = source.duedate
                self.gb.update_or_create_assignment(name, duedate=duedate)
                for notebook in source.notebooks:
                    self.gb.update_or_create_notebook(notebook.name, name)
                    for cell in notebook.grade_cells:
                        self.gb.update_or_create_grade_cell(cell.name, notebook.name, name,
                                                            max_score=cell.max_score, cell_type=cell.cell_type)
                    for cell in notebook.solution_cells:
                        self.gb.update_or_create_solution_cell(cell.name, notebook.name, name)
                    for cell in notebook.task_cells:
                        self.gb.update_or_create_task_cell(cell.name, notebook.name, name,
                                                           max_score=cell.max_score, cell_type=cell.cell_type)
                    for cell in notebook.source_cells:
                        self.gb.update_or_create_source_cell(cell.name, notebook.name, name, cell_type=cell.cell_type,
                                                             locked=cell.locked, source=cell.source,
                                                             checksum=cell.checksum)

    def roster(self):
        """The student ids in the gradebook (empty when no roster was imported)."""
        return {student.id for student in self.gb.students}

    def duedate(self, assignment):
        return self.gb.find_assignment(assignment).duedate

    def ledger(self):
        """Every ledger entry: the last grading of each submission."""
        return self.gb.db.query(LedgerEntry).all()

    def entry(self, student, assignment):
        """The ledger entry of this submission's last grading, or None."""
        return self.gb.db.get(LedgerEntry, (student, assignment))

    # --- recording -----------------------------------------------------------------------------
    def record(self, job, graded, seconds):
        """Record one graded submission: nbgrader's grades and comments, then the ledger row."""
        self.gb.update_or_create_student(job.student)
        submission = self.gb.update_or_create_submission(job.assignment, job.student,
                                                         timestamp=graded.late.get("timestamp"))
        answers = _manual_answers(graded.autograded)
        previous = self.entry(job.student, job.assignment)
        kept = json.loads(previous.answers) if previous and previous.answers else {}
        for notebook in submission.notebooks:
            notebook.late_submission_penalty = graded.late.get("penalty") or None
            for grade in notebook.grades:
                recorded = graded.cells.get(grade.name, {})
                grade.auto_score = recorded.get("auto_score")
                grade.needs_manual_grade = recorded.get("needs_manual_grade", False)
                if grade.name in answers and kept.get(grade.name) != answers[grade.name]:
                    grade.manual_score = None  # a changed written answer needs grading again
                elif grade.manual_score is not None:
                    grade.needs_manual_grade = False
            for comment in notebook.comments:
                comment.auto_comment = graded.cells.get(comment.name, {}).get("auto_comment")
        self.gb.db.commit()
        self._write_ledger(job, status="graded", seconds=seconds, answers=json.dumps(answers),
                           results=json.dumps(graded.results), score=graded.results["score"],
                           max_score=graded.results["extra_data"]["max_score"],
                           late_penalty=graded.late.get("penalty") or 0.0)

    def record_refusal(self, job, message, seconds):
        """Record input that cannot be graded (not a notebook, another assignment's notebook...)."""
        self._write_ledger(job, status="refused", seconds=seconds, message=message)

    def _write_ledger(self, job, **values):
        entry = self.entry(job.student, job.assignment) or LedgerEntry(
            student=job.student, assignment=job.assignment)
        for name in ("score", "max_score", "late_penalty", "message", "results", "answers"):
            setattr(entry, name, values.get(name))
        entry.content_hash, entry.status, entry.seconds = job.content_hash, values["status"], values["seconds"]
        entry.graded_at = datetime.now(timezone.utc).replace(tzinfo=None)
        self.gb.db.add(entry)
        self.gb.db.commit()

    def export_csv(self, path):
        """The class's grades as CSV, through nbgrader's own export plugin."""
        CsvExportPlugin(to=str(path)).export(self.gb)


def _manual_answers(autograded_text):
    """{grade_id: checksum of the answer} for the manually graded cells of a graded notebook."""
    nb = nbformat.reads(autograded_text, as_version=4)
    answers = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and meta.get("solution"):
            answers[meta.get("grade_id")] = checksum(cell.source)
    return answers
