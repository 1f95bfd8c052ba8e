"""The Gradescope archive: setup.sh and run_autograder, run against a simulated /autograder tree."""
import json
import os
import subprocess
import sys
import zipfile

import nbformat

from autograder.course import ROOT
from autograder.examples import source_notebook
from autograder.gradescope import build_archive


def autograder_tree(tmp_path, assignment):
    """Unpack the archive as Gradescope does and run setup.sh; return (root, environment)."""
    archive = tmp_path / "autograder.zip"
    build_archive(archive, assignment)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as z:
        z.extractall(root / "source")
        modes = {info.filename: info.external_attr >> 16 for info in z.infolist()}
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True)
    assert setup.returncode == 0, setup.stderr[-2000:]
    (root / "submission").mkdir()
    return root, env


def run_autograder(root, env):
    finished = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                              text=True, timeout=600)
    return finished, json.loads((root / "results" / "results.json").read_text())


def test_gradescope_archive_grades_a_submission_and_refuses_junk_in_one_line(built, tmp_path):
    root, env = autograder_tree(tmp_path, "softmax")
    names = zipfile.ZipFile(tmp_path / "autograder.zip").namelist()
    assert "source/softmax/softmax.ipynb" in names and not any("batch_norm.ipynb" in n for n in names)
    assert not any("__pycache__" in n for n in names)
    nbformat.write(source_notebook("softmax"), root / "submission" / "my_work.ipynb")  # any name, if alone
    finished, results = run_autograder(root, env)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert results["score"] == results["extra_data"]["max_score"] == 15
    assert all(test["status"] == "passed" for test in results["tests"])
    (root / "submission" / "my_work.ipynb").write_text("not a notebook")
    finished, results = run_autograder(root, env)
    assert finished.returncode == 0 and results["score"] == 0
    assert "could not be graded" in results["output"] and "not valid JSON" in results["output"]


def test_gradescope_command_rejects_unknown_assignments(tmp_path):
    result = subprocess.run([sys.executable, "-m", "autograder", "gradescope", str(tmp_path / "a.zip"),
                             "--assignment", "nope"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "unknown assignment" in result.stderr
