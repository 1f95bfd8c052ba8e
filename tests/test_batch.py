"""Batch grading: nbgrader's layout in, a gradebook, grades.csv and feedback out; parallel,
resumable after SIGKILL, skipping unchanged work, and the same on Dask with PostgreSQL."""
import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.batch import grade_batch, summary_table
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
    })
    (submitted / "dee" / "softmax").mkdir(parents=True)
    (submitted / "dee" / "softmax" / "answers.ipynb").write_text("{}")
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
    table = summary_table(list(rows.values()))
    assert "missing notebook" in table and "refused" in table
    report = subprocess.run([sys.executable, "-m", "autograder", "report", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True)
    assert report.returncode == 0 and "4 graded submissions" in report.stdout, report.stderr
    page = (out / "report.html").read_text()
    assert page.count("<img") == 3 and "test_one_hot" in page


def test_unchanged_submissions_are_skipped_and_changed_ones_regraded(built, tmp_path, mistake):
    submitted = write_class(tmp_path / "submitted", {("ada", "softmax"): mistake, ("ben", "softmax"): RELEASE["softmax"]})
    out = tmp_path / "out"
    first = by_submission(grade_batch(submitted, out, assignments=["softmax"], jobs=1))
    again = by_submission(grade_batch(submitted, out, assignments=["softmax"], jobs=1))
    assert {row.status for row in again.values()} == {"skipped"}
    assert again[("ada", "softmax")].score == first[("ada", "softmax")].score
    nbformat.write(SOLUTION["softmax"], submitted / "ada" / "softmax" / "softmax.ipynb")  # a resubmission
    third = by_submission(grade_batch(submitted, out, assignments=["softmax"], jobs=1))
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


def test_bad_batch_input_gets_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(tmp_path / "nowhere")],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "no such directory" in result.stderr
    result = subprocess.run([sys.executable, "-m", "autograder", "grade-batch", str(tmp_path), "--assignment", "nope"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "unknown assignment" in result.stderr


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
