"""Execute (sandbox): run notebooks with the learner's code in bubblewrap, with limits.

The sandbox sees the system read-only and nothing of the course but the virtual environment,
``course_utils`` and ``datasets``: not the gradebook, ``source/``, ``autograder/``, other
submissions or the grader's files. It has no network but loopback, a private size-capped /tmp,
and each learner's kernel runs as an unprivileged uid of its own, drawn for each notebook, under
rlimits (address space, processes, file size, no core dumps). Where the machine offers cgroup v1
``memory`` and ``pids`` controllers, the whole sandbox also gets one memory and one process
budget, which a fork bomb cannot multiply.

A sandbox is kept warm between notebooks, one per grading thread: the runner inside
(``sandbox_runner.py``) executes one notebook after another, with kernels forked from a zygote
(``sandbox_zygote.py``) that has already imported the course's libraries, and leaves nothing of
one notebook for the next. For each notebook it sends back one frame of JSON through a pipe;
this side reads at most twice ``max_output`` bytes of it (the notebook's output plus the
records) and, after ``notebook_timeout`` and a start-up allowance, kills the sandbox (the next
notebook gets a fresh one). A warm sandbox that fails to answer is replaced and the notebook run
again once in a fresh one, so a broken sandbox never costs a submission its grade.
"""
import collections
import contextlib
import functools
import json
import os
import queue
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from multiprocessing.util import Finalize
from pathlib import Path

import nbformat

from .course import ROOT
from .kernel_libraries import site_packages, visible_entries
from .sandbox_zygote import PRELOADABLE

FIRST_KERNEL_UID = 200_000
SCRIPTS = {"runner.py": Path(__file__).with_name("sandbox_runner.py"),
           "zygote.py": Path(__file__).with_name("sandbox_zygote.py")}
START_UP_SECONDS = 60            # for starting the sandbox and a notebook's first kernel
RESULT_ALLOWANCE_SECONDS = 60    # beyond the notebook's own time limit, for restarts and the result
IMPORTED = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_]\w*)", re.MULTILINE)
SYSTEM = ("/usr", "/etc")                                         # read-only, as on the machine
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")  # links into /usr, or folders
PACKAGE_FOLDERS = {"site-packages", "dist-packages", "python-wheels"}
# What the runner and the zygote need as the sandbox's root, and nothing more: start kernels in
# PID and IPC namespaces (SYS_ADMIN), become their users (SETUID, SETGID), give them their folders
# (CHOWN, FOWNER), clean up after them (KILL, DAC_OVERRIDE) and look at them in /proc (SYS_PTRACE).
RUNNER_CAPABILITIES = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_FOWNER", "CAP_KILL",
                       "CAP_DAC_OVERRIDE", "CAP_SYS_PTRACE")
INSIDE = {"in": "/tmp/in", "work": "/tmp/work", "probes": "/tmp/probes", "home": "/tmp/home"}
OBSERVER_SOCKET = "/tmp/private/observer.sock"   # sandbox_runner.OBSERVER_SOCKET


class SandboxUnavailable(RuntimeError):
    """The sandbox, or a kernel in it, cannot start on this machine: a grader fault, never a
    submission's. The message is one line with the reason (bubblewrap's own, where it gave one)."""


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
    """What came back: the executed notebook, the kernel's records, the runner's events and
    observations, or ``failure`` (one sentence) when no usable payload came back.

    records:      {test_id: record dict} of the records that could be read
    unreadable:   {test_id: why its record could not be read}
    observations: {test_id: {label: [{"event", "t", ...}]}}, what the runner saw (sandbox_runner.Observer)
    resolved:     {dotted name: forbidden name whose object it denotes}, as the sandbox found
    complete:     every name was resolved (not cut short by the resolver's time limit)
    environment:  the failure is the machine's, not the submission's: the sandbox or its first
                  kernel did not start
    """
    notebook: object = None
    records: dict = field(default_factory=dict)
    unreadable: dict = field(default_factory=dict)
    events: list = field(default_factory=list)
    observations: dict = field(default_factory=dict)
    resolved: dict = field(default_factory=dict)
    complete: bool = False
    failure: str = ""
    environment: bool = False
    memory_exhausted: bool = False
    timed_out: bool = False
    overflow: bool = False


def bwrap_path():
    path = shutil.which("bwrap")
    if not path:
        raise SandboxUnavailable("bubblewrap (bwrap) is not installed: `make sandbox-tools` installs it "
                                 "(apt-get install bubblewrap)")
    return path


NAMESPACES_HINT = ("this machine does not let bubblewrap create the namespaces the sandbox needs (typical inside "
                   "Docker): allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or "
                   "user.max_user_namespaces > 0), or run the container with --privileged or a seccomp profile "
                   "that allows unshare")


def check_sandbox():
    """Raise SandboxUnavailable, with bubblewrap's reason and what to do, unless a sandbox with the
    grader's namespaces can start here (the same flags as bwrap_command, running /bin/true)."""
    try:
        done = subprocess.run([bwrap_path(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                               "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                               "--unshare-cgroup-try", "--die-with-parent", "--new-session", "true"],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        raise SandboxUnavailable(f"the sandbox cannot start on this machine: {error}") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"bwrap exited with status {done.returncode}"])[-1][:200]
        hint = f"; {NAMESPACES_HINT}" if re.search(r"namespace|not permitted|permission", reason, re.I) else ""
        raise SandboxUnavailable(f"the sandbox cannot start on this machine: {reason}{hint}")


@functools.lru_cache(maxsize=None)
def python_package_dirs():
    """Folders of the system's own Python packages under /usr (dist-packages, site-packages, the
    bundled wheels), which the sandbox empties: the kernel must find no library there."""
    found = []
    for folder, subfolders, _ in os.walk("/usr"):
        for name in list(subfolders):
            if name in PACKAGE_FOLDERS:
                found.append(os.path.join(folder, name))
                subfolders.remove(name)
    return tuple(sorted(found))


def file_system(venv, base, libraries):
    """bwrap arguments for the sandbox's file system, built up from nothing: the system (/usr,
    /etc), without its Python packages; the interpreter, without its site-packages; the virtual
    environment with only the site-packages entries in ``libraries``; course_utils and datasets."""
    args = []
    for path in SYSTEM:
        args += ["--ro-bind", path, path]
    for path in SYSTEM_LINKS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in python_package_dirs():
        args += ["--tmpfs", path]
    args += ["--ro-bind", "/sys", "/sys", "--tmpfs", "/sys/fs/cgroup"]  # no view of other sandboxes' groups
    base_site = base / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    args += [*_bind(base), "--tmpfs", str(base_site), *_bind(venv)]
    site = site_packages()
    args += ["--perms", "0755", "--tmpfs", str(site)]
    for entry in libraries:
        args += ["--ro-bind", str(site / entry), str(site / entry)]
    args += ["--remount-ro", str(site)]
    for path in (ROOT / "course_utils", ROOT / "datasets"):
        args += _bind(path)
    return args


def _bind(path):
    """bwrap arguments that show ``path`` read-only, with its parents traversable (bubblewrap makes
    missing parents private to root)."""
    parts = Path(path).parts
    parents = [a for depth in range(2, len(parts)) for a in ("--perms", "0755", "--dir", str(Path(*parts[:depth])))]
    return [*parents, "--ro-bind", str(path), str(path)]


def fresh_uid():
    """A uid that no account uses, drawn anew for each run. Per-user limits such as RLIMIT_NPROC
    count every process of a uid on the machine, so sandboxes running side by side must not share
    one: a fork bomb in one submission would otherwise starve the kernels of the others."""
    return FIRST_KERNEL_UID + secrets.randbelow(1 << 30)


def bwrap_command(jobs_dir, limits, payload_fd, libraries):
    """The command that starts the runner inside the sandbox, serving the notebooks put in
    ``jobs_dir`` (read-only inside, with the runner's and the zygote's scripts). Of the virtual
    environment's site-packages only the entries named in ``libraries`` are there."""
    venv, base = Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()
    args = [bwrap_path(), *file_system(venv, base, libraries), "--dev", "/dev", "--proc", "/proc",
            # POSIX semaphores (multiprocessing, joblib) need a writable /dev/shm; small, like /tmp.
            "--size", str(64 << 20), "--perms", "1777", "--tmpfs", "/dev/shm",
            "--size", str(limits.disk_bytes), "--perms", "01777", "--tmpfs", "/tmp"]
    # The kernel's working directory, its home and the records are given to each notebook's
    # kernel user by the runner. The home and the records get their own small file systems, so
    # that a submission that fills /tmp can still start kernels and record later tests.
    args += ["--ro-bind", str(jobs_dir), INSIDE["in"], "--perms", "0700", "--dir", INSIDE["work"]]
    args += ["--size", str(32 << 20), "--perms", "0700", "--tmpfs", INSIDE["home"],
             "--size", str(limits.max_output_bytes), "--perms", "0700", "--tmpfs", INSIDE["probes"]]
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
        "COURSE_PROBE_DIR": INSIDE["probes"], "COURSE_OBSERVER_SOCKET": OBSERVER_SOCKET,
        "NBGRADER_EXECUTION": "autograde",
    }
    args += ["--clearenv"] + [a for k, v in env.items() for a in ("--setenv", k, v)]
    args += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--die-with-parent", "--new-session", "--chdir", INSIDE["work"]]
    args += ["--cap-drop", "ALL"] + [a for cap in RUNNER_CAPABILITIES for a in ("--cap-add", cap)]
    args += ["prlimit", f"--as={limits.address_space_bytes}", f"--fsize={limits.file_size_bytes}", "--core=0", "--",
             str(venv / "bin" / "python"), f"{INSIDE['in']}/runner.py", "--payload-fd", str(payload_fd),
             "--probe-dir", INSIDE["probes"], "--zygote", f"{INSIDE['in']}/zygote.py"]
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

    def memory_used(self):
        """Bytes of memory the sandbox holds now (0 where the machine gives it no memory group)."""
        usage = [path / "memory.usage_in_bytes" for path in self.paths]
        return sum(int(f.read_text() or 0) for f in usage if f.exists())

    def memory_failures(self):
        """How many times the sandbox has hit its memory limit so far."""
        failures = [path / "memory.failcnt" for path in self.paths]
        return sum(int(f.read_text() or 0) for f in failures if f.exists())

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


def preload_for(nb):
    """The heavy libraries ``nb`` imports, which the zygote may import before its kernel starts."""
    code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    return sorted(set(IMPORTED.findall(code)) & set(PRELOADABLE))


_warm = threading.local()   # .sandboxes: this thread's warm sandboxes, {libraries: Sandbox}, oldest first
WARM_PER_THREAD = 2          # one for the numpy assignments, one for the TensorFlow ones


def warm_sandbox(libraries=None):
    """This thread's warm sandbox for ``libraries`` (default: visible_entries()), or None."""
    return getattr(_warm, "sandboxes", {}).get(tuple(libraries or visible_entries()))


def run_notebook(nb, plans, limits, libraries=None, resolve=None):
    """Execute ``nb`` in this thread's warm sandbox for ``libraries`` (the site-packages entries the
    kernel may see, kernel_libraries.visible_entries; by default those of course_utils alone) with
    ``plans`` ({test_id: plan}) available to the kernel; return a RunResult. ``resolve`` is
    {"names": [...], "targets": [...]}: dotted names of the notebook for the sandbox to resolve
    (RunResult.resolved, for the shortcut scan).

    A sandbox with other limits is replaced; one that fails is discarded, and if it was a warm one
    that failed for a reason other than the notebook's time or output, the notebook is run once
    more in a fresh sandbox. Raises SandboxUnavailable when a fresh sandbox, or its first kernel,
    cannot start: that is the machine's fault, so it must never become the submission's score."""
    libraries = tuple(libraries or visible_entries())
    warm = _warm.__dict__.setdefault("sandboxes", collections.OrderedDict())
    sandbox = warm.pop(libraries, None)
    if sandbox is not None and (sandbox.limits != limits or not sandbox.alive() or sandbox.holds_memory()):
        sandbox.close()
        sandbox = None
    reused = sandbox is not None
    if not reused:
        sandbox = Sandbox(limits, libraries)
        while len(warm) >= WARM_PER_THREAD:
            warm.popitem(last=False)[1].close()
    result = sandbox.run(nb, plans, resolve or {"names": [], "targets": []})
    if result.failure:
        sandbox.close()
        if reused and not (result.timed_out or result.overflow):
            return run_notebook(nb, plans, limits, libraries, resolve)
        if result.environment:
            raise SandboxUnavailable(result.failure)
        return result
    warm[libraries] = sandbox
    return result


class Sandbox:
    """One bubblewrap sandbox that runs notebooks one after another (see the module's doc)."""

    def __init__(self, limits, libraries):
        self.limits = limits
        self.jobs = Path(tempfile.mkdtemp(prefix="sandbox-jobs-"))
        self.jobs.chmod(0o755)
        for name, script in SCRIPTS.items():
            shutil.copy(script, self.jobs / name)
            (self.jobs / name).chmod(0o644)
        read_end, write_end = os.pipe()
        self.budget = CgroupBudget(limits)
        self.process, self.served = None, 0
        self._finalizer = Finalize(self, Sandbox._stop, args=(self.__dict__,), exitpriority=10)
        try:
            self.process = subprocess.Popen(
                bwrap_command(self.jobs, limits, write_end, libraries), pass_fds=(write_end,), stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, preexec_fn=self.budget.enter)
        except (OSError, subprocess.SubprocessError) as error:
            os.close(read_end)
            self.close()
            raise SandboxUnavailable(f"could not start bubblewrap: {error}") from None
        finally:
            os.close(write_end)
        self.frames, self.stderr = queue.Queue(), collections.deque(maxlen=20)
        threading.Thread(target=_read_frames, args=(os.fdopen(read_end, "rb"), limits.max_output_bytes * 2, self.frames),
                         daemon=True).start()
        self.stderr_reader = threading.Thread(target=_read_lines, args=(self.process.stderr, self.stderr), daemon=True)
        self.stderr_reader.start()

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def holds_memory(self):
        """True when, between two notebooks, the sandbox still holds more than half its memory
        budget: something of the last notebook outlived it, so the next must not inherit it."""
        return self.budget.memory_used() > self.limits.memory_bytes // 2

    def run(self, nb, plans, resolve):
        """Execute ``nb`` with ``plans``, resolving ``resolve``'s names; return a RunResult. After a
        failure the sandbox must be closed."""
        job = self.jobs / uuid.uuid4().hex
        (job / "plans").mkdir(parents=True)
        for test_id, plan in plans.items():
            (job / "plans" / f"{test_id}.plan.json").write_text(json.dumps(plan))
        (job / "resolve.json").write_text(json.dumps(resolve))
        nbformat.write(nb, job / "notebook.ipynb")
        for path in (job, *job.rglob("*")):  # the runner's alone: no kernel may read another's notebook
            path.chmod(0o700 if path.is_dir() else 0o600)
        limits = self.limits
        request = {"job": f"{INSIDE['in']}/{job.name}", "kernel_uid": fresh_uid(), "kernel_processes": limits.processes,
                   "cell_timeout": limits.cell_timeout, "notebook_timeout": limits.notebook_timeout,
                   "max_cell_output": limits.max_cell_output_bytes, "max_output": limits.max_output_bytes,
                   "preload": preload_for(nb)}
        failures_before = self.budget.memory_failures()
        if self.served:
            self.stderr.clear()  # the last notebook's lines; a fresh sandbox keeps what it said starting up
        self.served += 1
        try:
            try:
                self.process.stdin.write((json.dumps(request) + "\n").encode())
                self.process.stdin.flush()
            except (OSError, ValueError):
                pass  # the runner is gone: its end of the frames says so
            status = self._next_frame(START_UP_SECONDS)
            frame = (self._next_frame(limits.notebook_timeout + RESULT_ALLOWANCE_SECONDS) if isinstance(status, dict)
                     else status)
        finally:
            shutil.rmtree(job, ignore_errors=True)
        if not isinstance(status, dict) or status.get("kind") != "status":
            return self._start_failure(status)
        if status.get("kernel") != "started":
            said = [line for line in self.stderr if line]
            return RunResult(environment=True, failure=f"no kernel could be started in the sandbox "
                                                       f"({str(status.get('detail'))[:200]}"
                                                       f"{'; ' + said[-1][:200] if said else ''})")
        exhausted = self.budget.memory_failures() > failures_before
        return _parse(frame, list(self.stderr), limits, exhausted)

    def _next_frame(self, timeout):
        """The next frame, parsed (a dict), or EOF, TIMED_OUT or OVERFLOW."""
        try:
            frame = self.frames.get(timeout=timeout)
        except queue.Empty:
            return TIMED_OUT
        if not isinstance(frame, bytes):
            return frame
        try:
            data = json.loads(frame)
        except (ValueError, RecursionError):
            return EOF
        return data if isinstance(data, dict) else EOF

    def _start_failure(self, frame):
        """The RunResult of a sandbox that died, or hung, before its first kernel started."""
        if frame == TIMED_OUT:
            reason = f"it did not start a kernel within {START_UP_SECONDS} s"
        else:
            self.process.wait()  # the runner is gone: collect bubblewrap's last words
            self.stderr_reader.join(timeout=5)
            detail = [line for line in self.stderr if line]
            reason = detail[-1][:200] if detail else f"it exited with status {self.process.returncode}"
        return RunResult(environment=True, failure=f"the sandbox could not start: {reason}")

    def close(self):
        self._finalizer()

    @staticmethod
    def _stop(state):
        """Kill the sandbox and remove what it used (also run at exit, from a Finalize)."""
        process = state.get("process")
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
            with contextlib.suppress(OSError):  # a request the dead runner never read
                process.stdin.close()
        state["budget"].close()
        shutil.rmtree(state["jobs"], ignore_errors=True)


EOF, TIMED_OUT, OVERFLOW = "eof", "timed out", "overflow"


def _read_frames(stream, limit, frames):
    """Put each frame the runner writes on ``frames`` (OVERFLOW for one over ``limit`` bytes, which
    is read and dropped), then EOF."""
    with stream:
        while True:
            header = stream.read(8)
            if len(header) < 8:
                frames.put(EOF)
                return
            size = int.from_bytes(header, "big")
            if size > limit:
                while size > 0:
                    chunk = stream.read(min(size, 1 << 16))
                    if not chunk:
                        break
                    size -= len(chunk)
                frames.put(OVERFLOW)
                continue
            frames.put(stream.read(size))


def _read_lines(stream, lines):
    """Keep the last lines the sandbox writes to stderr (for a one-line failure detail)."""
    with stream:
        for line in stream:
            lines.append(line[:300].decode(errors="replace").strip())


def _parse(frame, stderr, limits, exhausted):
    result = RunResult(memory_exhausted=exhausted)
    if frame == TIMED_OUT:
        result.timed_out = True
        result.failure = f"the notebook ran past the {limits.notebook_timeout:g} s limit for a whole notebook and was stopped"
        return result
    if frame == OVERFLOW:
        result.overflow = True
        result.failure = f"the notebook produced more than {limits.max_output_bytes * 2:,} bytes of output"
        return result
    try:
        if frame.get("kind") != "result":
            raise ValueError("not a result")
        result.notebook = nbformat.from_dict(frame["notebook"])
        records = frame["records"] if isinstance(frame["records"], dict) else {}
        result.events = [e for e in frame["events"] if isinstance(e, dict)] if isinstance(frame["events"], list) else []
        observations, resolution = frame.get("observations"), frame.get("resolution")
        result.observations = observations if isinstance(observations, dict) else {}
        resolved = resolution.get("resolved") if isinstance(resolution, dict) else None
        result.resolved = {k: v for k, v in resolved.items() if isinstance(v, str)} if isinstance(resolved, dict) else {}
        result.complete = isinstance(resolution, dict) and resolution.get("complete") is True
    except (ValueError, KeyError, TypeError, AttributeError):
        detail = [line for line in stderr if line]
        result.failure = "the notebook could not be executed" + (f" ({detail[-1][:200]})" if detail else "")
        return result
    for test_id, text in records.items():
        try:
            record = json.loads(text)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
            result.records[test_id] = record
        except (ValueError, TypeError, RecursionError) as error:
            result.unreadable[test_id] = "nested too deeply" if isinstance(error, RecursionError) else "not valid JSON"
    return result
