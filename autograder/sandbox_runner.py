"""Runs inside the sandbox, as a standalone script: execute notebooks cell by cell with nbclient.

    python sandbox_runner.py --payload-fd FD --probe-dir DIR --zygote ZYGOTE.py

It serves one notebook after another. Each request is one JSON line on stdin:

    {"job": DIR, "kernel_uid": UID, "kernel_processes": N, "cell_timeout": S, "notebook_timeout": S,
     "max_cell_output": BYTES, "max_output": BYTES, "preload": [module, ...]}

where DIR holds ``notebook.ipynb`` and the grader's ``plans/``. For each request it writes one
frame to file descriptor FD (an 8-byte big-endian length, then that much JSON):

    {"notebook": executed notebook, "records": {test_id: record}, "events": [event, ...]}

An event says which cell hit which limit: {"cell": index, "kind": "timeout" | "unresponsive" |
"died" | "output" | "not_run", "limit": number}. When a cell runs past its time limit the kernel
is interrupted; if it does not answer within a grace period (a loop that swallows
KeyboardInterrupt), or if the kernel dies (os._exit, a signal, the memory limit), a new kernel is
started and the cells that had run before are run again, so later cells can still be graded.

Kernels are forked by the zygote (``sandbox_zygote.py``), which has the course's libraries
already imported. The runner and the zygote run as the sandbox's root (the sandbox has no
network, a read-only system and none of the course's private files); only the kernel, which runs
the learner's code, runs as an unprivileged user of its own for each notebook, with a process
limit, so it cannot signal the runner or the zygote or reach their pipes. Between notebooks
every process of the last kernel's user is killed and every writable place is emptied, so
nothing of one submission is left for the next.

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
import subprocess
import sys
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
        """Ask for a kernel; return its pid. Raises RuntimeError if the zygote cannot fork one."""
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            answer = json.loads(self.process.stdout.readline() or "null")
        except (OSError, ValueError) as error:
            raise RuntimeError(f"the kernel zygote is gone ({error})") from None
        if not isinstance(answer, dict) or not isinstance(answer.get("pid"), int):
            raise RuntimeError(f"the kernel zygote could not fork a kernel ({answer})")
        return answer["pid"]


class ForkedKernel:
    """The part of subprocess.Popen's interface that jupyter_client uses, for a kernel that the
    zygote forked (a process this runner did not start and cannot wait for)."""

    stdin = stdout = stderr = None

    def __init__(self, pid):
        self.pid, self.returncode = pid, None

    def poll(self):
        if self.returncode is None and not _running(self.pid):
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
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


def _running(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


class ForkedKernelManager(AsyncKernelManager):
    """Gets its kernels from the zygote, as ``kernel_uid`` under a process limit."""

    zygote = None            # set for the runner
    kernel_uid = None        # set for each notebook
    kernel_processes = None  # set for each notebook
    preload = ()             # set for each notebook

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if kernel_cmd[1:3] != KERNEL_LAUNCHER:
            raise RuntimeError(f"unexpected kernel command {kernel_cmd[:3]}")
        pid = self.zygote.fork_kernel(preload=list(self.preload), argv=kernel_cmd[3:],
                                      env={**(kw.get("env") or {}), **{k: KERNEL_ENV[k] for k in PRIVATE_ENV}},
                                      cwd=str(kw.get("cwd") or os.getcwd()),
                                      uid=self.kernel_uid, processes=self.kernel_processes)
        self.provisioner.process = ForkedKernel(pid)
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
        return super().output(outs, msg, display_id, cell_index)


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
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)


def fresh_scratch():
    """Empty the kernel's working directory and home (a restart replays what made them), and
    recreate TMPDIR, so that a kernel that filled its disk does not stop the next one starting."""
    for directory in (Path.cwd(), Path(KERNEL_ENV["HOME"])):
        empty(directory)
    os.makedirs(KERNEL_ENV["TMPDIR"], mode=0o777, exist_ok=True)
    os.chmod(KERNEL_ENV["TMPDIR"], 0o777)


def empty(directory, keep=()):
    for entry in directory.iterdir():
        if entry.name in keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def between_notebooks(kernel_uid, probe_dir):
    """Leave nothing of one notebook for the next: no process of its kernel's user, and nothing in
    any place a kernel can write (its scratch space and home, /tmp, /dev/shm, the records)."""
    if kernel_uid is not None:
        kill_strays(kernel_uid)
    fresh_scratch()
    empty(Path("/tmp"), keep=KEPT_IN_TMP)
    empty(Path("/dev/shm"))
    empty(Path(probe_dir))


def _pids_of(uid):
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields.get("Uid", "").split()[:1] == [str(uid)] and "Z" not in fields.get("State", ""):
                pids.append(int(entry.name))
    return pids


def kernel_pid(client):
    process = getattr(client.km.provisioner, "process", None)
    return getattr(process, "pid", None)


async def execute(nb, job):
    client = CappedClient(
        nb, job.max_cell_output, job.max_output, timeout=job.cell_timeout, allow_errors=True,
        interrupt_on_timeout=False, kernel_name="python3", shutdown_kernel="immediate",
        extra_arguments=KERNEL_ARGUMENTS, resources={"metadata": {"path": os.getcwd()}},
        raise_on_iopub_timeout=False, iopub_timeout=10, kernel_manager_class=ForkedKernelManager)
    deadline = time.monotonic() + job.notebook_timeout
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    survivors, events, position = [], [], 0
    while position < len(code):
        if position:  # a restart: nothing of the old kernel may linger
            kill_strays(job.kernel_uid)
            fresh_scratch()
        try:
            position = await execute_until_restart(client, nb, code, position, survivors, events, deadline, job)
        except Exception as error:  # noqa: BLE001 - no kernel could be started: report the rest as not run
            detail = f"{type(error).__name__}: {error}"[:300]
            events += [{"cell": index, "kind": "no_kernel", "detail": detail} for index in code[position:]]
            break
    for index in sorted(client.truncated):
        events.append({"cell": index, "kind": "output", "limit": job.max_cell_output})
    return events


async def execute_until_restart(client, nb, code, position, survivors, events, deadline, job):
    """Start a kernel, replay the survivors, and run cells from ``position`` until one needs a
    restart or all have run; return the position to continue from."""
    async with client.async_setup_kernel():
        client.replaying = True
        for index in survivors:  # after a restart: rebuild the state the later cells need
            left = deadline - time.monotonic()
            if left <= 1:
                break
            await run_cell(client, copy.deepcopy(nb.cells[index]), index, min(job.cell_timeout, left))
        client.replaying = False
        while position < len(code):
            index = code[position]
            position += 1
            left = deadline - time.monotonic()
            if left <= 1:
                events += [{"cell": i, "kind": "not_run", "limit": job.notebook_timeout} for i in code[position - 1:]]
                return len(code)
            kind, alive = await run_cell(client, nb.cells[index], index, min(job.cell_timeout, left))
            kill_strays(job.kernel_uid, keep=kernel_pid(client) if alive else None)
            if kind is None:
                survivors.append(index)
                continue
            events.append({"cell": index, "kind": kind, "limit": job.cell_timeout})
            if not alive:
                return position
    return position


def read_records(probe_dir, max_bytes):
    records = {}
    for path in sorted(Path(probe_dir).glob("*.record.json")):
        if path.stat().st_size <= max_bytes:
            try:
                records[path.name[: -len(".record.json")]] = json.loads(path.read_text())
            except (ValueError, UnicodeDecodeError):
                pass
    return records


def run_job(job, probe_dir):
    """Execute the notebook in ``job`` (the request, as attributes); return the payload."""
    ForkedKernelManager.kernel_uid = job.kernel_uid
    ForkedKernelManager.kernel_processes = job.kernel_processes
    ForkedKernelManager.preload = job.preload
    for plan in Path(job.job, "plans").glob("*.plan.json"):
        shutil.copyfile(plan, Path(probe_dir) / plan.name)
    nb = nbformat.read(Path(job.job, "notebook.ipynb"), as_version=4)
    events = asyncio.run(execute(nb, job))
    return {"notebook": nb, "records": read_records(probe_dir, job.max_output), "events": events}


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
    last_uid = None
    for line in sys.stdin:
        between_notebooks(last_uid, args.probe_dir)
        job = argparse.Namespace(**json.loads(line))
        last_uid = job.kernel_uid
        write_frame(payload, run_job(job, args.probe_dir))


if __name__ == "__main__":
    main()
