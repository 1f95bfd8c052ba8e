"""A sandbox that cannot start is the machine's fault, never the submission's: every command exits
1 with bubblewrap's reason in one line, records nothing, and the next run grades the work.

bubblewrap is replaced, through PATH, by a script that fails as bwrap does where the kernel
forbids the namespaces it needs (typical inside Docker)."""
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.course import ROOT
from autograder.examples import source_notebook

REFUSAL = ("bwrap: No permissions to create new namespace, likely because the kernel does not allow "
           "non-privileged user namespaces.")


def fake_bwrap(folder, fail_always):
    """A bwrap on PATH that fails like bubblewrap without namespaces: always, or only for the
    grader's real sandbox (so that the start-of-run check passes and the failure comes mid-run)."""
    folder.mkdir()
    real = shutil.which("bwrap")
    condition = "true" if fail_always else 'case "$*" in *runner.py*) true;; *) false;; esac'
    (folder / "bwrap").write_text(f"#!/bin/sh\nif {condition}; then echo '{REFUSAL}' >&2; exit 1; fi\n"
                                  f'exec {real} "$@"\n')
    (folder / "bwrap").chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def autograder(*args, env):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture
def submission(built, tmp_path):
    path = tmp_path / "softmax.ipynb"
    nbformat.write(source_notebook("softmax"), path)
    return path


@pytest.mark.parametrize("fail_always", [True, False], ids=["at the start", "in the middle"])
def test_grade_says_the_sandbox_failed_and_records_nothing(submission, tmp_path, fail_always):
    env = fake_bwrap(tmp_path / "bin", fail_always)
    done = autograder("grade", str(submission), "--assignment", "softmax", "--results", str(tmp_path / "r.json"), env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and "No permissions to create new namespace" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "r.json").exists()


def test_demo_says_what_is_missing_before_grading_anything(built, tmp_path):
    env = fake_bwrap(tmp_path / "bin", True)
    done = autograder("demo", "--out", str(tmp_path / "demo"), env=env)
    assert done.returncode == 1 and "cannot start on this machine" in done.stderr and "user namespaces" in done.stderr
    assert not (tmp_path / "demo").exists()


def test_grade_batch_keeps_no_zero_and_grades_the_work_next_time(submission, tmp_path):
    submitted = tmp_path / "submitted" / "alice" / "softmax"
    submitted.mkdir(parents=True)
    shutil.copy(submission, submitted / "softmax.ipynb")
    out = tmp_path / "grading"
    failing = autograder("grade-batch", str(tmp_path / "submitted"), "--out", str(out), "--jobs", "1",
                         env=fake_bwrap(tmp_path / "bin", False))
    assert failing.returncode == 1 and "No permissions to create new namespace" in failing.stdout + failing.stderr
    with sqlite3.connect(out / "gradebook.db") as db:
        assert db.execute("select count(*) from autograder_ledger").fetchone() == (0,)
        assert db.execute("select count(*) from submitted_assignment").fetchone() == (0,)
    working = autograder("grade-batch", str(tmp_path / "submitted"), "--out", str(out), "--jobs", "1", env=os.environ)
    assert working.returncode == 0, working.stdout + working.stderr
    assert "15/18" in working.stdout and "unchanged" not in working.stdout  # 3 written points to grade


def test_gradescope_flags_the_run_and_blames_the_grader(submission, tmp_path):
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    shutil.copy(submission, root / "submission" / "softmax.ipynb")
    done = autograder("gradescope-run", "--assignment", "softmax", "--root", str(root), env=fake_bwrap(tmp_path / "bin", True))
    results = (root / "results" / "results.json").read_text()
    assert done.returncode == 1 and "not your fault" in results and "No permissions" in results
