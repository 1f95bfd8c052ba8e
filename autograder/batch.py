"""Grade a whole class: collect → grade in parallel → record with one writer → export → summary.

Workers (local processes, or a Dask cluster with ``scheduler``) each grade one submission in a
private workspace with ``grade.grade_submission`` and return plain data. Only this process writes
the class gradebook (``record.ClassGradebook``), and at the end the feedback pages are written
from it with nbgrader's generate_feedback, one run per assignment in local processes that only
read the gradebook once every grade is in. So SQLite's single-writer rule holds and a
PostgreSQL gradebook works the same way. Each result is recorded as soon as it arrives, so a batch
killed at any point loses only the submissions in flight; the next run skips every submission
whose content hash is already in the ledger and grades the rest.

Outputs, in nbgrader's layout under ``out``, which is a course directory where nbgrader's own
commands and formgrader's buttons grade the same way (autograder/course_directory.py):
    nbgrader_config.py, source/, exchange/                 the course directory's configuration
    submitted/<student>/<assignment>/<assignment>.ipynb    what was graded (formgrader regrades it)
    autograded/<student>/<assignment>/<assignment>.ipynb   the judged notebook (formgrader reads it)
    feedback/<student>/<assignment>/<assignment>.html      the learner's feedback page
    results/<student>/<assignment>.json                    Gradescope-format results
    grades.csv                                             nbgrader's CSV export of the gradebook
    batch-summary.json                                     this run, machine-readable
"""
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.utils import parse_utc

from .build import ensure_built
from .collect import collect
from .course import BadInput, available_assignments, check_assignment, course_config, nbgrader_api, nbgrader_failure
from .course_directory import keep_submission, write_course_directory, write_if_changed
from .grade import GraderFault, grade_submission, grading_config
from .hidden_inputs import course_secret
from .progress import Progress
from .record import ClassGradebook
from .sandbox import check_sandbox
from .submission import parse_notebook
from .table import format_table


@dataclass(frozen=True)
class Outcome:
    """What a worker returns for one job: "graded" (with ``graded``), "refused" or "fault"."""
    status: str
    graded: object = None
    message: str = ""
    seconds: float = 0.0


def grade_job(job, limits=None, secret=None):
    """Grade one Job with the course ``secret``; runs in a worker process, local or on a Dask cluster.
    Never raises: every failure is an Outcome."""
    started = time.monotonic()
    try:
        nb = parse_notebook(job.notebook, f"{job.name}/{job.assignment}.ipynb")
        graded = grade_submission(nb, job.assignment, student=job.student, timestamp=job.timestamp,
                                  duedate=job.duedate, feedback=False, limits=limits, secret=secret,
                                  name=f"{job.name}/{job.assignment}.ipynb")
        return Outcome("graded", graded, seconds=time.monotonic() - started)
    except BadInput as error:
        return Outcome("refused", message=str(error), seconds=time.monotonic() - started)
    except GraderFault as error:
        return Outcome("fault", message=str(error), seconds=time.monotonic() - started)
    except Exception as error:  # noqa: BLE001 - one submission's failure must not stop the batch
        return Outcome("fault", message=f"{type(error).__name__}: {error}", seconds=time.monotonic() - started)


@dataclass
class Row:
    """One line of the summary."""
    student: str
    assignment: str
    status: str          # graded, skipped (unchanged), refused, fault, or a problem's status
    score: float = None
    max_score: float = None
    late_penalty: float = 0.0
    seconds: float = None
    note: str = ""


def grade_batch(submitted, out, *, assignments=None, students=None, regrade=False, jobs=None, db_url=None,
                scheduler=None, limits=None, duedates=None, only_roster=None, stream=None) -> list:
    """Grade every submission under ``submitted``; return the summary rows (see the module doc).

    Inputs:
        assignments: names to grade (default: all); students: ids to grade (default: all)
        regrade: grade again what the ledger says is unchanged since it was graded
        jobs: local worker processes (default: cores)
        db_url: the class gradebook (default: sqlite:///<out>/gradebook.db)
        scheduler: a Dask scheduler address (tcp://host:port) to grade on instead of local processes
        duedates: {assignment: due date text}, stored in the gradebook before grading
        only_roster: grade only students already in the gradebook (default: nbgrader's
                     Autograde.create_student setting, which adds new students)
    Raises BadInput (one line) for bad arguments, SandboxUnavailable when grading locally and the
    sandbox cannot start here, before anything is graded.
    """
    submitted, out = Path(submitted), Path(out)
    if not submitted.is_dir():
        raise BadInput(f"no such directory of submissions: {submitted}")
    wanted = list(assignments or available_assignments())
    for name in wanted:
        check_assignment(name)
    for student in students or []:
        if not (submitted / student).is_dir():
            raise BadInput(f"--student {student}: there is no folder {submitted / student}")
    if not scheduler:
        check_sandbox()
    ensure_built()
    out.mkdir(parents=True, exist_ok=True)
    write_course_directory(out, wanted, db_url)
    stream = stream or sys.stderr
    with ClassGradebook(db_url or f"sqlite:///{out.resolve() / 'gradebook.db'}",
                        course_config().CourseDirectory.course_id) as book:
        book.sync_assignments(wanted)
        for name, when in (duedates or {}).items():
            book.gb.update_or_create_assignment(name, duedate=parse_due(when))
        if only_roster is None:
            only_roster = not course_config().Autograde.get("create_student", True)
        found, problems = collect(submitted, wanted, book.roster(), only_roster,
                                  {name: book.duedate(name) for name in wanted})
        if students:
            found = [job for job in found if job.student in students]
            problems = [problem for problem in problems if problem.student in students]
        rows = [Row(p.student, p.assignment, "problem", note=p.what) for p in problems]
        todo = []
        for job in found:
            entry = book.entry(job.student, job.assignment)
            if entry and entry.content_hash == job.content_hash and not regrade:
                keep_submission(out, job)
                rows.append(Row(job.student, job.assignment, "skipped", entry.score, entry.max_score,
                                entry.late_penalty or 0.0, None, "unchanged since it was graded"))
            else:
                todo.append(job)
        stream.write(f"{len(found)} submissions: {len(todo)} to grade, {len(found) - len(todo)} unchanged"
                     f"{f', {len(problems)} problems' if problems else ''}\n")
        progress = Progress(len(todo), stream)
        for job, outcome in _run(todo, jobs, scheduler, limits):
            rows.append(_keep(book, out, job, outcome))
            progress.advance(job.name, _note(rows[-1]))
        progress.close()
        book.export_csv(out / "grades.csv")
    rows += write_feedback(out, book.db_url, wanted, jobs)
    rows.sort(key=lambda r: (r.student, r.assignment))
    (out / "batch-summary.json").write_text(json.dumps({"rows": [asdict(r) for r in rows]}, indent=1) + "\n")
    return rows


def parse_due(text):
    try:
        return parse_utc(text)
    except Exception:  # noqa: BLE001 - dateutil raises several kinds
        raise BadInput(f"cannot read the due date {text!r}; write it like '2026-11-20 23:59 UTC'") from None


def _run(todo, jobs, scheduler, limits):
    """Yield (job, Outcome) as workers finish; a worker that dies costs its job a "fault"."""
    if not todo:
        return
    if scheduler:
        from distributed import Client
        try:
            client = Client(scheduler, timeout=30)
        except OSError as error:
            raise BadInput(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
        executor, closing = client.get_executor(), client
    else:
        executor = closing = ProcessPoolExecutor(max_workers=jobs or os.cpu_count() or 1)
    try:
        secret = course_secret()
        futures = {executor.submit(grade_job, job, limits, secret): job for job in todo}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except Exception as error:  # noqa: BLE001 - a killed worker, a lost connection
                outcome = Outcome("fault", message=f"the worker grading it failed ({type(error).__name__}: {error}); "
                                                   "run grade-batch again to retry")
            yield futures[future], outcome
    finally:
        if scheduler:
            closing.close()
        else:
            executor.shutdown(wait=True, cancel_futures=True)


def _keep(book, out, job, outcome):
    """Write one outcome's files, then its gradebook record (the ledger row last); return its Row."""
    if outcome.status == "graded":
        graded = outcome.graded
        keep_submission(out, job, graded.autograded)
        (out / "feedback" / job.student / job.assignment / f"{job.assignment}.html").unlink(missing_ok=True)  # stale
        write_if_changed(out / "results" / job.student / f"{job.assignment}.json",
                         (json.dumps(graded.results, indent=2) + "\n").encode())
        book.record(job, graded, outcome.seconds)
        late = graded.late.get("penalty") or 0.0
        hours = graded.late.get("seconds_late", 0) / 3600
        note = f"submitted {hours:.1f} h after the due date" if hours > 0 else ""
        return Row(job.student, job.assignment, "graded", graded.results["score"],
                   graded.results["extra_data"]["max_score"], late, outcome.seconds, note)
    if outcome.status == "refused":
        book.record_refusal(job, outcome.message, outcome.seconds)
    return Row(job.student, job.assignment, outcome.status, seconds=outcome.seconds, note=outcome.message)


def write_feedback(out, db_url, assignments, jobs=None):
    """nbgrader's generate_feedback over the class gradebook, once per assignment that has a graded
    submission without feedback, in up to ``jobs`` local processes (one exporter serves all of an
    assignment's pages, and scores entered later in formgrader show up when a feedback page is
    deleted and this runs again). Returns problem rows."""
    pending = [a for a in assignments if any(
        not (out / "feedback" / p.parent.parent.name / a / f"{a}.html").exists()
        for p in (out / "autograded").glob(f"*/{a}/{a}.ipynb"))]
    if not pending:
        return []
    # nbgrader's GetGrades opens the gradebook as "default_course" and adds that course if it is
    # missing: add it once here, or the processes race to add it.
    with Gradebook(db_url):
        pass
    with ProcessPoolExecutor(max_workers=min(len(pending), jobs or os.cpu_count() or 1)) as pool:
        failures = list(pool.map(_feedback_for, [out] * len(pending), [db_url] * len(pending), pending))
    return [Row("-", assignment, "fault", note=f"feedback not written: {failure}")
            for assignment, failure in zip(pending, failures) if failure]


def _feedback_for(out, db_url, assignment):
    """Write one assignment's missing feedback pages; return None, or why they could not be written."""
    config = grading_config(out)
    config.CourseDirectory.db_url = db_url
    outcome = nbgrader_api(out, config).generate_feedback(assignment)
    return None if outcome["success"] else nbgrader_failure(outcome)


def _note(row):
    if row.status == "graded":
        return f"{row.score:g}/{row.max_score:g} ({row.seconds:.1f} s)"
    return f"{row.status}: {row.note[:60]}"


def summary_table(rows):
    """The end-of-batch table: one line per submission, then the counts."""
    lines = []
    for row in rows:
        score = f"{row.score:g}/{row.max_score:g}" if row.score is not None else ""
        if row.late_penalty:
            score += f" (-{row.late_penalty:g} late)"
        seconds = f"{row.seconds:.1f}s" if row.seconds is not None else ""
        lines.append([row.student, row.assignment or "-", row.status, score, seconds, row.note[:70]])
    table = format_table(["student", "assignment", "status", "score", "time", "note"], lines)
    counts = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return table + "\n" + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
