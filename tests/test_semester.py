"""The README's "A semester, step by step", followed on one machine (issue 13).

The test runs the commands of that section's ``sh`` blocks, all of them and in their order, as an
instructor types them: ``. .venv/bin/activate`` (this interpreter's venv on PATH), ``cd``, and
every other line in bash, in a subprocess: nbgrader's own commands and ``python -m autograder``.
A temporary folder plays the course's root, so ``grading/`` is made there, and this checkout is
on PYTHONPATH, so the commands and grading/nbgrader_config.py import its ``autograder``.

Between the commands the test plays the class and the instructor's hands: it writes the roster
before it is imported; ada and ben fetch softmax from nbgrader's exchange and submit it (the
solution, and the release stub untouched); cy's notebook, a catalogued mistake, arrives as an LMS
download under Blackboard's name; the formgrader command starts the server, the written answer of
ada is scored through formgrader's API, and the server is stopped with SIGTERM; ada fetches her
feedback. Each of these is tied to the README's command it goes with, so a README whose commands
change fails here until the test follows them. What grading does is tested elsewhere: here each
step must work and hand the next what it needs.
"""
import csv
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.course import ROOT, course_config
from autograder.examples import catalog, source_notebook, with_replacements
from autograder.jupyter import HOST
from jupyter_servers import free_port  # noqa: E402 - tests/ is on sys.path

ASSIGNMENT = "softmax"
SECTION = "## A semester, step by step"
VENV_BIN = Path(sys.executable).parent
COURSE_ID = course_config().CourseDirectory.course_id
ROSTER = "id,first_name,last_name,email\nada,Ada,Lovelace,ada@example.org\nben,Ben,Okri,ben@example.org\n" \
         "cy,Cy,Twombly,cy@example.org\n"
LMS_FILE = f"{ASSIGNMENT}_cy_attempt_2026-11-19-21-15-00_{ASSIGNMENT}.ipynb"   # Blackboard's name for it
WRITTEN_SCORE = 2.5


def readme_commands():
    """The command lines of the README's semester section, in order."""
    section = (ROOT / "README.md").read_text().split(SECTION, 1)[1].split("\n## ", 1)[0]
    return [line.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)
            for line in block.splitlines() if line.strip()]


def environment(home, **extra):
    """A clean environment for one person's shell: this venv, this checkout, their own Jupyter folders."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
            "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"), "TF_CPP_MIN_LOG_LEVEL": "3", **extra}


def run(argv, cwd, env):
    """Run a command to its end; it must succeed."""
    finished = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert finished.returncode == 0, f"{argv}: exit {finished.returncode}\n{finished.stdout[-2000:]}\n" \
                                     f"{finished.stderr[-4000:]}"


class Learner:
    """A learner on the hub: nbgrader's learner commands in their own home, on the class's exchange."""

    def __init__(self, name, base, exchange):
        self.name, self.home = name, base / name
        self.home.mkdir(parents=True)
        self.env = environment(self.home, PATH=f"{VENV_BIN}:{os.environ['PATH']}")
        self.flags = ["--course", COURSE_ID, f"--Exchange.root={exchange}", f"--CourseDirectory.student_id={name}"]

    def nbgrader(self, *argv):
        run(["nbgrader", *argv, *self.flags], self.home, self.env)


class Semester:
    """The instructor's shell, and what the class does between the instructor's commands."""

    def __init__(self, base):
        self.base, self.cwd = base, base / "course"
        self.cwd.mkdir()
        self.env = environment(base / "instructor")
        self.solution = source_notebook(ASSIGNMENT)
        mistake = catalog("mistakes", ASSIGNMENT)[0]
        self.lms_notebook = nbformat.writes(with_replacements(self.solution, [mistake]))
        self.learners = {}

    @property
    def grading(self):
        return self.base / "course" / "grading"

    def type(self, command):
        """Run one README line, with what the class does before and after it."""
        if command == ". .venv/bin/activate":
            self.env.update(PATH=f"{VENV_BIN}:{os.environ['PATH']}", VIRTUAL_ENV=str(VENV_BIN.parent))
            return
        if command.startswith("cd "):
            self.cwd = (self.cwd / command[3:]).resolve()
            return
        getattr(self, f"before_{self.step(command)}", lambda: None)()
        if "autograder formgrader" in command:
            self.score_in_formgrader(command)
        else:
            run(["bash", "-c", command], self.cwd, self.env)
        getattr(self, f"after_{self.step(command)}", lambda: None)()

    @staticmethod
    def step(command):
        """A name for the command: nbgrader's or the autograder's subcommand ("db student" for
        nbgrader db student ...), another module run by python -m, with "regrade" for --regrade."""
        words = command.split()
        if words[0] == "nbgrader":
            name = words[1:3] if words[1] == "db" else words[1:2]
        elif words[:3] == ["python", "-m", "autograder"]:
            name = words[3:4]
        else:
            name = words[2:3] if words[:2] == ["python", "-m"] else words[:1]
        return "_".join(name + (["regrade"] if "--regrade" in words else [])).replace("-", "_")

    # --- what people do between the commands -------------------------------------------------
    def before_db_student(self):
        (self.cwd / "roster.csv").write_text(ROSTER)

    def after_release_assignment(self):
        """ada and ben fetch softmax from the exchange, work, and submit."""
        for name in ("ada", "ben"):
            learner = self.learners[name] = Learner(name, self.base / "learners", self.grading / "exchange")
            learner.nbgrader("fetch_assignment", ASSIGNMENT)
            fetched = learner.home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
            assert fetched.read_bytes() == (ROOT / "release" / ASSIGNMENT / fetched.name).read_bytes()
            if name == "ada":
                nbformat.write(self.solution, fetched)
            learner.nbgrader("submit", ASSIGNMENT)

    def after_bundle(self):
        requirements = (self.cwd / "learners" / "requirements.txt").read_text().splitlines()
        assert requirements[-1] == "-e ." and any(line.startswith("ml_dtypes==") for line in requirements)

    def after_zipfile(self):
        with zipfile.ZipFile(self.cwd / "learners.zip") as archive:
            assert f"learners/{ASSIGNMENT}/{ASSIGNMENT}.ipynb" in archive.namelist()

    def after_collect(self):
        for name in ("ada", "ben"):
            folder = self.grading / "submitted" / name / ASSIGNMENT
            assert {p.name for p in folder.iterdir()} == {f"{ASSIGNMENT}.ipynb", "timestamp.txt", "submission_secret.txt"}

    def before_zip_collect(self):
        """The instructor saves the LMS's download of cy's submission."""
        archive = self.cwd / "downloaded" / ASSIGNMENT / "archive"
        archive.mkdir(parents=True)
        with zipfile.ZipFile(archive / "gradebook_download.zip", "w") as download:
            download.writestr(LMS_FILE, self.lms_notebook)

    def after_zip_collect(self):
        folder = self.grading / "submitted" / "cy" / ASSIGNMENT
        assert (folder / f"{ASSIGNMENT}.ipynb").read_text() == self.lms_notebook
        assert (folder / "timestamp.txt").read_text().startswith("2026-11-19 21:15:00")

    def after_grade_batch(self):
        rows = json.loads((self.grading / "batch-summary.json").read_text())["rows"]
        assert {(row["student"], row["status"]) for row in rows if row["assignment"] == ASSIGNMENT} == {
            ("ada", "graded"), ("ben", "graded"), ("cy", "graded")}, rows
        points = autograded(self.grading)
        assert points["ada"] == self.max_points() and points["ben"] == 0 and 0 < points["cy"] < points["ada"]
        self.first_grading = graded_at(self.grading)

    def after_grade_batch_regrade(self):
        rows = json.loads((self.grading / "batch-summary.json").read_text())["rows"]
        assert [(row["student"], row["status"]) for row in rows] == [("ada", "graded")], rows
        again = graded_at(self.grading)
        assert again["ada"] > self.first_grading["ada"]
        assert {s: again[s] for s in ("ben", "cy")} == {s: self.first_grading[s] for s in ("ben", "cy")}

    def score_in_formgrader(self, command):
        """Start formgrader as the README says (on a free port), score ada's written answer through
        the calls its Manual Grading page makes, and stop it with SIGTERM."""
        port = free_port()
        assert "--port 8889" in command
        log = open(self.base / "formgrader.log", "w")
        server = subprocess.Popen(["bash", "-c", "exec " + command.replace("--port 8889", f"--port {port}")],
                                  cwd=self.cwd, env=self.env, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            url = server.stdout.readline()
            token = re.search(r"\?token=(\w+)", url)
            assert token and f"http://{HOST}:{port}/formgrader" in url, (self.base / "formgrader.log").read_text()
            api = FormgraderApi(f"http://{HOST}:{port}", token.group(1))
            notebooks = {n["student"]: n["id"] for n in api.call(f"/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}")}
            written = [g for g in api.call(f"/formgrader/api/grades?submission_id={notebooks['ada']}")
                       if g["auto_score"] is None]
            assert len(written) == 1, written
            api.call(f"/formgrader/api/grade/{written[0]['id']}", "PUT", {"manual_score": WRITTEN_SCORE})
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            log.close()

    def after_release_feedback(self):
        """ada fetches her page from the exchange; cy, from the LMS, was left out."""
        self.learners["ada"].nbgrader("fetch_feedback", ASSIGNMENT)
        fetched = list((self.learners["ada"].home / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html"))
        page = self.grading / "feedback" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert len(fetched) == 1 and fetched[0].read_bytes() == page.read_bytes()
        released = list((self.grading / "exchange" / COURSE_ID / "feedback").glob("*.html"))
        assert len(released) == 2

    def after_feedback_zips(self):
        for name in ("ada", "ben", "cy"):
            with zipfile.ZipFile(self.grading / "feedback-zips" / ASSIGNMENT / f"{name}.zip") as archive:
                page = (self.grading / "feedback" / name / ASSIGNMENT / f"{ASSIGNMENT}.html").read_bytes()
                assert archive.read(f"{ASSIGNMENT}/{ASSIGNMENT}.html") == page

    def after_export(self):
        with open(self.grading / "grades.csv") as f:
            rows = {row["student_id"]: row for row in csv.DictReader(f) if row["assignment"] == ASSIGNMENT}
        assert set(rows) == {"ada", "ben", "cy"}
        assert float(rows["ada"]["raw_score"]) == self.max_points() + WRITTEN_SCORE
        assert rows["cy"]["last_name"] == "Twombly"

    def after_report(self):
        assert "cy" in (self.grading / "report.html").read_text()

    def after_gradescope(self):
        with zipfile.ZipFile(self.cwd / f"{ASSIGNMENT}-gradescope.zip") as archive:
            assert {"setup.sh", "run_autograder", "requirements.lock"} <= set(archive.namelist())

    def max_points(self):
        with Gradebook(f"sqlite:///{self.grading / 'gradebook.db'}") as gb:
            return sum(c.max_score for c in gb.find_notebook(ASSIGNMENT, ASSIGNMENT).grade_cells if c.cell_type == "code")


class FormgraderApi:
    """The calls formgrader's pages make, with the token a person logs in with."""

    def __init__(self, base, token):
        self.base, self.token = base, token
        deadline = time.monotonic() + 90
        while True:
            try:
                self.call("/api/status")
                return
            except OSError:
                assert time.monotonic() < deadline, "formgrader did not answer"
                time.sleep(0.5)

    def call(self, path, method="GET", body=None):
        request = urllib.request.Request(self.base + path, method=method, headers={"Authorization": f"token {self.token}"},
                                         data=json.dumps(body).encode() if body is not None else None)
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())


def autograded(course):
    """{student: autograded points} of softmax, from the course directory's gradebook."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: sum(g.auto_score or 0 for g in s.notebooks[0].grades if g.cell.cell_type == "code")
                for s in gb.assignment_submissions(ASSIGNMENT)}


def graded_at(course):
    """{student: when grade-batch last graded their softmax}, from its ledger."""
    with sqlite3.connect(course / "gradebook.db") as db:
        return dict(db.execute("SELECT student, graded_at FROM autograder_ledger WHERE assignment = ?", (ASSIGNMENT,)))


def test_the_readme_semester_runs_from_roster_to_export(built, tmp_path):
    commands = readme_commands()
    semester = Semester(tmp_path)
    for command in commands:
        semester.type(command)
    hooks = {name[len(prefix):] for prefix in ("before_", "after_") for name in dir(Semester) if name.startswith(prefix)}
    missing = hooks - {Semester.step(command) for command in commands}
    assert not missing, f"the README's semester no longer has the commands these steps of the test go with: {missing}"
    with Gradebook(f"sqlite:///{semester.grading / 'gradebook.db'}") as gb:
        assert {s.id: s.last_name for s in gb.students} == {"ada": "Lovelace", "ben": "Okri", "cy": "Twombly"}
        assert str(gb.find_assignment(ASSIGNMENT).duedate).startswith("2026-12-18 23:59")
    assert any("autograder formgrader" in command for command in commands)
    assert len({Semester.step(command) for command in commands}) == len(commands)  # each check follows one command


@pytest.mark.parametrize("argv", [
    ["course-directory", "--out", "{tmp}/grading", "--assignment", "sofmax"],
    ["course-directory", "--out", str(ROOT)],                       # would overwrite the course's own configuration
    ["feedback-zips", "sofmax", "--out", "{tmp}"],
    ["feedback-zips", "softmax", "--out", "{tmp}"],                 # not a course directory
    ["feedback-zips", "softmax", "--out", "{tmp}/grading"]])        # a course directory without feedback yet
def test_the_semester_commands_refuse_bad_input_in_one_line(built, tmp_path, capsys, argv):
    from autograder.cli import main
    main(["course-directory", "--out", str(tmp_path / "grading"), "--assignment", ASSIGNMENT])
    before = sorted(p for p in [*tmp_path.rglob("*"), *ROOT.glob("*.py")])
    stamp = (ROOT / "nbgrader_config.py").read_bytes()
    capsys.readouterr()
    assert main([arg.format(tmp=tmp_path) for arg in argv]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and error.count("\n") == 1
    assert sorted(p for p in [*tmp_path.rglob("*"), *ROOT.glob("*.py")]) == before
    assert (ROOT / "nbgrader_config.py").read_bytes() == stamp
