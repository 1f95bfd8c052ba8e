"""Runs inside the sandbox, as a standalone script: a zygote that forks ready-made kernels.

    python sandbox_zygote.py        (started by sandbox_runner.py, one per sandbox)

Starting a kernel costs about a second, and importing TensorFlow in it five more. The zygote pays
those imports once per sandbox: it imports ipykernel and, on request, the course's heavy
libraries, then forks one kernel per request. A forked kernel starts with them already imported,
so its ``import tensorflow`` is instant. The zygote stays single-threaded (the sandbox pins every
numeric library to one thread), which is what makes forking it safe.

Protocol: one JSON request per line on stdin, one JSON answer per line on stdout.

    {"preload": [module, ...], "argv": [ipykernel argument, ...], "env": {...}, "cwd": DIR,
     "uid": UID, "processes": N}            ->  {"pid": PID}  or  {"error": "one line"}

The child drops to ``uid`` (no groups) with at most ``processes`` processes, in a session of its
own, and becomes ``python -m ipykernel_launcher ARGV`` would have been. Children are reaped
automatically (SIGCHLD is ignored here and restored in the child). A module that fails to
preload is skipped: the learner's kernel then imports it itself and shows its own error.

This file imports nothing from the autograder package, which the sandbox does not contain.
"""
import importlib
import json
import os
import resource
import signal
import sys
import tempfile

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


def become_kernel(request, channels):
    """In the forked child: drop privileges and run the kernel; never returns."""
    status = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for channel in channels:
            channel.close()
        os.setsid()
        resource.setrlimit(resource.RLIMIT_NPROC, (request["processes"], request["processes"]))
        os.setgroups([])
        os.setgid(request["uid"])
        os.setuid(request["uid"])
        os.environ.clear()
        os.environ.update(request["env"], JPY_PARENT_PID=str(os.getppid()))
        os.chdir(request["cwd"])
        tempfile.tempdir = None  # computed again from the kernel's TMPDIR, not the zygote's
        sys.path[0] = request["cwd"]  # as for `python -m ipykernel_launcher` started in cwd
        # The kernel exits if the zygote goes (its own default, read at import, would be the zygote's).
        argv = [*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
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
            pid = os.fork()
        except (ValueError, OSError) as error:
            answers.write(json.dumps({"error": f"{type(error).__name__}: {error}"}) + "\n")
            answers.flush()
            continue
        if pid == 0:
            become_kernel(request, (requests, answers))
        answers.write(json.dumps({"pid": pid}) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
