"""Grading one notebook end to end: scores, results.json, feedback, isolation, command line."""
import hashlib
import json
import subprocess
import sys

import nbformat
import pytest

from autograder.course import ROOT, BadInput, available_assignments
from autograder.submission import check_belongs
from conftest import by_test

ASSIGNMENTS = available_assignments()


def notebook(kind, name):
    return nbformat.read(ROOT / kind / name / f"{name}.ipynb", as_version=4)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_source_scores_full_marks_and_release_scores_nothing(grade, name):
    solved = grade(notebook("source", name), name)
    assert solved["tests"] and all(t["status"] == "passed" for t in solved["tests"]), solved["tests"]
    assert solved["score"] == solved["extra_data"]["max_score"] > 0
    stub = grade(notebook("release", name), name)
    assert stub["score"] == 0
    assert {t["name"] for t in stub["tests"]} == {t["name"] for t in solved["tests"]}
    assert all("not implemented yet" in t["output"] for t in stub["tests"])


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_results_follow_gradescope_format(grade, name):
    results = grade(notebook("release", name), name)
    assert set(results) >= {"score", "execution_time", "tests", "output", "extra_data"}
    assert isinstance(results["execution_time"], float) and results["execution_time"] > 0
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed") and test["visibility"] == "visible"
        assert 0 <= test["score"] <= test["max_score"]
    for cell in results["extra_data"]["manually_graded"]:
        assert cell["max_score"] > 0 and cell["name"] not in {t["name"] for t in results["tests"]}


def test_written_answers_are_left_to_the_instructor(grade):
    results = grade(notebook("source", "hyperparameter_search"), "hyperparameter_search")
    assert [c["name"] for c in results["extra_data"]["manually_graded"]] == ["panda_or_caviar"]
    assert results["score"] == sum(t["max_score"] for t in results["tests"])


@pytest.mark.parametrize("kind", ["source", "release"])
def test_feedback_shows_no_hidden_tests(grade, tmp_path, kind):
    name = "hyperparameter_search"
    results = grade(notebook(kind, name), name, feedback=True)
    html = (tmp_path / "feedback.html").read_text()
    for hidden in ("BEGIN HIDDEN TESTS", "record_for_grader", "END HIDDEN TESTS"):
        assert hidden not in html
    for test in results["tests"]:
        assert test["name"] in html
    if kind == "release":
        assert "not implemented yet" in html


def tree_digest(*paths):
    digest = hashlib.sha256()
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


def test_grading_leaves_the_course_untouched(grade):
    watched = (ROOT / "gradebook.db", ROOT / "source", ROOT / "release")
    before = tree_digest(*watched)
    grade(notebook("source", "hyperparameter_search"), "hyperparameter_search")
    assert tree_digest(*watched) == before


def test_stale_course_gradebook_is_not_rebuilt_in_place(grade, monkeypatch):
    import autograder.grade
    monkeypatch.setattr(autograder.grade, "is_stale", lambda: True)
    watched = (ROOT / "gradebook.db", ROOT / "source", ROOT / "release")
    before = tree_digest(*watched)
    results = grade(notebook("source", "hyperparameter_search"), "hyperparameter_search")
    assert results["score"] == results["extra_data"]["max_score"]
    assert tree_digest(*watched) == before


def test_grading_twice_gives_the_same_result(grade):
    nb = notebook("source", "hyperparameter_search")
    first, second = grade(nb, "hyperparameter_search"), grade(nb, "hyperparameter_search")
    strip = lambda r: [(t["name"], t["score"], t["output"]) for t in r["tests"]]  # noqa: E731
    assert strip(first) == strip(second)


def test_notebook_of_another_assignment_is_refused(monkeypatch):
    import autograder.submission as submission
    monkeypatch.setattr(submission, "cell_ids_by_assignment",
                        lambda: {"hyperparameter_search": {"sample_beta"}, "softmax": {"softmax", "test_softmax"}})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", metadata={"nbgrader": {"grade_id": "softmax"}})])
    with pytest.raises(BadInput, match="is a notebook of assignment 'softmax', not 'hyperparameter_search'"):
        check_belongs(nb, "hyperparameter_search", "x.ipynb")


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


@pytest.mark.parametrize("content,message", [
    (None, "no such notebook file"),
    (b"", "is empty"),
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe\x00\x00", "not UTF-8"),
    (b'{"cells": 3}', "not a readable Jupyter notebook"),
])
def test_bad_input_gets_one_line_and_exit_2(built, tmp_path, content, message):
    path = tmp_path / "submission.ipynb"
    if content is not None:
        path.write_bytes(content)
    done = run_cli("grade", str(path), "--assignment", "hyperparameter_search", "--results", str(tmp_path / "r.json"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("meta", ["oops", {"grade_id": ["a", "b"]}, {"grade_id": 3, "grade": "yes"}])
def test_malformed_nbgrader_metadata_is_graded_not_a_crash(grade, meta):
    nb = notebook("source", "hyperparameter_search")
    nb.cells[0].metadata["nbgrader"] = meta
    results = grade(nb, "hyperparameter_search")
    assert results["score"] == results["extra_data"]["max_score"]


@pytest.mark.parametrize("flag", ["--cell-timeout=0", "--call-timeout=-1", "--memory=nan", "--processes=0"])
def test_limits_must_be_positive(built, tmp_path, flag):
    release = ROOT / "release" / "hyperparameter_search" / "hyperparameter_search.ipynb"
    done = run_cli("grade", str(release), "--assignment", "hyperparameter_search", "--results", str(tmp_path / "r.json"), flag)
    assert done.returncode == 2 and done.stderr.count("\n") == 1


def test_missing_sandbox_is_a_clear_grader_fault(built, tmp_path, monkeypatch, capsys):
    import threading
    import autograder.sandbox
    from autograder.cli import main
    monkeypatch.setattr(autograder.sandbox.shutil, "which", lambda name: None)
    monkeypatch.setattr(autograder.sandbox, "_warm", threading.local())  # no warm sandbox from earlier tests
    release = ROOT / "release" / "hyperparameter_search" / "hyperparameter_search.ipynb"
    assert main(["grade", str(release), "--assignment", "hyperparameter_search", "--results", str(tmp_path / "r.json")]) == 1
    assert "bubblewrap (bwrap) is not installed" in capsys.readouterr().err


def test_unknown_assignment_gets_exit_2(built, tmp_path):
    release = ROOT / "release" / "hyperparameter_search" / "hyperparameter_search.ipynb"
    done = run_cli("grade", str(release), "--assignment", "no_such_thing", "--results", str(tmp_path / "r.json"))
    assert done.returncode == 2 and "unknown assignment 'no_such_thing'" in done.stderr


def test_grade_command_writes_results_and_feedback(built, tmp_path):
    release = ROOT / "release" / "hyperparameter_search" / "hyperparameter_search.ipynb"
    done = run_cli("grade", str(release), "--assignment", "hyperparameter_search",
                   "--results", str(tmp_path / "r.json"), "--feedback", str(tmp_path / "f.html"))
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 0
    assert (tmp_path / "f.html").stat().st_size > 0
    assert "0/11 autograded points" in done.stdout
