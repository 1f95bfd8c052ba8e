"""Every nbgrader door grades the way grade-batch does (issue 12, section 8).

One class of softmax submissions (the whole mistake catalog, the solution, the release stub, and
the stub with a cell that turns the visible test cells into ``pass``) is graded once by
grade-batch. Then, each in a copy of the course directory grade-batch wrote, with its grades and
autograded notebooks wiped so that nothing left over can pass for a door's work:

* stock ``nbgrader autograde softmax --force``, ``generate_feedback`` and ``release_feedback``;
* formgrader's Autograde, Generate Feedback and Release Feedback buttons: the HTTP calls its
  pages make, to a server started the way ``make formgrader`` starts it.

Both must give every cell of every submission the score grade-batch gave it, with the same
verdict, and write feedback pages without hidden tests. The scores are compared across doors, never against fixed values
(hidden inputs may depend on the submission); what the course's chain must do is checked from the
catalog: the stub and the cheat score 0 and each mistake loses points on the test that names it.
"""
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.utils import notebook_hash
from nbgrader.validator import Validator
from traitlets.config.loader import PyFileConfigLoader

from autograder import chain, pages
from autograder.batch import grade_batch
from autograder.check import is_test_cell
from autograder.cli import main
from autograder.collect import Job
from autograder.course import ROOT, course_config
from autograder.course_directory import keep_submission, write_course_directory
from autograder.examples import catalog, source_notebook, with_replacements
from jupyter_servers import JupyterServer  # noqa: E402 - tests/ is on sys.path

pytestmark = pytest.mark.xdist_group("doors")  # one worker builds the class and runs every door once

ASSIGNMENT = "softmax"
NBGRADER = str(Path(sys.executable).with_name("nbgrader"))
TIMESTAMP = "2026-11-20 10:00:00.000000 UTC"
# A learner's cell that registers an input transformer: every later cell that calls the visible
# checks runs as `pass`, so in the learner's own kernel every test cell "passes".
CHEAT = ('get_ipython().input_transformers_post.append(\n'
         '    lambda lines: ["pass\\n"] if any("checks." in line for line in lines) else lines)')
HIDDEN = ("BEGIN HIDDEN TESTS", "record_for_grader")


def cheat_notebook():
    nb = nbformat.read(ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    imports = next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "code")
    nb.cells.insert(imports + 1, nbformat.v4.new_code_cell(CHEAT))
    return nb


def class_submissions():
    """{student: notebook}: the solution, the stub, the cheat and every catalogued mistake."""
    source = source_notebook(ASSIGNMENT)
    submissions = {"solution": source, "stub": nbformat.read(ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                                                             as_version=4), "cheat": cheat_notebook()}
    for mistake in catalog("mistakes", ASSIGNMENT):
        submissions[mistake_student(mistake)] = with_replacements(source, [mistake])
    return submissions


def mistake_student(mistake):
    return f"mistake-{mistake.name}".replace("_", "-")


def write_submitted(folder, submissions):
    """nbgrader's submitted/ as ``nbgrader collect`` leaves it: notebook, timestamp and secret."""
    for number, (student, nb) in enumerate(submissions.items()):
        where = folder / student / ASSIGNMENT
        where.mkdir(parents=True)
        nbformat.write(nb, where / f"{ASSIGNMENT}.ipynb")
        (where / "timestamp.txt").write_text(TIMESTAMP)
        (where / "submission_secret.txt").write_text(f"{number:0128x}")


def autograded_points(course):
    """{grade_id: points} of the autograded test cells, from a course directory's gradebook."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {cell.name: cell.max_score for cell in gb.find_notebook(ASSIGNMENT, ASSIGNMENT).grade_cells
                if cell.cell_type == "code"}


def cell_scores(course):
    """{student: {grade_id: auto_score}} from a course directory's gradebook."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {submission.student.id: {grade.name: grade.auto_score for grade in submission.notebooks[0].grades}
                for submission in gb.assignment_submissions(ASSIGNMENT)}


def verdicts(course):
    """{student: {grade_id: outputs}} of the test cells of a course directory's judged notebooks:
    the verdicts JudgeTestCells wrote, with their messages."""
    judged = {}
    for path in sorted((course / "autograded").glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        judged[path.parent.parent.name] = {cell.metadata["nbgrader"]["grade_id"]: cell.outputs
                                           for cell in cells if is_test_cell(cell)}
    return judged


def copy_to_regrade(course, copy):
    """A copy of the course directory with every autograded score, notebook and page removed."""
    shutil.copytree(course, copy)
    for step in ("autograded", "feedback"):
        shutil.rmtree(copy / step)
    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gb:
        for submission in gb.assignment_submissions(ASSIGNMENT):
            for grade in submission.notebooks[0].grades:
                grade.auto_score = None
        gb.db.commit()
    return copy


def press(server, path):
    """Press one of formgrader's buttons; nbgrader's API answers {"success": ..., "log": ..., "error": ...}."""
    outcome = server.api(path, "POST")
    assert outcome["success"], f"{path}: {outcome.get('error') or outcome.get('log')}"[-3000:]


class Stock:
    """A stock nbgrader command running in a course directory, as an instructor types it there."""

    def __init__(self, course, *argv):
        self.log = open(course.parent / f"{course.name}-{argv[0]}.log", "w")
        self.process = subprocess.Popen([NBGRADER, *argv], cwd=course, stdout=self.log, stderr=subprocess.STDOUT)

    def finish(self):
        code = self.process.wait(timeout=900)
        self.log.close()
        assert code == 0, Path(self.log.name).read_text()[-3000:]

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def doors(built, tmp_path_factory):
    """grade-batch's course directory, and two copies regraded through the stock commands and
    through formgrader's buttons (the two run at the same time, one notebook at a time each)."""
    base = tmp_path_factory.mktemp("doors")
    submissions = class_submissions()
    write_submitted(base / "submitted", submissions)
    batch = base / "grading"
    started = time.monotonic()
    rows = grade_batch(base / "submitted", batch, assignments=[ASSIGNMENT], jobs=2)
    print(f"grade-batch --jobs 2: {time.monotonic() - started:.0f} s")
    assert [row.status for row in rows] == ["graded"] * len(submissions), [(r.student, r.note) for r in rows]
    commands, buttons = copy_to_regrade(batch, base / "stock"), copy_to_regrade(batch, base / "formgrader")
    started = time.monotonic()
    server, running = JupyterServer(buttons, "/formgrader", learner=False), []
    try:
        running.append(Stock(commands, "autograde", ASSIGNMENT, "--force"))
        listed = {row["student"] for row in server.api(f"/formgrader/api/submissions/{ASSIGNMENT}")}
        assert listed == set(submissions), "formgrader's Manage Submissions page does not list the class"
        for student in submissions:
            press(server, f"/formgrader/api/submission/{ASSIGNMENT}/{student}/autograde")
        running[-1].finish()
        print(f"stock nbgrader autograde and formgrader's Autograde, side by side: {time.monotonic() - started:.0f} s")
        running.append(Stock(commands, "generate_feedback", ASSIGNMENT, "--force"))
        press(server, f"/formgrader/api/assignment/{ASSIGNMENT}/generate_feedback")
        running[-1].finish()
        running.append(Stock(commands, "release_feedback", ASSIGNMENT))
        press(server, f"/formgrader/api/assignment/{ASSIGNMENT}/release_feedback")
        running[-1].finish()
    finally:
        for command in running:
            command.stop()
        server.stop()
    return {"submissions": submissions, "grade-batch": batch, "nbgrader": commands, "formgrader": buttons}


def test_stock_autograde_and_formgraders_button_give_every_cell_the_score_grade_batch_gave(doors):
    batch = cell_scores(doors["grade-batch"])
    assert set(batch) == set(doors["submissions"])
    points = autograded_points(doors["grade-batch"])
    # The course's chain graded them: without it the cheat passes every test and a mistake that only
    # a hidden check catches (an unseeded train, say) keeps full marks.
    assert {t: batch["solution"][t] for t in points} == points
    for student in ("stub", "cheat"):
        assert {t: batch[student][t] for t in points} == dict.fromkeys(points, 0), f"{student} earned points"
    kept = [(m.name, m.test_id) for m in catalog("mistakes", ASSIGNMENT)
            if batch[mistake_student(m)][m.test_id] >= points[m.test_id]]
    assert not kept, f"these mistakes kept every point of the test that names them: {kept}"
    messages = verdicts(doors["grade-batch"])
    for door in ("nbgrader", "formgrader"):
        regraded = cell_scores(doors[door])
        different = {student: (batch[student], regraded.get(student)) for student in batch
                     if regraded.get(student) != batch[student]}
        assert not different, f"{door} scored these cells differently from grade-batch: {different}"
        told = verdicts(doors[door])
        different = [(s, t) for s in messages for t in messages[s] if told.get(s, {}).get(t) != messages[s][t]]
        assert not different, f"{door}'s verdicts differ from grade-batch's in these (student, test) cells: {different}"


@pytest.mark.parametrize("door", ["grade-batch", "nbgrader", "formgrader"])
def test_every_doors_feedback_pages_hold_no_hidden_test(doors, door):
    course = doors[door]
    for student in doors["submissions"]:
        judged = (course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
        assert all(marker in judged for marker in HIDDEN)  # the hidden tests were there to be removed
        page = (course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
        assert not [marker for marker in HIDDEN if marker in page], f"{door}: {student}'s page shows a hidden test"


@pytest.mark.parametrize("door", ["grade-batch", "nbgrader", "formgrader"])
def test_every_doors_feedback_pages_wrap_output_and_carry_mathjax_inline(doors, door):
    """Every door writes the course's readable page (autograder/pages.py): its style, and MathJax
    with its safe filter in the page, so that it typesets math offline, with no script from elsewhere."""
    inline = [pages.mathjax_script("tex-svg-full.js"), pages.mathjax_script("ui/safe.js")]
    for student in doors["submissions"]:
        page = (doors[door] / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
        head = page[:page.index("</head>")]
        assert "overflow-wrap: anywhere" in head, f"{door}: {student}'s page wraps no output"
        assert all(script in head for script in inline), f"{door}: {student}'s page has no MathJax of its own"
        assert "<script src" not in head, f"{door}: {student}'s page loads a script from elsewhere"


@pytest.mark.parametrize("door", ["nbgrader", "formgrader"])
def test_release_feedback_puts_each_page_where_its_learner_fetches_it(doors, door):
    course = doors[door]
    released = course / "exchange" / course_config().CourseDirectory.course_id / "feedback"
    for student in doors["submissions"]:
        secret = (doors["grade-batch"].parent / "submitted" / student / ASSIGNMENT / "submission_secret.txt").read_text()
        page = released / f"{notebook_hash(secret=secret, notebook_id=ASSIGNMENT)}.html"  # what fetch_feedback opens
        assert page.read_bytes() == (course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_bytes()


def visible_failures(path):
    """The test cells nbgrader's Validator (the learners' Validate button) reports as failed."""
    tests = {cell.source.strip() for cell in nbformat.read(path, as_version=4).cells if is_test_cell(cell)}
    return [failed for failed in Validator().validate(str(path)).get("failed", []) if failed["source"] in tests]


def test_nbgrader_validate_passes_the_cheat_that_every_door_scores_zero(doors, tmp_path):
    """The learners' Validate button runs the visible checks in the learner's own kernel, which the
    cheat has patched: every test cell passes there. What it proves is said in the README."""
    for student in ("stub", "cheat"):
        (tmp_path / student).mkdir()
        nbformat.write(doors["submissions"][student], tmp_path / student / f"{ASSIGNMENT}.ipynb")
    assert len(visible_failures(tmp_path / "stub" / f"{ASSIGNMENT}.ipynb")) == len(autograded_points(doors["grade-batch"]))
    assert visible_failures(tmp_path / "cheat" / f"{ASSIGNMENT}.ipynb") == []
    for door in ("grade-batch", "nbgrader", "formgrader"):
        assert not any(cell_scores(doors[door])["cheat"].values()), f"{door} gave the cheat points"


def test_the_course_directory_is_written_once_and_works_wherever_it_is_moved(tmp_path):
    written = tmp_path / "grading"
    write_course_directory(written, [ASSIGNMENT])
    files = sorted(p for p in written.rglob("*") if p.is_file())
    stamps = [p.stat().st_mtime_ns for p in files]
    (written / "source" / ASSIGNMENT / "stale.txt").write_text("no longer in the course's source/")
    write_course_directory(written, [ASSIGNMENT])
    assert sorted(p for p in written.rglob("*") if p.is_file()) == files
    assert [p.stat().st_mtime_ns for p in files] == stamps  # nothing rewritten
    assert str(tmp_path) not in (written / "nbgrader_config.py").read_text()
    moved = shutil.move(written, tmp_path / "elsewhere")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(moved)).load_config()
    assert config.CourseDirectory.root == str(moved) and config.Exchange.root == str(moved / "exchange")
    assert config.CourseDirectory.course_id == course_config().CourseDirectory.course_id
    assert (config.Autograde.sanitize_preprocessors, config.Autograde.autograde_preprocessors,
            config.GenerateFeedback.preprocessors) == (chain.SANITIZE, chain.AUTOGRADE, chain.FEEDBACK)
    source = ROOT / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert (moved / "source" / ASSIGNMENT / source.name).read_bytes() == source.read_bytes()


def test_a_resubmission_without_timestamp_or_secret_leaves_none_behind(tmp_path):
    first = Job("ada", ASSIGNMENT, b"{}", timestamp=TIMESTAMP, submission_secret=b"0" * 128)
    keep_submission(tmp_path, first, autograded="{}")
    keep_submission(tmp_path, Job("ada", ASSIGNMENT, b"{ }"), autograded="{ }")
    for step in ("submitted", "autograded"):
        assert sorted(p.name for p in (tmp_path / step / "ada" / ASSIGNMENT).iterdir()) == [f"{ASSIGNMENT}.ipynb"]


def test_formgrader_on_a_folder_grade_batch_did_not_write_is_refused_in_one_line(tmp_path, capsys):
    assert main(["formgrader", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "grade-batch" in error
