"""The two web front ends, on localhost only: JupyterLab for learners, formgrader for instructors.

``prepare_lab`` makes a learner's workspace (the bundle: release notebooks, course_utils,
datasets), served with nbgrader's lab extension, whose Validate button runs the visible checks.
``prepare_formgrader`` checks that a grade-batch output folder is a class's course directory (its
configuration runs the course's grading chain, autograder/course_directory.py), served with
formgrader so that instructors grade the written answers and can use its Autograde and Generate
Feedback buttons; then ``nbgrader export`` (or the next grade-batch) writes the manual scores
into grades.csv.
"""
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from .bundle import bundle
from .course import BadInput
from .course_directory import is_course_directory

HOST = "127.0.0.1"
# Kernels started by the servers inherit this environment: TensorFlow's start-up chatter off.
QUIET = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}


def jupyter_command(root, port, token, default_url="/lab"):
    """argv of a JupyterLab server on HOST:port serving ``root``."""
    return [str(Path(sys.executable).with_name("jupyter")), "lab", f"--ServerApp.ip={HOST}",
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--ServerApp.open_browser=False",
            f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
            f"--ServerApp.default_url={default_url}", "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"] + (
            ["--ServerApp.allow_root=True"] if os.geteuid() == 0 else [])  # containers and CI run as root


# nbgrader's instructor panels, hidden from learners (their Validate button stays).
INSTRUCTOR_EXTENSIONS = ("@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:formgrader",
                         "@jupyter/nbgrader:course-list")


def server_environment(config_dir, learner):
    """The server's environment: quiet TensorFlow, and a Jupyter config folder of the course's
    own, so that the user's settings neither break nor leak into these servers."""
    config_dir = Path(config_dir)
    settings = config_dir / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))  # offline
    page_config = config_dir / "labconfig" / "page_config.json"
    page_config.parent.mkdir(parents=True, exist_ok=True)
    disabled = {name: True for name in INSTRUCTOR_EXTENSIONS} if learner else {}
    page_config.write_text(json.dumps({"disabledExtensions": disabled}))
    return {**os.environ, **QUIET, "JUPYTER_CONFIG_DIR": str(config_dir)}


def prepare_lab(workspace):
    """Create the learner workspace (the bundle) unless it exists; return its path."""
    workspace = Path(workspace)
    if not workspace.exists():
        bundle(workspace)
    return workspace


def prepare_formgrader(out):
    """The grade-batch output folder ``out``, resolved, once it is a course directory formgrader
    can open (grade-batch writes it, see autograder/course_directory.py)."""
    out = Path(out).resolve()
    if not is_course_directory(out):
        raise BadInput(f"{out} is not a class's course directory: run "
                       f"`python -m autograder grade-batch SUBMITTED --out {out}` first")
    return out


def new_token():
    return secrets.token_hex(16)


def serve(root, port, default_url, what, learner):
    """Run a server in the foreground until Ctrl-C, after printing its URL; returns its exit code."""
    token = new_token()
    print(f"{what}: http://{HOST}:{port}{default_url}?token={token}  (localhost only; Ctrl-C stops it)", flush=True)
    server = subprocess.Popen(jupyter_command(root, port, token, default_url), cwd=root,
                              env=server_environment(Path(root) / ".jupyter", learner))
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        return server.wait()
