"""Batch grading: nbgrader's layout in, a gradebook, grades.csv and feedback out; parallel,
resumable after SIGKILL, skipping unchanged work, and the same on Dask with PostgreSQL."""
import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.batch import Row, grade_batch, summary_table
from autograder.course import ROOT
from autograder.examples import catalog, source_notebook, with_replacements

RELEASE = {name: nbformat.read(ROOT / "release" / name / f"{name}.ipynb", as_version=4)
           for name in ("hyperparameter_search", "softmax")}
SOLUTION = {name: source_notebook(name) for name in RELEASE}
MAX = {"hyperparameter_search": 11.0, "softmax": 15.0}


def write_class(root, submissions):
    """submissions: {(student, assignment): notebook, bytes, or (notebook, timestamp text)}."""
    for (student, assignment), item in submissions.items():
        folder = root / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        notebook, stamp = item if isinstance(item, tuple) else (item, None)
        path = folder / f"{assignment}.ipynb"
        path.write_bytes(notebook) if isinstance(notebook, bytes) else nbformat.write(notebook, path)
        if stamp:
            (folder / "timestamp.txt").write_text(stamp)
    return root


def grades(out):
    with open(out / "grades.csv") as f:
        return {(row["student_id"], row["assignment"]): row for row in csv.DictReader(f)}


def by_submission(rows):
    return {(row.student, row.assignment): row for row in rows}


@pytest.fixture(scope="module")
def mistake():
    found = [m for m in catalog("mistakes", "softmax") if m.test_id == "test_one_hot"][0]
    return with_replacements(SOLUTION["softmax"], [found])


def test_a_class_is_graded_recorded_exported_and_summarised(built, tmp_path, mistake):
    submitted = write_class(tmp_path / "submitted", {
        ("ada", "softmax"): SOLUTION["softmax"],
        ("ada", "hyperparameter_search"): (SOLUTION["hyperparameter_search"], "2026-11-23 10:00:00 UTC"),
        ("ben", "softmax"): RELEASE["softmax"],
        ("ben", "hyperparameter_search"): b"{ this is not a notebook",
        ("cy", "softmax"): mistake,
        ("fay", "softmax"): SOLUTION["hyperparameter_search"],   # another assignment's notebook
        ("gus", "softmax"): b"",                                  # an empty file
    })
    (submitted / "dee" / "softmax").mkdir(parents=True)
    (submitted / "dee" / "softmax" / "<script>answers.ipynb").write_text("{}")  # misnamed, and its name is HTML
    (submitted / "eve" / "tensorflow_basics").mkdir(parents=True)
    out = tmp_path / "out"
    rows = by_submission(grade_batch(submitted, out, assignments=["softmax", "hyperparameter_search"], jobs=2,
                                     duedates={"hyperparameter_search": "2026-11-22 12:00:00 UTC"}))
    assert rows[("ada", "softmax")].score == MAX["softmax"]
    assert rows[("ben", "softmax")].score == 0
    assert 0 < rows[("cy", "softmax")].score < MAX["softmax"]
    assert rows[("ben", "hyperparameter_search")].status == "refused"
    assert "not valid JSON" in rows[("ben", "hyperparameter_search")].note
    assert "missing notebook softmax.ipynb" in rows[("dee", "softmax")].note
    assert rows[("fay", "softmax")].status == rows[("gus", "softmax")].status == "refused"
    assert "unknown assignment folder" in rows[("eve", "tensorflow_basics")].note
    assert rows[("cy", "hyperparameter_search")].note == "no submission"
    # 22 hours late, one started day: nbgrader's late plugin (autograder.late) takes 10 % of the score.
    late = rows[("ada", "hyperparameter_search")]
    assert late.late_penalty == pytest.approx(0.1 * MAX["hyperparameter_search"]) and "after the due date" in late.note
    exported = grades(out)
    assert float(exported[("ada", "softmax")]["score"]) == MAX["softmax"]
    assert float(exported[("ada", "hyperparameter_search")]["late_submission_penalty"]) == pytest.approx(1.1)
    assert float(exported[("cy", "softmax")]["score"]) == rows[("cy", "softmax")].score
    for student in ("ada", "ben", "cy"):
        page = (out / "feedback" / student / "softmax" / "softmax.html").read_text()
        assert "record_for_grader" not in page  # hidden tests never reach feedback
        assert (out / "autograded" / student / "softmax" / "softmax.ipynb").exists()
    # What a learner handed in and could not be graded is in every output with 0 and the reason.
    for student, assignment, reason in [("ben", "hyperparameter_search", "not valid JSON"),
                                        ("fay", "softmax", "is a notebook of assignment 'hyperparameter_search'"),
                                        ("gus", "softmax", "is empty, not a Jupyter notebook"),
                                        ("dee", "softmax", "rename it softmax.ipynb")]:
        assert exported[(student, assignment)]["score"] == "0.0"
        results = json.loads((out / "results" / student / f"{assignment}.json").read_text())
        assert results["score"] == 0 and reason in results["extra_data"]["refused"]
        page = (out / "feedback" / student / assignment / f"{assignment}.html").read_text()
        assert "could not be graded" in page and reason.replace("'", "&#x27;") in page
    assert "&lt;script&gt;answers.ipynb" in page and "<script" not in page
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:  # a submission with 0, which formgrader lists
        for student, assignment in [("ben", "hyperparameter_search"), ("fay", "softmax"), ("dee", "softmax")]:
            assert gb.find_submission(assignment, student).score == 0
    table = summary_table(list(rows.values()))
    assert "missing notebook" in table and "refused" in table
    report = subprocess.run([sys.executable, "-m", "autograder", "report", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True)
    assert report.returncode == 0 and "4 graded submissions" in report.stdout, report.stderr
    page = (out / "report.html").read_text()
    assert page.count("<img") == 3 and "test_one_hot" in page
    wall = json.loads((out / "batch-summary.json").read_text())["wall_seconds"]
    assert f"{wall:.0f} s of wall time (1 run)" in page


def test_unchanged_submissions_are_skipped_and_changed_ones_regraded(built, tmp_path, mistake):
    submitted = write_class(tmp_path / "submitted", {("ada", "softmax"): mistake,
                                                     ("ben", "softmax"): (RELEASE["softmax"], "yesterday")})
    out = tmp_path / "out"
    first = by_submission(grade_batch(submitted, out, assignments=["softmax"], jobs=1,
                                      duedates={"softmax": "2026-11-20 23:59 UTC"}))
    # A timestamp.txt that is not a date is the learner's: graded, as on time, and said.
    said = "graded as on time: timestamp.txt 'yesterday' is not a date"
    assert first[("ben", "softmax")].status == "graded" and said in first[("ben", "softmax")].note
    assert first[("ben", "softmax")].late_penalty == 0
    again = by_submission(grade_batch(submitted, out, assignments=["softmax"], jobs=1,
                                      duedates={"softmax": "2026-11-20 23:59 UTC"}))
    assert {row.status for row in again.values()} == {"skipped"}
    assert said in again[("ben", "softmax")].note
    summary = json.loads((out / "batch-summary.json").read_text())["rows"]
    assert [row["note"] for row in summary if row["student"] == "ben"][0].endswith(said)
    assert again[("ada", "softmax")].score == first[("ada", "softmax")].score
    nbformat.write(SOLUTION["softmax"], submitted / "ada" / "softmax" / "softmax.ipynb")  # a resubmission
    third = by_submission(grade_batch(submitted, out, assignments=["softmax"], jobs=1,
                                      duedates={"softmax": "2026-11-20 23:59 UTC"}))
    assert third[("ada", "softmax")].status == "graded" and third[("ada", "softmax")].score == MAX["softmax"]
    assert third[("ben", "softmax")].status == "skipped"
    assert float(grades(out)[("ada", "softmax")]["score"]) == MAX["softmax"]


def test_a_batch_killed_with_sigkill_finishes_on_the_next_run_without_losing_or_doubling(built, tmp_path):
    students = [f"s{i:02d}" for i in range(6)]
    submitted = write_class(tmp_path / "submitted", {
        (s, "softmax"): SOLUTION["softmax"] if i % 2 == 0 else RELEASE["softmax"] for i, s in enumerate(students)})
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade-batch", str(submitted), "--out", str(out),
               "--assignment", "softmax", "--jobs", "1"]
    batch = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    ledger = out / "gradebook.db"
    deadline = time.monotonic() + 300
    recorded = 0
    while time.monotonic() < deadline and batch.poll() is None:
        if ledger.exists():
            try:
                with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True) as db:
                    recorded = db.execute("select count(*) from autograder_ledger").fetchone()[0]
            except sqlite3.OperationalError:
                recorded = 0
        if recorded >= 2:
            break
        time.sleep(0.2)
    assert batch.poll() is None, "the batch finished before it could be killed"
    os.killpg(batch.pid, signal.SIGKILL)
    batch.wait()
    assert 2 <= recorded < len(students)
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert f"{len(students)} submissions: " in finished.stderr and " unchanged" in finished.stderr
    with Gradebook(f"sqlite:///{ledger}") as gb:
        submissions = [(s.student.id, s.assignment.name) for s in gb.assignment_submissions("softmax")]
    assert sorted(submissions) == sorted((s, "softmax") for s in students)  # each exactly once
    exported = grades(out)
    for i, student in enumerate(students):
        assert float(exported[(student, "softmax")]["score"]) == (MAX["softmax"] if i % 2 == 0 else 0.0)
    with sqlite3.connect(ledger) as db:
        assert db.execute("select count(*) from autograder_ledger").fetchone()[0] == len(students)


@pytest.fixture
def postgres(tmp_path):
    """A private PostgreSQL 15 cluster on a free loopback port; yields its database URL."""
    import shutil
    import socket
    import tempfile
    binaries = sorted(p for p in (os.path.dirname(p) for p in
                                  __import__("glob").glob("/usr/lib/postgresql/*/bin/initdb")))
    if not binaries:
        pytest.fail("PostgreSQL is not installed: run `make test-tools` (the Makefile installs it)")
    bin_dir = binaries[-1]
    directory = tempfile.mkdtemp(prefix="course-pg-", dir="/tmp")
    shutil.chown(directory, "postgres", "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def as_postgres(*args):
        return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, text=True)
    as_postgres(f"{bin_dir}/initdb", "-D", f"{directory}/data", "-A", "trust", "-U", "postgres")
    as_postgres(f"{bin_dir}/pg_ctl", "-D", f"{directory}/data", "-l", f"{directory}/log", "-w", "-o",
                f"-p {port} -k {directory} -c listen_addresses=127.0.0.1", "start")
    try:
        as_postgres(f"{bin_dir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "grades")
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/grades"
    finally:
        as_postgres(f"{bin_dir}/pg_ctl", "-D", f"{directory}/data", "-m", "immediate", "-w", "stop")
        shutil.rmtree(directory, ignore_errors=True)


def test_the_same_batch_on_a_dask_cluster_into_postgresql(built, tmp_path, postgres, mistake):
    from distributed import LocalCluster
    submitted = write_class(tmp_path / "submitted", {("ada", "softmax"): SOLUTION["softmax"],
                                                     ("ben", "softmax"): RELEASE["softmax"],
                                                     ("cy", "softmax"): mistake})
    out = tmp_path / "out"
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        rows = by_submission(grade_batch(submitted, out, assignments=["softmax"], db_url=postgres,
                                         scheduler=cluster.scheduler_address))
    assert [rows[(s, "softmax")].status for s in ("ada", "ben", "cy")] == ["graded"] * 3
    with Gradebook(postgres, course_id="dl-tuning-course") as gb:
        scores = {s.student.id: s.score for s in gb.assignment_submissions("softmax")}
    assert scores == {"ada": MAX["softmax"], "ben": 0.0, "cy": rows[("cy", "softmax")].score}
    assert not (out / "gradebook.db").exists()  # everything went to PostgreSQL
    assert float(grades(out)[("ada", "softmax")]["score"]) == MAX["softmax"]
    again = grade_batch(submitted, out, assignments=["softmax"], db_url=postgres)  # the ledger lives in PostgreSQL too
    assert {row.status for row in again} == {"skipped"}


def test_a_batch_whose_input_is_the_course_directorys_submitted_folder_leaves_the_learners_files_alone(built, tmp_path):
    out = tmp_path / "grading"
    submitted = write_class(out / "submitted", {("ada", "softmax"): (RELEASE["softmax"], "yesterday"),
                                                ("ben", "softmax"): b""})
    rows = by_submission(grade_batch(submitted, out, assignments=["softmax"], jobs=1))
    assert rows[("ada", "softmax")].status == "graded" and rows[("ben", "softmax")].status == "refused"
    assert (submitted / "ada" / "softmax" / "timestamp.txt").read_text() == "yesterday"
    assert (submitted / "ben" / "softmax" / "softmax.ipynb").exists()


def test_a_written_score_reaches_every_output_and_the_late_penalty_is_on_the_total_score(built, tmp_path):
    submitted = write_class(tmp_path / "submitted", {("ada", "softmax"): (SOLUTION["softmax"], "2026-11-22 12:00:00 UTC")})
    out = tmp_path / "out"
    due = {"softmax": "2026-11-20 23:59:00 UTC"}  # 36 hours late: 2 started days, 20 %
    first = by_submission(grade_batch(submitted, out, assignments=["softmax"], jobs=1, duedates=due))
    assert first[("ada", "softmax")].late_penalty == pytest.approx(0.2 * 15)
    assert "3 written point(s) to grade in formgrader" in first[("ada", "softmax")].note
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:  # what formgrader's save does
        grade = gb.find_grade("softmax_derivative_proof", "softmax", "softmax", "ada")
        grade.manual_score, grade.needs_manual_grade = 2.5, False
        gb.db.commit()
    row = by_submission(grade_batch(submitted, out, assignments=["softmax"], jobs=1, duedates=due))[("ada", "softmax")]
    assert row.status == "skipped" and "results and feedback updated" in row.note
    assert (row.score, row.late_penalty) == (pytest.approx(14.0), pytest.approx(3.5))  # 0.2 x (15 + 2.5)
    results = json.loads((out / "results" / "ada" / "softmax.json").read_text())
    assert results["extra_data"]["manually_graded"][0]["score"] == 2.5
    assert results["score"] == pytest.approx(14.0) and results["extra_data"]["raw_score"] == pytest.approx(17.5)
    assert "Written answer(s): 2.5 of 3 points." in results["output"]
    exported = grades(out)[("ada", "softmax")]
    assert [float(exported[c]) for c in ("raw_score", "late_submission_penalty", "score")] == pytest.approx([17.5, 3.5, 14.0])
    page = (out / "feedback" / "ada" / "softmax" / "softmax.html").read_text()
    assert "2.5 / 3.0" in page and "BEGIN HIDDEN TESTS" not in page and "record_for_grader" not in page
    again = by_submission(grade_batch(submitted, out, assignments=["softmax"], jobs=1, duedates=due))[("ada", "softmax")]
    assert again.note == "unchanged since it was graded"  # nothing left to bring up to date
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:  # formgrader: a test's score changed by hand
        gb.find_grade("test_softmax", "softmax", "softmax", "ada").manual_score = 1.0  # of 2
        gb.find_grade("softmax_derivative_proof", "softmax", "softmax", "ada").extra_credit = 0.5
        gb.db.commit()
    row = by_submission(grade_batch(submitted, out, assignments=["softmax"], jobs=1, duedates=due))[("ada", "softmax")]
    results = json.loads((out / "results" / "ada" / "softmax.json").read_text())
    assert {t["name"]: t["score"] for t in results["tests"]}["test_softmax"] == 1.0
    assert results["extra_data"]["manually_graded"][0]["score"] == 3.0
    assert row.score == results["score"] == pytest.approx(0.8 * 17) == float(grades(out)[("ada", "softmax")]["score"])


def test_the_summary_table_keeps_the_end_of_notes_and_first_failures():
    note = "missing notebook softmax.ipynb (found " + "a_very_long_name_" * 8 + ".ipynb; rename it softmax.ipynb)"
    failure = "test_sample_beta: every value lies in [0.0001, 0.1], " + "which is far too narrow " * 6 \
        + "Did you forget the '1 -' in beta = 1 - 10**r?"
    table = summary_table([Row("ada", "softmax", "problem", note=note),
                           Row("ben", "softmax", "graded", 9.0, 18.0, first_failure=failure)])
    assert "first failure" in table.splitlines()[0]
    assert "rename it softmax.ipynb)" in table and "missing notebook" in table
    assert "in beta = 1 - 10**r?" in table and "test_sample_beta" in table


def test_bad_batch_input_gets_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(tmp_path / "nowhere")],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "no such directory" in result.stderr
    result = subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(tmp_path), "--assignment", "nope"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "unknown assignment" in result.stderr
    (tmp_path / "submitted").mkdir()
    for due, said in [("sofmax=2026-11-20 23:59 UTC", "unknown assignment 'sofmax'"),
                      ("softmax=next friday", "cannot read the due date"),
                      ("batch_norm=2026-11-20 23:59 UTC", "this run grades only softmax")]:
        result = subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(tmp_path / "submitted"),
                                 "--assignment", "softmax", "--due", due, "--out", str(tmp_path / "out")],
                                cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and said in result.stderr, result.stderr
        assert not (tmp_path / "out").exists()  # nothing written: no folder, no gradebook


def test_one_student_is_graded_again_whatever_the_ledger_says(built, tmp_path):
    submitted = write_class(tmp_path / "submitted", {("ada", "softmax"): SOLUTION["softmax"],
                                                    ("ben", "softmax"): RELEASE["softmax"]})
    out = tmp_path / "grading"
    grade_batch(submitted, out, assignments=["softmax"], jobs=1)
    again = by_submission(grade_batch(submitted, out, assignments=["softmax"], students=["ada"], regrade=True, jobs=1))
    assert set(again) == {("ada", "softmax")} and again[("ada", "softmax")].status == "graded"
    assert again[("ada", "softmax")].score == MAX["softmax"]
    unchanged = by_submission(grade_batch(submitted, out, assignments=["softmax"], students=["ada"], jobs=1))
    assert unchanged[("ada", "softmax")].status == "skipped"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(submitted), "--out", str(out),
                           "--student", "nobody"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "nobody" in done.stderr
