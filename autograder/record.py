"""Record: the class gradebook, written by one process only.

nbgrader's gradebook (SQLite by default, PostgreSQL with a ``postgresql+psycopg2://`` URL) is not
safe for concurrent writers, so workers grade in private workspaces and hand back plain data
(``grade.Graded``); the batch's main process records each result here, one at a time.

Beside nbgrader's tables, a ledger table holds one row per (student, assignment): the content hash
of what was graded, the results and how long grading took. The row is written last, after the
grades and the files, so a batch killed at any point leaves either a finished record or one that
the next run redoes; nbgrader's update_or_create calls make the redo overwrite, never double.
The results it holds are those ``results/`` and the feedback page show, written scores and late
penalty included, so a run can tell when formgrader changed a score since (``settle``, and
``batch._refresh``). A second
table holds the wall time of each batch run.
"""
import hashlib
import json
from datetime import datetime, timezone

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins.export import CsvExportPlugin
from nbgrader.preprocessors import AssignLatePenalties
from sqlalchemy import Column, DateTime, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base

from .course import course_config, gradebook_path

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
    results = Column(Text)                            # results.json as results/ holds it, as text
    answers = Column(Text)                            # {manual grade_id: checksum of the answer's text}


class BatchRun(LedgerBase):
    """One grade-batch run: how long it took on the clock, and how many submissions it graded."""
    __tablename__ = "autograder_batch_runs"
    id = Column(Integer, primary_key=True, autoincrement=True)
    finished_at = Column(DateTime, nullable=False)
    wall_seconds = Column(Float, nullable=False)      # from the start of the run to its last page
    graded = Column(Integer, nullable=False)          # submissions graded (not skipped) by the run


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

    def max_score(self, assignment):
        """All the points of an assignment, written answers included (nbgrader's max_score)."""
        return float(self.gb.find_assignment(assignment).max_score)

    def runs(self):
        """Every recorded batch run, oldest first."""
        return self.gb.db.query(BatchRun).order_by(BatchRun.id).all()

    def ledger(self):
        """Every ledger entry: the last grading of each submission."""
        return self.gb.db.query(LedgerEntry).all()

    def entry(self, student, assignment):
        """The ledger entry of this submission's last grading, or None."""
        return self.gb.db.get(LedgerEntry, (student, assignment))

    # --- recording -----------------------------------------------------------------------------
    def record(self, job, graded, seconds):
        """Record one graded submission: nbgrader's grades and comments, then the ledger row.
        The late penalty is left to ``settle``."""
        self.gb.update_or_create_student(job.student)
        submission = self.gb.update_or_create_submission(job.assignment, job.student,
                                                         timestamp=graded.late.get("timestamp"))
        answers = _manual_answers(graded.autograded)
        previous = self.entry(job.student, job.assignment)
        kept = json.loads(previous.answers) if previous and previous.answers else {}
        for notebook in submission.notebooks:
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
        self._write_ledger(job.student, job.assignment, job.content_hash, status="graded", seconds=seconds,
                           answers=json.dumps(answers), results=graded.results)

    def settle(self, student, assignment):
        """Set the late penalty of a graded submission from its total score now, written answers
        included, with the course's late-submission plugin (the ``plugin_class`` of nbgrader's
        AssignLatePenalties); return ({grade_id: the cell's points as nbgrader counts them (a
        manual score over the autograder's, extra credit added), None when not graded yet}, the
        lateness), as ``report.rescore`` takes them."""
        submission = self.gb.find_submission(assignment, student)
        seconds_late = float(submission.total_seconds_late or 0)
        step = AssignLatePenalties(config=course_config())
        step.init_plugin()
        scores, penalty = {}, 0.0
        for notebook in submission.notebooks:
            due = step.plugin_inst.late_submission_penalty(student, notebook.score, seconds_late) \
                if seconds_late > 0 else None
            notebook.late_submission_penalty = None if due is None else max(0.0, min(float(due), notebook.score))
            penalty += notebook.late_submission_penalty or 0.0
            scores.update({grade.name: _points(grade) for grade in notebook.grades})
        self.gb.db.commit()
        timestamp = submission.timestamp.isoformat() if submission.timestamp else None
        return scores, {"timestamp": timestamp, "seconds_late": seconds_late, "penalty": penalty}

    def store_results(self, student, assignment, results):
        """Keep ``results`` as what results/ and the feedback page now show."""
        _set_results(self.entry(student, assignment), results)
        self.gb.db.commit()

    def record_refusal(self, student, assignment, content_hash, message, results, seconds=None, timestamp=None):
        """Record input that cannot be graded (not a notebook, another assignment's notebook, a
        misnamed notebook...) as a submission with 0 points, so that nbgrader's exports list it,
        then its ledger row with ``message`` and ``results``."""
        self.gb.update_or_create_student(student)
        submission = self.gb.update_or_create_submission(assignment, student, timestamp=timestamp)
        for notebook in submission.notebooks:
            notebook.late_submission_penalty = None
            for grade in notebook.grades:
                grade.auto_score, grade.manual_score, grade.needs_manual_grade = 0.0, None, False
            for comment in notebook.comments:
                comment.auto_comment = None
        self.gb.db.commit()
        self._write_ledger(student, assignment, content_hash, status="refused", seconds=seconds, message=message,
                           results=results)

    def record_run(self, wall_seconds, graded):
        """Record one batch run's wall time (s) and the number of submissions it graded."""
        self.gb.db.add(BatchRun(finished_at=_now(), wall_seconds=wall_seconds, graded=graded))
        self.gb.db.commit()

    def _write_ledger(self, student, assignment, content_hash, results, **values):
        entry = self.entry(student, assignment) or LedgerEntry(student=student, assignment=assignment)
        for name in ("message", "answers"):
            setattr(entry, name, values.get(name))
        _set_results(entry, results)
        entry.content_hash, entry.status, entry.seconds = content_hash, values["status"], values["seconds"]
        entry.graded_at = _now()
        self.gb.db.add(entry)
        self.gb.db.commit()

    def export_csv(self, path):
        """The class's grades as CSV, through nbgrader's own export plugin."""
        CsvExportPlugin(to=str(path)).export(self.gb)


def _points(grade):
    """A cell's points as nbgrader's Grade.score counts them, or None when it is not graded yet."""
    points = grade.manual_score if grade.manual_score is not None else grade.auto_score
    return None if points is None else float(points) + float(grade.extra_credit or 0.0)


def _set_results(entry, results):
    """Put ``results`` (a dict) in a ledger entry, with the score, maximum and penalty it states."""
    entry.results, entry.score = json.dumps(results), results["score"]
    entry.max_score = results["extra_data"].get("max_score")
    entry.late_penalty = results["extra_data"].get("late", {}).get("penalty", 0.0)


def _now():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _manual_answers(autograded_text):
    """{grade_id: checksum of the answer} for the manually graded cells of a graded notebook."""
    nb = nbformat.reads(autograded_text, as_version=4)
    answers = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and meta.get("solution"):
            answers[meta.get("grade_id")] = checksum(cell.source)
    return answers
