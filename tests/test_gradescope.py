"""The Gradescope archive: setup.sh and run_autograder, run against a simulated /autograder tree."""
import json
import os
import subprocess
import sys
import zipfile

import nbformat
import pytest

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


STUB = '#!/usr/bin/env bash\necho "$(basename "$0") $*" >> "$STUB_LOG"\n'
# python3.11 -m venv .venv: the stub makes a .venv whose pip and python only log their arguments.
PYTHON_STUB = STUB + 'mkdir -p .venv/bin\nfor tool in pip python; do printf %s "$STUB_BODY" > .venv/bin/$tool; ' \
                     'chmod +x .venv/bin/$tool; done\n'


def setup_on(tmp_path, os_release):
    """Run the archive's setup.sh as Gradescope does, on an image whose /etc/os-release is
    ``os_release``, with apt-get and python3.11 stubbed on PATH so that nothing is installed;
    return (the finished process, the stubbed commands it ran, the unpacked course)."""
    archive = tmp_path / "autograder.zip"
    build_archive(archive, "softmax")
    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path / "autograder" / "source")
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for name, body in (("apt-get", STUB), ("python3.11", PYTHON_STUB)):
        (stubs / name).write_text(body)
        (stubs / name).chmod(0o755)
    (tmp_path / "os-release").write_text(os_release)
    log = tmp_path / "stubs.log"
    env = {**os.environ, "AUTOGRADER_ROOT": str(tmp_path / "autograder"), "AUTOGRADER_OS_RELEASE": str(tmp_path / "os-release"),
           "PATH": f"{stubs}:{os.environ['PATH']}", "STUB_LOG": str(log), "STUB_BODY": STUB}
    finished = subprocess.run(["bash", str(tmp_path / "autograder" / "source" / "setup.sh")], env=env,
                              capture_output=True, text=True, timeout=120)
    return finished, log.read_text().splitlines() if log.exists() else [], tmp_path / "autograder" / "source"


def test_setup_installs_the_runtime_lock_on_gradescopes_ubuntu_22_04_image(tmp_path):
    finished, ran, course = setup_on(tmp_path, 'NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n')
    assert finished.returncode == 0, finished.stderr
    assert ran[:3] == ["apt-get update -qq", "apt-get install -y -qq bubblewrap python3.11 python3.11-venv",
                       "python3.11 -m venv .venv"]
    assert ran[3:] == ["pip install --quiet --no-deps -r requirements.lock",
                       "pip install --quiet --no-deps --no-build-isolation -e .", "python -m autograder build"]
    lock = (course / "requirements.lock").read_text()
    assert "nbgrader==" in lock and "pytest" not in lock and "dask" not in lock


@pytest.mark.parametrize("system, os_release", [
    ("ubuntu 24.04", 'ID=ubuntu\nVERSION_ID="24.04"\n'), ("ubuntu 20.04", 'ID=ubuntu\nVERSION_ID="20.04"\n'),
    ("debian 12", 'ID=debian\nVERSION_ID="12"\n'), ("an unknown system", "")])
def test_setup_stops_in_one_line_naming_the_supported_image_elsewhere(tmp_path, system, os_release):
    finished, ran, _ = setup_on(tmp_path, os_release)
    assert finished.returncode == 2 and ran == []
    assert finished.stderr.count("\n") == 1 and "gradescope/autograder-base:ubuntu-22.04" in finished.stderr
    assert f"not on {system}:" in finished.stderr
