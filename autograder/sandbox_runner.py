"""Runs inside the sandbox, as a standalone script: execute a notebook cell by cell with nbclient.

    python sandbox_runner.py NOTEBOOK --payload-fd FD --plans DIR --probe-dir DIR --cell-timeout S
                             --notebook-timeout S --max-cell-output BYTES --max-output BYTES
                             --kernel-uid UID --kernel-processes N

It writes one JSON document to file descriptor FD and exits:

    {"notebook": executed notebook, "records": {test_id: record}, "events": [event, ...]}

An event says which cell hit which limit: {"cell": index, "kind": "timeout" | "unresponsive" |
"died" | "output" | "not_run", "limit": number}. When a cell runs past its time limit the kernel
is interrupted; if it does not answer within a grace period (a loop that swallows
KeyboardInterrupt), or if the kernel dies (os._exit, a signal, the memory limit), a new kernel is
started and the cells that had run before are run again, so later cells can still be graded.

The runner itself runs as the sandbox's root (the sandbox has no network, a read-only system and
none of the course's private files); only the kernel, which runs the learner's code, is started as
an unprivileged user with a process limit, so it cannot signal the runner or reach its payload pipe.

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
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError

GRACE_SECONDS = 5
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]


class UnprivilegedKernelManager(AsyncKernelManager):
    """Starts the kernel as ``kernel_uid`` under a process limit; hands it its connection file."""

    kernel_uid = None       # set from --kernel-uid
    kernel_processes = None  # set from --kernel-processes

    def format_kernel_cmd(self, extra_arguments=None):
        return ["setpriv", f"--reuid={self.kernel_uid}", f"--regid={self.kernel_uid}", "--clear-groups", "--",
                "prlimit", f"--nproc={self.kernel_processes}", "--",
                *super().format_kernel_cmd(extra_arguments)]

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
    for directory in (Path.cwd(), Path(os.environ["HOME"])):
        for entry in directory.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    os.makedirs(os.environ["TMPDIR"], mode=0o777, exist_ok=True)
    os.chmod(os.environ["TMPDIR"], 0o777)


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


async def execute(nb, args):
    client = CappedClient(
        nb, args.max_cell_output, args.max_output, timeout=args.cell_timeout, allow_errors=True,
        interrupt_on_timeout=False, kernel_name="python3", shutdown_kernel="immediate",
        extra_arguments=KERNEL_ARGUMENTS, resources={"metadata": {"path": os.getcwd()}},
        raise_on_iopub_timeout=False, iopub_timeout=10, kernel_manager_class=UnprivilegedKernelManager)
    deadline = time.monotonic() + args.notebook_timeout
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    survivors, events, position = [], [], 0
    while position < len(code):
        if position:  # a restart: nothing of the old kernel may linger
            kill_strays(args.kernel_uid)
            fresh_scratch()
        try:
            position = await execute_until_restart(client, nb, code, position, survivors, events, deadline, args)
        except Exception as error:  # noqa: BLE001 - no kernel could be started: report the rest as not run
            detail = f"{type(error).__name__}: {error}"[:300]
            events += [{"cell": index, "kind": "no_kernel", "detail": detail} for index in code[position:]]
            break
    for index in sorted(client.truncated):
        events.append({"cell": index, "kind": "output", "limit": args.max_cell_output})
    return events


async def execute_until_restart(client, nb, code, position, survivors, events, deadline, args):
    """Start a kernel, replay the survivors, and run cells from ``position`` until one needs a
    restart or all have run; return the position to continue from."""
    async with client.async_setup_kernel():
        client.replaying = True
        for index in survivors:  # after a restart: rebuild the state the later cells need
            left = deadline - time.monotonic()
            if left <= 1:
                break
            await run_cell(client, copy.deepcopy(nb.cells[index]), index, min(args.cell_timeout, left))
        client.replaying = False
        while position < len(code):
            index = code[position]
            position += 1
            left = deadline - time.monotonic()
            if left <= 1:
                events += [{"cell": i, "kind": "not_run", "limit": args.notebook_timeout} for i in code[position - 1:]]
                return len(code)
            kind, alive = await run_cell(client, nb.cells[index], index, min(args.cell_timeout, left))
            kill_strays(args.kernel_uid, keep=kernel_pid(client) if alive else None)
            if kind is None:
                survivors.append(index)
                continue
            events.append({"cell": index, "kind": kind, "limit": args.cell_timeout})
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook")
    parser.add_argument("--payload-fd", type=int, required=True)
    parser.add_argument("--plans", required=True, help="read-only directory of the grader's plans")
    parser.add_argument("--probe-dir", required=True, help="writable directory the kernel records into")
    parser.add_argument("--cell-timeout", type=float, required=True)
    parser.add_argument("--notebook-timeout", type=float, required=True)
    parser.add_argument("--max-cell-output", type=int, required=True)
    parser.add_argument("--max-output", type=int, required=True)
    parser.add_argument("--kernel-uid", type=int, required=True)
    parser.add_argument("--kernel-processes", type=int, required=True)
    args = parser.parse_args()
    UnprivilegedKernelManager.kernel_uid = args.kernel_uid
    UnprivilegedKernelManager.kernel_processes = args.kernel_processes
    payload = os.fdopen(args.payload_fd, "w")
    fresh_scratch()
    for plan in Path(args.plans).glob("*.plan.json"):
        shutil.copyfile(plan, Path(args.probe_dir) / plan.name)
    nb = nbformat.read(args.notebook, as_version=4)
    events = asyncio.run(execute(nb, args))
    records = read_records(args.probe_dir, args.max_output)
    json.dump({"notebook": nb, "records": records, "events": events}, payload)
    payload.close()


if __name__ == "__main__":
    main()
