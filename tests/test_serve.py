"""`make lab` and `make formgrader` (issue 13): the Jupyter server stops with the wrapper that
started it, whether the wrapper gets SIGTERM or SIGKILL, and the wrapper stops with make, so no
orphan keeps serving the gradebook on the port; a busy port is one line with its fix, exit 2,
before any URL is printed.

make runs the wrapper, `python -m autograder formgrader|lab --port N`, as the course's Makefile
does, from this checkout (on PYTHONPATH too, so that the server's nbgrader loads this checkout's
course)."""
import os
import shlex
import signal
import socket
import subprocess
import sys
import time

import psutil
import pytest

from autograder.course import ROOT
from autograder.course_directory import write_course_directory
from autograder.jupyter import HOST
from jupyter_servers import free_port  # noqa: E402 - tests/ is on sys.path

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course directory for formgrader."""
    out = tmp_path_factory.mktemp("serve") / "grading"
    write_course_directory(out, ["softmax"])
    return out


def arguments(command, course, tmp_path, port):
    where = ["--out", str(course)] if command == "formgrader" else ["--dir", str(tmp_path / "lab")]
    return [sys.executable, "-m", "autograder", command, *where, "--port", str(port)]


def port_free(port):
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
            return True
        except OSError:
            return False


def answering(port):
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) == 0


def command_line(process):
    """The process's arguments, or none for one that has just exited (make's short-lived shells)."""
    try:
        return process.cmdline()
    except (psutil.ZombieProcess, psutil.NoSuchProcess):
        return []


def gone(process):
    try:
        return process.status() == psutil.STATUS_ZOMBIE  # an orphan's corpse, if nothing reaps it here
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("command, kill", [("formgrader", "SIGTERM wrapper"), ("formgrader", "SIGKILL wrapper"),
                                           ("formgrader", "SIGTERM make"), ("formgrader", "SIGKILL make"),
                                           ("lab", "SIGTERM wrapper")])
def test_the_server_stops_with_its_wrapper_and_the_wrapper_with_make(course, tmp_path, command, kill):
    port = free_port()
    (tmp_path / "Makefile").write_text(f"serve:\n\t{shlex.join(arguments(command, course, tmp_path, port))}\n")
    parent = subprocess.Popen(["make", "-s", "-f", str(tmp_path / "Makefile"), "serve"], cwd=ROOT, env=ENV,
                              stdout=subprocess.DEVNULL, stderr=open(tmp_path / "server.log", "w"))
    spawned = [psutil.Process(parent.pid)]
    try:
        deadline = time.monotonic() + 90
        while not answering(port):
            assert parent.poll() is None and time.monotonic() < deadline, (tmp_path / "server.log").read_text()[-3000:]
            time.sleep(0.3)
        wrapper, = [p for p in spawned[0].children(recursive=True) if "autograder" in command_line(p)]
        server, = wrapper.children()
        spawned += [wrapper, server]
        signum, target = kill.split()
        os.kill(parent.pid if target == "make" else wrapper.pid, getattr(signal, signum))
        deadline = time.monotonic() + 20
        while not (gone(server) and gone(wrapper) and port_free(port)):
            assert time.monotonic() < deadline, f"after {kill}, the {'server' if not gone(server) else 'wrapper'} " \
                                                f"is still running, or port {port} is still taken"
            time.sleep(0.2)
    finally:
        for process in spawned[::-1]:
            if not gone(process):
                process.kill()
        parent.wait()


@pytest.mark.parametrize("command, name", [("formgrader", "formgrader"), ("lab", "JupyterLab")])
def test_a_busy_port_is_one_line_with_its_fix_before_any_url(course, tmp_path, command, name):
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        finished = subprocess.run(arguments(command, course, tmp_path, port), cwd=ROOT, env=ENV,
                                  capture_output=True, text=True, timeout=120)
    assert finished.returncode == 2 and finished.stdout == ""
    assert finished.stderr == f"error: port {port} on {HOST} is in use (a {name} still running? stop it, " \
                              "or use --port N)\n"
