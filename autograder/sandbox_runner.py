"""Runs inside the sandbox, as a standalone script: execute notebooks cell by cell with nbclient.

    python sandbox_runner.py --payload-fd FD --probe-dir DIR --zygote ZYGOTE.py

It serves one notebook after another. Each request is one JSON line on stdin:

    {"job": DIR, "kernel_uid": UID, "kernel_processes": N, "cell_timeout": S, "notebook_timeout": S,
     "max_cell_output": BYTES, "max_output": BYTES, "preload": [module, ...]}

where DIR holds ``notebook.ipynb``, the grader's ``plans/``, and ``resolve.json``, the dotted names
of the notebook for the zygote to resolve before the kernel starts (the shortcut scan). For each request it writes two
frames to file descriptor FD (each an 8-byte big-endian length, then that much JSON): a status
frame once the notebook's first kernel has started, or failed to start,

    {"kind": "status", "kernel": "started" | "failed", "detail": one line}

then the result:

    {"kind": "result", "notebook": executed notebook, "records": {test_id: record text},
     "events": [event, ...], "observations": {test_id: {label: [observation, ...]}},
     "resolution": {"resolved": {dotted name: forbidden name whose object it denotes}, "complete": bool}}

An event says which cell hit which limit: {"cell": index, "kind": "timeout" | "unresponsive" |
"died" | "output" | "not_run" | "no_kernel", "limit": number}. When a cell runs past its time
limit the kernel is interrupted; if it does not answer within a grace period (a loop that
swallows KeyboardInterrupt), or if the kernel dies (os._exit, a signal, the memory limit), a new
kernel is started and the cells that had run before are run again, so later cells can still be
graded. A test's record is taken when its test cell finishes (or, for a test no test cell
recorded, after the grader's final sweep, the last cell), so nothing the kernel writes later
changes it. Records are passed on as the text the kernel wrote; the grader parses each one
alone, so a malformed record costs only its own test.

Observations are what this runner saw of the kernel when one of the grader's drivers asked it
to look (``Observer``): its own clock, whether a file was open in any of the kernel's
processes, how many bytes the asking process had read. The kernel chooses when to ask, but what
is seen is read from /proc here, out of the learner's reach.

Kernels are forked by the zygote (``sandbox_zygote.py``), which has the course's libraries
already imported, each in a PID namespace of its own. The runner and the zygote run as the
sandbox's root (the sandbox has no network, a read-only system and none of the course's private
files); only the kernel, which runs the learner's code, runs as an unprivileged user of its own
for each notebook, with a process limit, so it cannot signal the runner or the zygote or reach
their pipes. The notebook and the plans are readable by root only, and the kernel's writable
places belong to the kernel's user alone. After each notebook its namespaces are killed whole,
then every process of its user, and every writable place is emptied, so nothing of one
submission is left for the next.

Nothing here is trusted: the grader treats the payload as data. This file imports nothing from
the autograder package, which the sandbox does not contain.
"""
import argparse
import asyncio
import copy
import json
import math
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError

GRACE_SECONDS = 5
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]
KERNEL_LAUNCHER = ["-m", "ipykernel_launcher"]
PRIVATE_HOME = Path("/tmp/private")   # the runner's and the zygote's own files; read-only to kernels
OBSERVER_SOCKET = PRIVATE_HOME / "observer.sock"
MAX_OUTPUT_DEPTH = 64                 # nesting of an output's JSON, deeper ones are dropped
MAX_OBSERVATIONS = 20_000             # per notebook
KEPT_IN_TMP = {"in", "work", "probes", "home", PRIVATE_HOME.name}   # mount points and the private home
# The sandbox's environment is made for the kernels. The runner and the zygote keep their own files
# (connection files, IPython's and matplotlib's caches) out of the kernels' writable places, where
# they would be left owned by root.
KERNEL_ENV = dict(os.environ)
PRIVATE_ENV = {"HOME": str(PRIVATE_HOME), "TMPDIR": str(PRIVATE_HOME / "tmp"),
               "IPYTHONDIR": str(PRIVATE_HOME / "ipython"), "MPLCONFIGDIR": str(PRIVATE_HOME / "matplotlib"),
               "JUPYTER_RUNTIME_DIR": str(PRIVATE_HOME / "runtime")}


class Zygote:
    """The zygote process and its request/answer pipes."""

    def __init__(self, script):
        self.process = subprocess.Popen([sys.executable, script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        cwd=PRIVATE_HOME, text=True)

    def fork_kernel(self, **request):
        """Ask for a kernel; return (its pid, the pid of its namespace's init). Raises RuntimeError
        if the zygote cannot fork one."""
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            answer = json.loads(self.process.stdout.readline() or "null")
        except (OSError, ValueError) as error:
            raise RuntimeError(f"the kernel zygote is gone ({error})") from None
        if not isinstance(answer, dict) or not all(isinstance(answer.get(k), int) for k in ("pid", "init")):
            raise RuntimeError(f"the kernel zygote could not fork a kernel ({answer})")
        return answer["pid"], answer["init"]


    def resolve(self, names, targets, preload, uid):
        """{"resolved": {name: target}, "complete": bool} for the dotted names that denote a target
        object (see the zygote's doc)."""
        try:
            self.process.stdin.write(json.dumps({"resolve": {"names": names, "targets": targets},
                                                 "preload": preload, "uid": uid}) + "\n")
            self.process.stdin.flush()
            answer = json.loads(self.process.stdout.readline() or "null")
        except (OSError, ValueError):
            answer = None
        return answer if isinstance(answer, dict) else {"resolved": {}, "complete": False}


class ForkedKernel:
    """The part of subprocess.Popen's interface that jupyter_client uses, for a kernel that the
    zygote forked (a process this runner did not start and cannot wait for). Killing it kills its
    namespace's init, and with it every process the kernel started."""

    stdin = stdout = stderr = None

    def __init__(self, pid, init):
        self.pid, self.init, self.returncode = pid, init, None

    def poll(self):
        if self.returncode is None and not (alive(self.pid) and alive(self.init)):
            self.returncode = -signal.SIGKILL
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("kernel", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum):
        _signal(self.pid, signum)

    def kill(self):
        _signal(self.init, signal.SIGKILL)
        _signal(self.pid, signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


def _signal(pid, signum):
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def alive(pid):
    """True while any thread of process ``pid`` runs. A process whose main thread has exited shows
    as a zombie ("Z") in /proc/PID/stat while its other threads go on, so every thread is looked at."""
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for thread in threads:
        try:
            state = Path(f"/proc/{pid}/task/{thread}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            return True
    return False


class ForkedKernelManager(AsyncKernelManager):
    """Gets its kernels from the zygote, as ``kernel_uid`` under a process limit."""

    zygote = None            # set for the runner
    kernel_uid = None        # set for each notebook
    kernel_processes = None  # set for each notebook
    preload = ()             # set for each notebook
    namespaces = []          # the inits of the notebook's kernels, killed when it is done
    observer = None          # the Observer, told which process is the kernel

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if kernel_cmd[1:3] != KERNEL_LAUNCHER:
            raise RuntimeError(f"unexpected kernel command {kernel_cmd[:3]}")
        pid, init = self.zygote.fork_kernel(preload=list(self.preload), argv=kernel_cmd[3:],
                                            env={**(kw.get("env") or {}), **{k: KERNEL_ENV[k] for k in PRIVATE_ENV}},
                                            cwd=str(kw.get("cwd") or os.getcwd()),
                                            uid=self.kernel_uid, processes=self.kernel_processes)
        ForkedKernelManager.namespaces.append(init)
        ForkedKernelManager.observer.serve_kernel(pid)
        self.provisioner.process = ForkedKernel(pid, init)
        self.provisioner.pid = self.provisioner.pgid = pid  # the kernel leads a session of its own
        self._reconcile_connection_info(self.provisioner.connection_info)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        os.chmod(os.path.dirname(self.connection_file), 0o711)
        os.chown(self.connection_file, self.kernel_uid, self.kernel_uid)


class CappedClient(NotebookClient):
    """A NotebookClient that drops output beyond a per-cell and a total byte budget."""

    def __init__(self, nb, max_cell_output, max_output, **kwargs):
        super().__init__(nb, **kwargs)
        self.max_cell_output, self.max_output = max_cell_output, max_output
        self.cell_bytes, self.total_bytes, self.truncated = {}, 0, set()

    replaying = False  # replayed cells already had their output counted

    def output(self, outs, msg, display_id, cell_index):
        if self.replaying:
            return super().output(outs, msg, display_id, cell_index)
        size = len(json.dumps(msg.get("content", {})))
        self.cell_bytes[cell_index] = self.cell_bytes.get(cell_index, 0) + size
        self.total_bytes += size
        if self.cell_bytes[cell_index] > self.max_cell_output or self.total_bytes > self.max_output:
            self.truncated.add(cell_index)
            return None
        if not shallow(msg.get("content", {}), MAX_OUTPUT_DEPTH):
            return None  # it could not be written back as JSON
        return super().output(outs, msg, display_id, cell_index)


def shallow(value, limit):
    """True when ``value`` (parsed JSON) nests at most ``limit`` levels deep."""
    level, current = 0, [value]
    while current:
        level += 1
        if level > limit:
            return False
        current = [v for item in current if isinstance(item, (dict, list))
                   for v in (item.values() if isinstance(item, dict) else item)]
    return True


async def cancel_leftover_tasks():
    """Cancel the tasks a failed cell left behind. On a timeout nbclient keeps that cell's output
    poller running, and it would swallow the output of every later cell."""
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def run_cell(client, cell, index, timeout):
    """Execute one cell; return None, or the kind of limit it hit and whether the kernel survived."""
    client.timeout = max(1, math.ceil(timeout))  # nbclient takes whole seconds
    try:
        await client.async_execute_cell(cell, index)
        return None, True
    except CellTimeoutError:
        await cancel_leftover_tasks()
        await client.km.interrupt_kernel()
        check = nbformat.v4.new_code_cell("pass")
        try:
            client.timeout = GRACE_SECONDS
            await client.async_execute_cell(check, index)
            return "timeout", True
        except Exception:  # noqa: BLE001 - any failure here means the kernel must go
            await cancel_leftover_tasks()
            return "unresponsive", False
    except Exception:  # noqa: BLE001 - DeadKernelError, or messages garbled by a forked kernel
        await cancel_leftover_tasks()
        return "died", False


def kill_strays(kernel_uid, keep=None):
    """Kill every process of the kernel's user except the kernel ``keep``, and wait until they
    are gone, so that forks left by a cell neither outlive it nor hold the process budget."""
    for _ in range(50):
        strays = [pid for pid in _pids_of(kernel_uid) if pid != keep]
        if not strays:
            return
        for pid in strays:
            _signal(pid, signal.SIGKILL)
        time.sleep(0.1)


def kill_namespaces():
    """Kill the init of every kernel namespace the notebook had, which ends every process in them."""
    for init in ForkedKernelManager.namespaces:
        _signal(init, signal.SIGKILL)
    for init in ForkedKernelManager.namespaces:
        for _ in range(50):
            if not alive(init):
                break
            time.sleep(0.02)
    ForkedKernelManager.namespaces = []


def fresh_scratch():
    """Empty the kernel's working directory and home (a restart replays what made them), and
    recreate TMPDIR, so that a kernel that filled its disk does not stop the next one starting."""
    for directory in (Path.cwd(), Path(KERNEL_ENV["HOME"])):
        empty(directory)
    tmpdir = Path(KERNEL_ENV["TMPDIR"])
    tmpdir.mkdir(mode=0o700, exist_ok=True)
    os.chown(tmpdir, ForkedKernelManager.kernel_uid, ForkedKernelManager.kernel_uid)


def empty(directory, keep=()):
    for entry in directory.iterdir():
        if entry.name in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def between_notebooks(kernel_uid, probe_dir):
    """Leave nothing of one notebook for the next: no process (its kernels' namespaces, then any
    process of its kernel's user), and nothing in any place a kernel can write (its scratch space
    and home, /tmp, /dev/shm, the records)."""
    kill_namespaces()
    kill_strays(kernel_uid)
    empty(Path.cwd())
    empty(Path(KERNEL_ENV["HOME"]))
    empty(Path("/tmp"), keep=KEPT_IN_TMP)
    empty(Path("/dev/shm"))
    empty(Path(probe_dir))


def give_to(kernel_uid, probe_dir):
    """Make the kernel's writable places (working directory, home, records) its user's alone."""
    for directory in (Path.cwd(), Path(KERNEL_ENV["HOME"]), Path(probe_dir)):
        os.chown(directory, kernel_uid, kernel_uid)
        os.chmod(directory, 0o700)


def _pids_of(uid):
    """The processes of ``uid`` that still run a thread (zombie leaders with live threads included)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields.get("Uid", "").split()[:1] == [str(uid)] and alive(int(entry.name)):
                pids.append(int(entry.name))
    return pids


def kernel_pid(client):
    process = getattr(client.km.provisioner, "process", None)
    return getattr(process, "pid", None)


class NotebookRun:
    """One notebook's execution: the client, the cells still to run, the survivors to replay after a
    restart, and the limit events. ``report`` is called once, with "started" or "failed" and a
    detail, when the first kernel has started or could not be started."""

    def __init__(self, nb, job, report, probe_dir):
        self.nb, self.job, self.report, self.probe_dir = nb, job, report, Path(probe_dir)
        self.tests = {path.name[: -len(".plan.json")] for path in self.probe_dir.glob("*.plan.json")}
        self.sealed = {}  # {test_id: record text}, taken when its test cell finished
        self.client = CappedClient(
            nb, job.max_cell_output, job.max_output, timeout=job.cell_timeout, allow_errors=True,
            interrupt_on_timeout=False, kernel_name="python3", shutdown_kernel="immediate",
            extra_arguments=KERNEL_ARGUMENTS, resources={"metadata": {"path": os.getcwd()}},
            raise_on_iopub_timeout=False, iopub_timeout=10, kernel_manager_class=ForkedKernelManager)
        self.deadline = time.monotonic() + job.notebook_timeout
        self.code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
        self.survivors, self.events, self.position = [], [], 0

    async def execute(self):
        """Run every code cell, restarting the kernel where a cell broke it; return the events."""
        if not self.code:
            self.report("started", "")
        while self.position < len(self.code):
            if self.position:  # a restart: nothing of the old kernel may linger
                kill_namespaces()
                kill_strays(self.job.kernel_uid)
                fresh_scratch()
            try:
                await self.run_until_restart()
            except Exception as error:  # noqa: BLE001 - no kernel could be started: report the rest as not run
                detail = f"{type(error).__name__}: {error}"[:300]
                self.report("failed", detail)
                self.events += [{"cell": index, "kind": "no_kernel", "detail": detail}
                                for index in self.code[self.position:]]
                break
        for index in sorted(self.client.truncated):
            self.events.append({"cell": index, "kind": "output", "limit": self.job.max_cell_output})
        return self.events

    async def run_until_restart(self):
        """Start a kernel, replay the survivors, and run cells until one needs a restart or all have run."""
        client, job = self.client, self.job
        async with client.async_setup_kernel():
            self.report("started", "")
            client.replaying = True
            for index in self.survivors:  # after a restart: rebuild the state the later cells need
                left = self.deadline - time.monotonic()
                if left <= 1:
                    break
                await run_cell(client, copy.deepcopy(self.nb.cells[index]), index, min(job.cell_timeout, left))
            client.replaying = False
            while self.position < len(self.code):
                index = self.code[self.position]
                self.position += 1
                left = self.deadline - time.monotonic()
                if left <= 1:
                    self.events += [{"cell": i, "kind": "not_run", "limit": job.notebook_timeout}
                                    for i in self.code[self.position - 1:]]
                    self.position = len(self.code)
                    return
                kind, kernel_alive = await run_cell(client, self.nb.cells[index], index, min(job.cell_timeout, left))
                kill_strays(job.kernel_uid, keep=kernel_pid(client) if kernel_alive else None)
                self.seal(index)
                if kind is None:
                    self.survivors.append(index)
                    continue
                self.events.append({"cell": index, "kind": kind, "limit": job.cell_timeout})
                if not kernel_alive:
                    return


    def seal(self, index):
        """Take the records that cell ``index`` was there to make, as they are now; nothing the
        kernel writes later changes them. A test cell makes its own test's record; the last cell
        (the grader's final sweep) makes those that no test cell made, or made before the
        function existed."""
        if index == len(self.nb.cells) - 1:
            for test_id in self.tests:
                if test_id not in self.sealed or '"missing"' in self.sealed[test_id]:
                    self._take(test_id)
            return
        test_id = self.nb.cells[index].get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if test_id in self.tests and test_id not in self.sealed:
            self._take(test_id)

    def _take(self, test_id):
        text = read_record(self.probe_dir / f"{test_id}.record.json", self.job.max_output)
        if text is not None:
            self.sealed[test_id] = text


def read_record(path, max_bytes):
    """The text of a record file the kernel wrote (at most ``max_bytes``), or None; the grader
    parses it."""
    try:
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= max_bytes:
            return path.read_bytes().decode(errors="replace")
    except OSError:
        pass
    return None


class Observer:
    """Serves the grader's drivers in the kernel, on a Unix socket: each request (one JSON line,
    {"test", "label", "event", "path"?, "io"?}) is answered once this runner has noted, with its own
    clock, what /proc shows of the kernel's user at that moment. Only the current kernel's user
    is served, and only its kernel process (threads included), known from the socket
    (SO_PEERCRED); the notes go to the grader in the result frame."""

    def __init__(self, path):
        self.kernel_uid, self.kernel_pid, self.seen, self.count, self.lock = None, None, {}, 0, threading.Lock()
        path.unlink(missing_ok=True)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        os.chmod(path, 0o666)
        self.server.listen(16)
        threading.Thread(target=self._serve, daemon=True).start()

    def start(self, kernel_uid):
        with self.lock:
            self.kernel_uid, self.kernel_pid, self.seen, self.count = kernel_uid, None, {}, 0

    def serve_kernel(self, pid):
        """From now on, answer only the kernel process ``pid`` (a restart starts a new kernel)."""
        with self.lock:
            self.kernel_pid = pid

    def notes(self):
        with self.lock:
            return self.seen

    def _serve(self):
        while True:
            connection, _ = self.server.accept()
            with connection:
                try:
                    connection.settimeout(2)
                    self._answer(connection)
                except Exception:  # noqa: BLE001 - whatever the kernel sends, the observer goes on
                    pass

    def _answer(self, connection):
        pid, uid, _ = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                struct.calcsize("3i")))
        request = json.loads(connection.recv(4096).split(b"\n")[0])
        note = {"event": str(request.get("event"))[:100], "t": time.monotonic()}
        if isinstance(request.get("path"), str):
            note["open"] = path_is_open(uid, request["path"])
        if request.get("io"):
            note["read_bytes"] = bytes_read(pid)
        with self.lock:
            if uid != self.kernel_uid or pid != self.kernel_pid or self.count >= MAX_OBSERVATIONS:
                return
            self.count += 1
            test = self.seen.setdefault(str(request.get("test"))[:100], {})
            test.setdefault(str(request.get("label"))[:100], []).append(note)
        connection.sendall(b"ok\n")


def path_is_open(uid, path):
    """True when any process of ``uid`` holds a file descriptor on ``path``."""
    target = os.path.realpath(path)
    for pid in _pids_of(uid):
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in descriptors:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return True
            except OSError:
                continue
    return False


def bytes_read(pid):
    """Bytes process ``pid`` has read through read system calls so far (rchar in /proc/PID/io)."""
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def run_job(job, probe_dir, observer, send):
    """Execute the notebook in ``job`` (the request, as attributes), sending its status and result frames."""
    ForkedKernelManager.kernel_uid = job.kernel_uid
    ForkedKernelManager.kernel_processes = job.kernel_processes
    ForkedKernelManager.preload = job.preload
    give_to(job.kernel_uid, probe_dir)
    fresh_scratch()
    for plan in Path(job.job, "plans").glob("*.plan.json"):
        shutil.copyfile(plan, Path(probe_dir) / plan.name)
        os.chmod(Path(probe_dir) / plan.name, 0o444)
    observer.start(job.kernel_uid)
    reported = []

    def report(kernel, detail):
        if not reported:
            reported.append(kernel)
            send({"kind": "status", "kernel": kernel, "detail": detail})

    nb = nbformat.read(Path(job.job, "notebook.ipynb"), as_version=4)
    names = json.loads(Path(job.job, "resolve.json").read_text())
    resolution = ForkedKernelManager.zygote.resolve(names["names"], names["targets"], job.preload, job.kernel_uid)
    kill_strays(job.kernel_uid)
    run = NotebookRun(nb, job, report, probe_dir)
    events = asyncio.run(run.execute())
    send({"kind": "result", "notebook": nb, "records": run.sealed, "events": events,
          "observations": observer.notes(), "resolution": resolution})


def write_frame(stream, payload):
    data = json.dumps(payload).encode()
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--payload-fd", type=int, required=True)
    parser.add_argument("--probe-dir", required=True, help="writable directory the kernel records into")
    parser.add_argument("--zygote", required=True, help="the zygote script")
    args = parser.parse_args()
    payload = os.fdopen(args.payload_fd, "wb")
    for name in ("", "tmp"):
        (PRIVATE_HOME / name).mkdir(mode=0o755, exist_ok=True)
    os.environ.update(PRIVATE_ENV)
    ForkedKernelManager.zygote = Zygote(args.zygote)
    observer = ForkedKernelManager.observer = Observer(OBSERVER_SOCKET)
    for line in sys.stdin:
        job = argparse.Namespace(**json.loads(line))
        try:
            run_job(job, args.probe_dir, observer, lambda frame: write_frame(payload, frame))
        finally:
            between_notebooks(job.kernel_uid, args.probe_dir)


if __name__ == "__main__":
    main()
