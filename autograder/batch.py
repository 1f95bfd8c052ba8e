"""Grade a whole class: collect → grade in parallel → record with one writer → export → summary.

Workers (local processes, or a Dask cluster with ``scheduler``) each grade one submission in a
private workspace with ``grade.grade_submission`` and return plain data. Only this process writes
the class gradebook (``record.ClassGradebook``), and at the end the feedback pages are written
from it with nbgrader's generate_feedback, one run per assignment in local processes that only
read the gradebook once every grade is in. So SQLite's single-writer rule holds and a
PostgreSQL gradebook works the same way. Each result is recorded as soon as it arrives, so a batch
killed at any point loses only the submissions in flight; the next run skips every submission
whose content hash is already in the ledger and grades the rest. Every run also brings the
results and feedback of each graded submission up to the gradebook (``_refresh``): written answers
scored in formgrader since, and the late penalty, which is on the total score. A submission that
cannot be graded (``_refuse``) is in every output with 0 and the reason.

Outputs, in nbgrader's layout under ``out``, which is a course directory where nbgrader's own
commands and formgrader's buttons grade the same way (autograder/course_directory.py):
    nbgrader_config.py, source/, exchange/                 the course directory's configuration
    submitted/<student>/<assignment>/<assignment>.ipynb    what was graded (formgrader regrades it)
    autograded/<student>/<assignment>/<assignment>.ipynb   the judged notebook (formgrader reads it)
    feedback/<student>/<assignment>/<assignment>.html      the learner's feedback page
    results/<student>/<assignment>.json                    Gradescope-format results
    grades.csv                                             nbgrader's CSV export of the gradebook
    batch-summary.json                                     this run, machine-readable: its wall
                                                           time (s) and one row per submission
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
from .course import BadInput, available_assignments, check_assignment, course_config
from .course_directory import drop_submission, keep_submission, write_course_directory, write_if_changed
from .feedback import refusal_page, write_pages
from .grade import GraderFault, grade_submission, grading_config
from .gradescope import refusal
from .hidden_inputs import course_secret
from .progress import Progress
from .record import ClassGradebook
from .report import rescore
from .sandbox import check_sandbox
from .settings import GradingSettings
from .submission import parse_notebook
from .table import format_table, shorten


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
    status: str          # graded, skipped (unchanged), refused, fault, or problem (see collect.Problem)
    score: float = None  # points, as grades.csv's score: written answers included once graded, late penalty taken
    max_score: float = None  # points, written answers included, as grades.csv's max_score
    late_penalty: float = 0.0
    seconds: float = None    # worker time spent grading it
    note: str = ""
    first_failure: str = ""  # the first failing test and its message


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
    started = time.monotonic()
    submitted, out = Path(submitted), Path(out)
    if not submitted.is_dir():
        raise BadInput(f"no such directory of submissions: {submitted}")
    wanted = list(assignments or available_assignments())
    for name in wanted:
        check_assignment(name)
    due = {}
    for name, when in (duedates or {}).items():
        check_assignment(name)
        if name not in wanted:
            raise BadInput(f"--due {name}: this run grades only {', '.join(wanted)}; give --assignment {name} too")
        due[name] = parse_due(when)
    for student in students or []:
        if not (submitted / student).is_dir():
            raise BadInput(f"--student {student}: there is no folder {submitted / student}")
    if not scheduler:
        check_sandbox()
    ensure_built()
    out.mkdir(parents=True, exist_ok=True)
    write_course_directory(out, wanted, db_url)
    stream = stream or sys.stderr
    db_url = db_url or f"sqlite:///{out.resolve() / 'gradebook.db'}"
    with ClassGradebook(db_url, course_config().CourseDirectory.course_id) as book:
        book.sync_assignments(wanted)
        for name, when in due.items():
            book.gb.update_or_create_assignment(name, duedate=when)
        if only_roster is None:
            only_roster = not course_config().Autograde.get("create_student", True)
        found, problems = collect(submitted, wanted, book.roster(), only_roster,
                                  {name: book.duedate(name) for name in wanted})
        if students:
            found = [job for job in found if job.student in students]
            problems = [problem for problem in problems if problem.student in students]
        rows = [_refuse(book, out, submitted, p.student, p.assignment, p.what, "problem") if p.handed_in
                else Row(p.student, p.assignment, "problem", note=p.what) for p in problems]
        todo = []
        for job in found:
            entry = book.entry(job.student, job.assignment)
            if entry and entry.content_hash == job.content_hash and not regrade:
                if entry.status == "refused":
                    rows.append(_refuse(book, out, submitted, job.student, job.assignment, entry.message, job=job,
                                        seconds=entry.seconds))
                    continue
                keep_submission(out, job, submitted=submitted)
                results, changed = _refresh(book, out, job.student, job.assignment)
                rows.append(_row(job, "skipped", results, None, "unchanged since it was graded",
                                 "results and feedback updated to the gradebook's scores" if changed else ""))
            else:
                todo.append(job)
        stream.write(f"{len(found)} submissions: {len(todo)} to grade, {len(found) - len(todo)} unchanged"
                     f"{f', {len(problems)} problems' if problems else ''}\n")
        progress = Progress(len(todo), stream)
        for job, outcome in _run(todo, jobs, scheduler, limits):
            rows.append(_keep(book, out, submitted, job, outcome))
            progress.advance(job.name, _note(rows[-1]))
        progress.close()
        book.export_csv(out / "grades.csv")
    rows += write_feedback(out, db_url, wanted, jobs, limits)
    rows.sort(key=lambda r: (r.student, r.assignment))
    wall = time.monotonic() - started
    with ClassGradebook(db_url, course_config().CourseDirectory.course_id) as book:
        book.record_run(wall, sum(row.status == "graded" for row in rows))
    (out / "batch-summary.json").write_text(json.dumps({"wall_seconds": round(wall, 2),
                                                        "rows": [asdict(r) for r in rows]}, indent=1) + "\n")
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


def _keep(book, out, submitted, job, outcome):
    """Write one outcome's files, then its gradebook record (the ledger row last); return its Row."""
    if outcome.status == "graded":
        graded = outcome.graded
        keep_submission(out, job, graded.autograded, submitted)
        _page(out, job.student, job.assignment).unlink(missing_ok=True)  # stale
        book.record(job, graded, outcome.seconds)
        results, _ = _refresh(book, out, job.student, job.assignment)
        hours = graded.late.get("seconds_late", 0) / 3600
        return _row(job, "graded", results, outcome.seconds,
                    f"submitted {hours:.1f} h after the due date" if hours > 0 else "")
    if outcome.status == "refused":
        return _refuse(book, out, submitted, job.student, job.assignment, outcome.message, job=job,
                       seconds=outcome.seconds)
    return Row(job.student, job.assignment, outcome.status, seconds=outcome.seconds, note=outcome.message)


def _refresh(book, out, student, assignment):
    """Bring a graded submission's results/ file and feedback page up to the gradebook: the written
    answers' scores (entered in formgrader since) and the late penalty on the total score
    (``ClassGradebook.settle``), without grading it again. The feedback page, when it changed, is
    removed for ``write_feedback`` to make again through the course's chain. Returns (results,
    whether they changed)."""
    shown = json.loads(book.entry(student, assignment).results)
    results = rescore(shown, *book.settle(student, assignment))
    _write_results(out, student, assignment, results)
    if results == shown:
        return results, False
    _page(out, student, assignment).unlink(missing_ok=True)
    book.store_results(student, assignment, results)
    return results, True


def _refuse(book, out, submitted, student, assignment, reason, status="refused", job=None, seconds=None):
    """Put a submission that cannot be graded in every output with 0 points and ``reason``: its
    results/ file, a feedback page that says why, and the gradebook (so nbgrader's exports list
    it), the ledger row last; no copy of it in autograded/ or submitted/ (``drop_submission``)."""
    drop_submission(out, student, assignment, submitted)
    results = refusal(reason)
    results["extra_data"]["assignment"] = assignment
    _write_results(out, student, assignment, results)
    write_if_changed(_page(out, student, assignment), refusal_page(assignment, reason).encode())
    book.record_refusal(student, assignment, job.content_hash if job else "", reason, results, seconds,
                        job.timestamp if job else None)
    return Row(student, assignment, status, 0.0, book.max_score(assignment), seconds=seconds, note=reason)


def _row(job, status, results, seconds, *notes):
    """The summary row of a graded submission from its results."""
    extra = results["extra_data"]
    ungraded = sum(m["max_score"] for m in extra["manually_graded"] if m["score"] is None)
    notes += (f"{ungraded:g} written point(s) to grade in formgrader" if ungraded else "", job.note)
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    return Row(job.student, job.assignment, status, results["score"],
               extra["max_score"] + sum(m["max_score"] for m in extra["manually_graded"]),
               extra.get("late", {}).get("penalty", 0.0), seconds, "; ".join(filter(None, notes)),
               f"{failed[0]['name']}: {failed[0]['output']}" if failed else "")


def _write_results(out, student, assignment, results):
    """Write results/<student>/<assignment>.json (Gradescope's format) when it changed."""
    write_if_changed(out / "results" / student / f"{assignment}.json", (json.dumps(results, indent=2) + "\n").encode())


def _page(out, student, assignment):
    return out / "feedback" / student / assignment / f"{assignment}.html"


def write_feedback(out, db_url, assignments, jobs=None, limits=None):
    """Write the missing feedback pages (``feedback.write_pages``: nbgrader's generate_feedback over
    the class gradebook, each page within the feedback time limit), one local process per
    assignment, up to ``jobs`` at once (``_refresh`` deletes the page of a submission whose scores
    changed in the gradebook, so it is made again here). ``limits`` overrides GradingSettings.
    Returns problem rows."""
    pending = {a: sorted(p.parent.parent.name for p in (out / "autograded").glob(f"*/{a}/{a}.ipynb")
                         if not (out / "feedback" / p.parent.parent.name / a / f"{a}.html").exists())
               for a in assignments}
    pending = {a: students for a, students in pending.items() if students}
    if not pending:
        return []
    # nbgrader's GetGrades opens the gradebook as "default_course" and adds that course if it is
    # missing: add it once here, or the processes race to add it.
    with Gradebook(db_url):
        pass
    with ProcessPoolExecutor(max_workers=min(len(pending), jobs or os.cpu_count() or 1)) as pool:
        written = list(pool.map(_feedback_for, [out] * len(pending), [db_url] * len(pending), pending,
                                pending.values(), [limits] * len(pending)))
    return [Row(student, assignment, "fault", note=f"feedback not written: {page.why}")
            for assignment, pages in zip(pending, written) for student, page in pages.items()
            if page.status == "failed"]


def _feedback_for(out, db_url, assignment, students, limits):
    """Write one assignment's missing feedback pages; return {student: feedback.Page}."""
    config = grading_config(out, limits)
    config.CourseDirectory.db_url = db_url
    return write_pages(out, config, assignment, students, GradingSettings(config=config).feedback_timeout)


def _note(row):
    if row.status == "graded":
        return f"{row.score:g}/{row.max_score:g} ({row.seconds:.1f} s)"
    return f"{row.status}: {shorten(row.note, 60)}"


def summary_table(rows):
    """The end-of-batch table: one line per submission, then the counts. Notes and first failures
    are shortened in the middle, so the end, which names the mistake or the fix, stays."""
    lines = []
    for row in rows:
        score = f"{row.score:g}/{row.max_score:g}" if row.score is not None else ""
        if row.late_penalty:
            score += f" (-{row.late_penalty:g} late)"
        seconds = f"{row.seconds:.1f}s" if row.seconds is not None else ""
        lines.append([row.student, row.assignment or "-", row.status, score, seconds,
                      shorten(row.first_failure, 70), shorten(row.note, 90)])
    table = format_table(["student", "assignment", "status", "score", "time", "first failure", "note"], lines)
    counts = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return table + "\n" + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
