"""The two web front ends, on localhost only: JupyterLab for learners, formgrader for instructors.

``prepare_lab`` makes a learner's workspace (the bundle: release notebooks, course_utils,
datasets), served with nbgrader's lab extension, whose Validate button runs the visible checks.
``prepare_formgrader`` checks that a grade-batch output folder is a class's course directory (its
configuration runs the course's grading chain, autograder/course_directory.py), served with
formgrader so that instructors grade the written answers and can use its Autograde and Generate
Feedback buttons; then ``nbgrader export`` (or the next grade-batch) writes the manual scores
into grades.csv.

``serve`` runs either server in the foreground. A server never outlives what started it: Ctrl-C,
SIGTERM (``kill`` of the wrapper, or of make, which passes SIGTERM on to it) or the death of the
wrapper's parent, even by SIGKILL, stops it, so no orphan keeps the gradebook on its port. A busy
port is one line, before any URL.
"""
import ctypes
import errno
import functools
import json
import os
import secrets
import signal
import socket
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
    """The course directory ``out``, resolved, once it is one formgrader can open
    (course-directory and grade-batch write it, see autograder/course_directory.py)."""
    out = Path(out).resolve()
    if not is_course_directory(out):
        raise BadInput(f"{out} is not a class's course directory: run `python -m autograder course-directory "
                       f"--out {out}` or `python -m autograder grade-batch SUBMITTED --out {out}` first")
    return out


def new_token():
    return secrets.token_hex(16)


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def stop_with_parent(parent):
    """Have Linux send this process SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG), however
    the parent dies; ``parent`` is the pid it should have, so that a parent already gone is caught."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


def check_port(port, name):
    """Raise BadInput, in one line with its fix, unless HOST:port is free to listen on."""
    if not 0 < port < 65536:
        raise BadInput(f"--port {port}: a port is a number from 1 to 65535")
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is free
        try:
            probe.bind((HOST, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise BadInput(f"port {port} on {HOST} is in use (a {name} still running? stop it, "
                               "or use --port N)") from None
            raise BadInput(f"cannot listen on port {port} of {HOST}: {error.strerror} (use --port N)") from None


def serve(root, port, default_url, name, what, learner):
    """Run the server ``name`` (JupyterLab, formgrader) on HOST:port in the foreground, after
    printing its URL, until Ctrl-C, SIGTERM or the death of this process's parent; return its
    exit code. Raises BadInput when the port is not free, before printing anything."""
    check_port(port, name)
    stop_with_parent(os.getppid())  # make, or the shell: this wrapper goes with it
    token = new_token()
    print(f"{what}: http://{HOST}:{port}{default_url}?token={token}  (localhost only; Ctrl-C stops it)", flush=True)
    server = subprocess.Popen(jupyter_command(root, port, token, default_url), cwd=root,
                              env=server_environment(Path(root) / ".jupyter", learner),
                              preexec_fn=functools.partial(stop_with_parent, os.getpid()))  # even if this one is SIGKILLed
    signal.signal(signal.SIGTERM, lambda signum, frame: server.terminate())
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        return server.wait()
