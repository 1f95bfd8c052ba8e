"""Execute (sandbox): run a notebook with the learner's code in bubblewrap, with limits.

The sandbox sees the system read-only and nothing of the course but the virtual environment,
``course_utils`` and ``datasets``: not the gradebook, ``source/``, ``autograder/``, other
submissions or the grader's files. It has no network but loopback, a private size-capped /tmp,
and the learner's kernel runs as an unprivileged uid of its own, drawn for each run, under rlimits
(address space, processes, file size, no core dumps). Where the machine offers cgroup v1 ``memory`` and ``pids`` controllers, the whole
sandbox also gets one memory and one process budget, which a fork bomb cannot multiply.

The runner inside (``sandbox_runner.py``) sends back one JSON payload through a pipe; this side
reads at most twice ``max_output`` bytes of it (the notebook's output plus the records) and kills
the sandbox after ``notebook_timeout`` and a start-up allowance.
"""
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .course import ROOT

FIRST_KERNEL_UID = 200_000
RUNNER = Path(__file__).with_name("sandbox_runner.py")
START_UP_SECONDS = 60            # allowance for starting the sandbox and the kernel(s)
HIDDEN = ("/tmp", "/var/tmp", "/root", "/home", "/work", "/srv", "/mnt", "/media")
INSIDE = {"in": "/tmp/in", "work": "/tmp/work", "probes": "/tmp/probes", "home": "/tmp/home"}


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot run here."""


@dataclass(frozen=True)
class Limits:
    """Limits for one notebook run; see GradingSettings for their meaning and defaults."""
    cell_timeout: float
    notebook_timeout: float
    memory_bytes: int
    address_space_bytes: int
    processes: int
    max_output_bytes: int
    max_cell_output_bytes: int
    disk_bytes: int
    file_size_bytes: int


@dataclass
class RunResult:
    """What came back: the executed notebook, the kernel's records and the runner's events,
    or ``failure`` (one sentence) when no usable payload came back."""
    notebook: object = None
    records: dict = None
    events: list = None
    failure: str = ""
    memory_exhausted: bool = False


def bwrap_path():
    path = shutil.which("bwrap")
    if not path:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed; `make` installs it with apt-get")
    return path


def _visible_again(path):
    """bwrap arguments that make ``path`` (and its parents under a hidden tree) readable again."""
    args = []
    parts = Path(path).parts
    for depth in range(2, len(parts)):
        args += ["--perms", "0755", "--dir", str(Path(*parts[:depth]))]
    return args + ["--ro-bind", str(path), str(path)]


def fresh_uid():
    """A uid that no account uses, drawn anew for each run. Per-user limits such as RLIMIT_NPROC
    count every process of a uid on the machine, so sandboxes running side by side must not share
    one: a fork bomb in one submission would otherwise starve the kernels of the others."""
    return FIRST_KERNEL_UID + secrets.randbelow(1 << 30)


def bwrap_command(input_dir, limits, payload_fd, kernel_uid):
    """The command that runs the runner on ``input_dir`` inside the sandbox."""
    venv, base = Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()
    args = [bwrap_path(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            # POSIX semaphores (multiprocessing, joblib) need a writable /dev/shm; small, like /tmp.
            "--size", str(64 << 20), "--perms", "1777", "--tmpfs", "/dev/shm"]
    for hidden in (*HIDDEN, tempfile.gettempdir(), str(ROOT)):
        if Path(hidden).is_dir():
            args += ["--perms", "0755", "--tmpfs", hidden]
    args += ["--size", str(limits.disk_bytes), "--perms", "01777", "--tmpfs", "/tmp"]
    for path in (base, venv, ROOT / "course_utils", ROOT / "datasets"):
        args += _visible_again(path)
    args += ["--ro-bind", str(input_dir), INSIDE["in"], "--perms", "0777", "--dir", INSIDE["work"]]
    # The kernel's home and the grader's records get their own small file systems, so that a
    # submission that fills /tmp can still start kernels and record later tests.
    args += ["--size", str(32 << 20), "--perms", "0777", "--tmpfs", INSIDE["home"],
             "--size", str(limits.max_output_bytes), "--perms", "0777", "--tmpfs", INSIDE["probes"]]
    env = {
        "PATH": f"{venv}/bin:/usr/bin:/bin", "HOME": INSIDE["home"], "LANG": "C.UTF-8",
        "MPLCONFIGDIR": f"{INSIDE['home']}/.matplotlib", "IPYTHONDIR": f"{INSIDE['home']}/.ipython",
        "JUPYTER_RUNTIME_DIR": f"{INSIDE['home']}/runtime", "TMPDIR": f"{INSIDE['home']}/tmp",
        "PYTHONHASHSEED": "0",
        # The course's own course_utils, whatever the venv's install points at (ROOT itself is
        # hidden; only its course_utils and datasets are bound back).
        "PYTHONPATH": str(ROOT),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0",
        # One compute thread per kernel: parallel graders share the cores instead of fighting over them.
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1",
        "COURSE_PROBE_DIR": INSIDE["probes"], "NBGRADER_EXECUTION": "autograde",
    }
    args += ["--clearenv"] + [a for k, v in env.items() for a in ("--setenv", k, v)]
    args += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--die-with-parent", "--new-session", "--chdir", INSIDE["work"]]
    args += ["prlimit", f"--as={limits.address_space_bytes}", f"--fsize={limits.file_size_bytes}", "--core=0", "--",
             str(venv / "bin" / "python"), f"{INSIDE['in']}/runner.py", f"{INSIDE['in']}/notebook.ipynb",
             "--payload-fd", str(payload_fd), "--plans", f"{INSIDE['in']}/plans",
             "--probe-dir", INSIDE["probes"], "--cell-timeout", str(limits.cell_timeout),
             "--notebook-timeout", str(limits.notebook_timeout),
             "--max-cell-output", str(limits.max_cell_output_bytes),
             "--max-output", str(limits.max_output_bytes),
             "--kernel-uid", str(kernel_uid), "--kernel-processes", str(limits.processes)]
    return args


class CgroupBudget:
    """One cgroup v1 ``memory`` and ``pids`` group for a sandbox, when the machine allows it."""

    def __init__(self, limits):
        self.paths = []
        name = f"course-grader-{uuid.uuid4().hex[:12]}"
        for controller, settings in (("pids", {"pids.max": limits.processes}),
                                     ("memory", {"memory.limit_in_bytes": limits.memory_bytes})):
            parent = _own_cgroup(controller)
            if parent is None:
                continue
            path = parent / name
            try:
                path.mkdir()
            except OSError:
                continue
            try:
                for key, value in settings.items():
                    (path / key).write_text(str(value))
            except OSError:
                path.rmdir()
                continue
            self.paths.append(path)

    def enter(self):
        """Move the calling process (the sandbox, before it execs) into the groups."""
        for path in self.paths:
            (path / "cgroup.procs").write_text(str(os.getpid()))

    def memory_exhausted(self):
        for path in self.paths:
            failures = path / "memory.failcnt"
            if failures.exists() and int(failures.read_text() or 0) > 0:
                return True
        return False

    def close(self):
        for path in self.paths:
            procs = path / "cgroup.procs"
            for pid in (procs.read_text().split() if procs.exists() else []):
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except OSError:
                    threading.Event().wait(0.1)


def _own_cgroup(controller):
    """This process's cgroup directory for a v1 controller, if it exists and is writable."""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controller in controllers.split(","):
                directory = Path("/sys/fs/cgroup") / controller / path.lstrip("/")
                return directory if os.access(directory, os.W_OK) else None
    except OSError:
        return None
    return None


def _read_capped(stream, limit, into):
    """Read up to ``limit`` bytes of ``stream`` into the list ``into``, then None if there was more.

    The rest is read and dropped, so that the writer never blocks on a full pipe."""
    data = stream.read(limit + 1)
    into.append(data[:limit])
    overflow = len(data) > limit
    while stream.read(1 << 16):
        overflow = True
    if overflow:
        into.append(None)


def run_notebook(nb, plans, limits):
    """Execute ``nb`` in the sandbox with ``plans`` ({test_id: plan}) available to the kernel."""
    with tempfile.TemporaryDirectory(prefix="sandbox-in-") as tmp:
        input_dir = Path(tmp)
        (input_dir / "plans").mkdir()
        for test_id, plan in plans.items():
            (input_dir / "plans" / f"{test_id}.plan.json").write_text(json.dumps(plan))
        nbformat.write(nb, input_dir / "notebook.ipynb")
        shutil.copy(RUNNER, input_dir / "runner.py")
        for path in (input_dir, *input_dir.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        read_end, write_end = os.pipe()
        budget = CgroupBudget(limits)
        try:
            process = subprocess.Popen(
                bwrap_command(input_dir, limits, write_end, fresh_uid()), pass_fds=(write_end,), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                preexec_fn=budget.enter)
        except (OSError, subprocess.SubprocessError) as error:
            budget.close()
            os.close(read_end)
            raise SandboxUnavailable(f"could not start bubblewrap: {error}") from None
        finally:
            os.close(write_end)
        payload, stderr = [], []
        readers = [threading.Thread(target=_read_capped, args=(os.fdopen(read_end, "rb"), limits.max_output_bytes * 2, payload)),
                   threading.Thread(target=_read_capped, args=(process.stderr, 20_000, stderr))]
        for reader in readers:
            reader.start()
        try:
            try:
                process.wait(timeout=limits.notebook_timeout + START_UP_SECONDS)
                timed_out = False
            except subprocess.TimeoutExpired:
                timed_out = True
            _kill_group(process)
            for reader in readers:
                reader.join()
            exhausted = budget.memory_exhausted()
        finally:
            budget.close()
    return _parse(payload, stderr, timed_out, limits, exhausted)


def _kill_group(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _parse(payload, stderr, timed_out, limits, exhausted):
    result = RunResult(memory_exhausted=exhausted)
    if timed_out:
        result.failure = f"the notebook ran past the {limits.notebook_timeout:g} s limit for a whole notebook and was stopped"
        return result
    if None in payload:
        result.failure = f"the notebook produced more than {limits.max_output_bytes * 2:,} bytes of output"
        return result
    try:
        data = json.loads(payload[0] or b"null")
        result.notebook = nbformat.from_dict(data["notebook"])
        result.records = data["records"] if isinstance(data["records"], dict) else {}
        result.events = [e for e in data["events"] if isinstance(e, dict)] if isinstance(data["events"], list) else []
    except (ValueError, KeyError, TypeError):
        detail = (stderr[0] or b"").decode(errors="replace").strip().splitlines()
        result.failure = "the notebook could not be executed" + (f" ({detail[-1][:200]})" if detail else "")
    return result
