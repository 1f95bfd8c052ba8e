"""Runs inside the sandbox, as a standalone script: a zygote that forks ready-made kernels.

    python sandbox_zygote.py        (started by sandbox_runner.py, one per sandbox)

Starting a kernel costs about a second, and importing TensorFlow in it five more. The zygote pays
those imports once per sandbox: it imports ipykernel and, on request, the course's heavy
libraries, then forks one kernel per request. A forked kernel starts with them already imported,
so its ``import tensorflow`` is instant. The zygote stays single-threaded (the sandbox pins every
numeric library to one thread), which is what makes forking it safe.

Protocol: one JSON request per line on stdin, one JSON answer per line on stdout.

    {"preload": [module, ...], "argv": [ipykernel argument, ...], "env": {...}, "cwd": DIR,
     "uid": UID, "processes": N}     ->  {"pid": KERNEL, "init": INIT}  or  {"error": "one line"}

A second kind of request asks which of a notebook's dotted names denote a forbidden library
object (the shortcut scan, autograder/shortcuts.py), before the notebook's kernel starts:

    {"resolve": {"names": [dotted name, ...], "targets": [dotted name, ...]}, "preload": [...],
     "uid": UID}                      ->  {"resolved": {name: target}, "complete": bool}

A child, as ``uid``, imports and looks up each name, and maps it to the target whose object it
is (or lies inside, for a module target). It runs no learner code, only the installed
libraries the sandbox shows; a name that fails to import or look up resolves to nothing. When
the names cannot all be resolved in RESOLVE_SECONDS, "complete" is false and the scan fails
closed.

Every kernel gets a PID namespace and an IPC namespace of its own. The first process, INIT (pid 1
inside), stays root: it forks the kernel, reaps the orphans of the learner's processes, and exits
when the kernel does, at which point Linux kills every process left in the namespace. Nothing
the learner starts can leave that namespace, so killing INIT ends all of it, whatever state its
processes are in (a process whose main thread has exited shows as a zombie while its other
threads run on); and System V shared memory, semaphores and message queues, which belong to no
process, go with the IPC namespace.
The kernel drops to ``uid`` (no groups) with at most ``processes`` processes, in a session of
its own, and becomes what ``python -m ipykernel_launcher ARGV`` would have been. A module that
fails to preload is skipped: the learner's kernel then imports it itself and shows its own error.

This file imports nothing from the autograder package, which the sandbox does not contain.
"""
import ctypes
import gc
import importlib
import json
import os
import resource
import select
import signal
import sys
import tempfile
import time

CLONE_NEWPID, CLONE_NEWIPC = 0x20000000, 0x08000000
RESOLVE_SECONDS = 30                  # for all of a notebook's names
MAX_NAMES, MAX_PARTS = 10_000, 20     # names resolved, parts of a name looked at

# Modules that may be imported before a learner's code runs, with the submodules whose import is
# slow. pyplot is left out on purpose: it must load the inline backend inside the running kernel.
PRELOADABLE = {
    "numpy": ("numpy",),
    "h5py": ("h5py",),
    "matplotlib": ("matplotlib", "matplotlib.font_manager", "matplotlib.figure", "matplotlib.backends.backend_agg"),
    "tensorflow": ("tensorflow",),
    "keras": ("keras",),
}


def preload(names):
    for name in names:
        for module in PRELOADABLE.get(name, ()):
            try:
                importlib.import_module(module)
            except Exception:  # noqa: BLE001 - the kernel will import it and report the error itself
                pass


def lookup(dotted, modules):
    """The object a dotted name denotes, or None. It walks the name from the left: an attribute,
    else a submodule, stopping at the first part that is neither, so a name costs at most one
    failed import. ``modules`` caches the imports tried ({name: module or None})."""
    parts = dotted.split(".")[:MAX_PARTS]

    def module(name):
        if name not in modules:
            try:
                modules[name] = importlib.import_module(name)
            except Exception:  # noqa: BLE001 - not a module, or a broken one
                modules[name] = None
        return modules[name]

    value = module(parts[0])
    for depth in range(1, len(parts)):
        if value is None:
            return None
        try:
            value = getattr(value, parts[depth])
            continue
        except Exception:  # noqa: BLE001 - no such attribute: perhaps a submodule not imported yet
            pass
        value = module(".".join(parts[:depth + 1])) if isinstance(value, type(os)) else None
    return value


def denotes(value, target):
    """True when ``value`` is ``target``, or lies inside it when ``target`` is a module."""
    if value is target:
        return True
    prefix = getattr(target, "__name__", None) if isinstance(target, type(os)) else None
    if not isinstance(prefix, str):
        return False
    try:
        home = value.__name__ if isinstance(value, type(os)) else getattr(value, "__module__", None)
    except Exception:  # noqa: BLE001 - a strange object's attributes
        return False
    return isinstance(home, str) and (home == prefix or home.startswith(prefix + "."))


def resolve_names(request, channels):
    """Answer a resolve request (see the module doc) from a child process; {name: target}."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        status = 1
        try:
            os.close(read_end)
            for channel in channels:
                channel.close()
            os.setgroups([])
            os.setgid(request["uid"])
            os.setuid(request["uid"])
            sys.path[:] = [p for p in sys.path[1:] if p]  # not the scripts' folder
            names, targets, modules = request["resolve"]["names"], request["resolve"]["targets"], {}
            objects = [(target, value) for target in targets if (value := lookup(target, modules)) is not None]
            found = {}
            for name in names[:MAX_NAMES]:
                value = lookup(str(name), modules)
                match = next((t for t, o in objects if value is not None and denotes(value, o)), None)
                if match:
                    found[name] = match
            os.write(write_end, json.dumps({"resolved": found, "complete": len(names) <= MAX_NAMES}).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    data, deadline = b"", time.monotonic() + RESOLVE_SECONDS
    with os.fdopen(read_end, "rb") as answer:
        while True:
            if not select.select([answer], [], [], max(0.0, deadline - time.monotonic()))[0]:
                os.kill(child, signal.SIGKILL)  # too slow: the scan fails closed
                return {"resolved": {}, "complete": False}
            chunk = os.read(answer.fileno(), 1 << 16)
            if not chunk:
                break
            data += chunk
    try:
        answer = json.loads(data or b"{}")
    except ValueError:
        answer = {}
    return answer if isinstance(answer, dict) and "resolved" in answer else {"resolved": {}, "complete": False}


def start_kernel(request, channels):
    """Fork a kernel for ``request`` in new PID and IPC namespaces; return {"pid": kernel, "init": init}.

    The zygote's child enters the namespace and forks its init, which forks the kernel; the child
    reports both pids (as this namespace sees them) through a pipe and exits."""
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        os.close(read_end)
        enter_namespace(request, channels, write_end)
    os.close(write_end)
    with os.fdopen(read_end) as report:
        words = report.read().split()
    if len(words) != 2 or not all(word.isdigit() for word in words):
        raise OSError(f"the kernel's PID namespace did not start ({' '.join(words)[:200] or 'no report'})")
    return {"init": int(words[0]), "pid": int(words[1])}


def enter_namespace(request, channels, report_fd):
    """In the zygote's child: unshare PID and IPC namespaces, fork their init, report the pids;
    never returns."""
    status = 1
    try:
        for channel in channels:
            channel.close()
        if ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWPID | CLONE_NEWIPC) != 0:
            raise OSError(ctypes.get_errno(), f"unshare: {os.strerror(ctypes.get_errno())}")
        init = os.fork()
        if init == 0:
            os.close(report_fd)
            run_namespace_init(request)
        children = f"/proc/{init}/task/{init}/children"
        deadline = time.monotonic() + 10
        while not open(children).read().split() and time.monotonic() < deadline:
            time.sleep(0.001)
        kernel = open(children).read().split()[:1]
        os.write(report_fd, f"{init} {kernel[0] if kernel else 'none'}".encode())
        status = 0
    except BaseException as error:  # noqa: BLE001 - the zygote reports it in one line
        os.write(report_fd, f"{type(error).__name__}: {error}".encode()[:300])
    finally:
        os._exit(status)


def run_namespace_init(request):
    """PID 1 of a kernel's namespace: fork the kernel, reap every orphan, and exit with the kernel
    (Linux then kills whatever is left in the namespace); never returns."""
    try:
        gc.disable()  # this process only waits: keep the zygote's memory shared, never copied
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        kernel = os.fork()
        if kernel == 0:
            become_kernel(request)
        while os.wait()[0] != kernel:
            pass
    finally:
        os._exit(0)


def become_kernel(request):
    """In the namespace: drop privileges and run the kernel; never returns."""
    status = 1
    try:
        os.setsid()
        resource.setrlimit(resource.RLIMIT_NPROC, (request["processes"], request["processes"]))
        os.setgroups([])
        os.setgid(request["uid"])
        os.setuid(request["uid"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        tempfile.tempdir = None  # computed again from the kernel's TMPDIR, not the zygote's
        sys.path[0] = request["cwd"]  # as for `python -m ipykernel_launcher` started in cwd
        # The kernel's parent is its namespace's init (pid 1), which never goes first: when it is
        # killed, Linux kills the whole namespace. ipykernel polls no parent whose handle is 1.
        argv = [*request["argv"], "--IPKernelApp.parent_handle=1"]
        sys.argv = ["ipykernel_launcher", *argv]
        from ipykernel import kernelapp
        kernelapp.launch_new_instance(argv=argv)
        status = 0
    except SystemExit as exit_:
        status = 0 if exit_.code is None else exit_.code if isinstance(exit_.code, int) else 1
    except BaseException as error:  # noqa: BLE001 - report it in one line; the runner sees a dead kernel
        print(f"kernel start-up failed: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
    finally:
        os._exit(status)


def main():
    requests = os.fdopen(os.dup(0), "r")
    answers = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # whatever an import prints goes to stderr, never into the answers
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    import ipykernel.kernelapp  # noqa: F401 - the part of every kernel's start-up worth sharing
    for line in requests:
        try:
            request = json.loads(line)
            preload(request.get("preload", []))
            if "resolve" in request:
                answer = resolve_names(request, (requests, answers))
            else:
                answer = start_kernel(request, (requests, answers))
        except (ValueError, OSError) as error:
            answer = {"error": f"{type(error).__name__}: {error}"}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
