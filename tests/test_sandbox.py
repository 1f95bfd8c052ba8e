"""The sandbox: what the learner's kernel can see, reach and change, and the limits it runs under."""
import json
import os
from pathlib import Path

import nbformat
import pytest

from autograder.course import ROOT, gradebook_path
from autograder.sandbox import Limits, run_notebook

LIMITS = Limits(cell_timeout=20, notebook_timeout=120, memory_bytes=1 << 30, address_space_bytes=4 << 30,
                processes=64, max_output_bytes=1 << 20, max_cell_output_bytes=1 << 18, disk_bytes=32 << 20,
                file_size_bytes=8 << 20)


def run(*cells, limits=LIMITS):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    result = run_notebook(nb, {}, limits)
    assert not result.failure, result.failure
    return result


def printed(result, index):
    return "".join(o.get("text", "") for o in result.notebook.cells[index].outputs if o.output_type == "stream")


@pytest.fixture
def file_in_home():
    """A file in the grader's home directory, as a grader's private file would be."""
    path = Path.home() / f".course-grader-test-{os.getpid()}"
    path.write_text("private")
    yield path
    path.unlink()


def test_kernel_sees_none_of_the_graders_files(built, tmp_path, file_in_home):
    other = tmp_path / "other-submission.ipynb"
    other.write_text("{}")
    probe = json.dumps([str(gradebook_path()), str(ROOT / "source"), str(ROOT / "autograder"),
                        str(ROOT / "release"), str(ROOT / "tests"), str(other), str(file_in_home)])
    result = run(f"import json, os\nprint(json.dumps({{p: os.path.exists(p) for p in json.loads({probe!r})}}))")
    seen = json.loads(printed(result, 0))
    assert not any(seen.values()), seen


def test_kernel_sees_course_utils_and_the_datasets():
    result = run("from course_utils.data import load_digits_dataset\nprint(load_digits_dataset()[0].shape)")
    assert printed(result, 0).startswith("(903, 8, 8)")


def test_kernel_runs_unprivileged_without_network():
    result = run("import os, socket\nprint(os.getuid(), os.geteuid())",
                 "try:\n    socket.create_connection(('1.1.1.1', 80), timeout=3)\n    print('connected')\n"
                 "except OSError as e:\n    print('refused', e.errno)")
    uid, euid = map(int, printed(result, 0).split())
    assert uid == euid and uid >= 200_000 and uid != os.getuid()
    assert printed(result, 1).startswith("refused")


def test_writes_outside_the_scratch_space_fail_and_change_nothing(tmp_path):
    targets = [ROOT / "written-by-kernel", ROOT / "course_utils" / "x.py", Path("/usr/written-by-kernel"),
               Path(os.environ.get("HOME", "/root")) / "written-by-kernel"]
    code = "\n".join(f"try:\n    open({str(t)!r}, 'w').write('x')\n    print('wrote')\nexcept OSError:\n    print('no')"
                     for t in targets)
    result = run(code)
    assert "wrote" not in printed(result, 0)
    assert not any(t.exists() for t in targets)


def test_memory_processes_and_disk_are_bounded():
    result = run("try:\n    x = bytearray(6 << 30)\nexcept MemoryError:\n    print('no 6 GiB')",
                 "import os\nn = 0\ntry:\n    while n < 300:\n        if os.fork() == 0:\n            import time; time.sleep(5); os._exit(0)\n"
                 "        n += 1\nexcept OSError:\n    pass\nprint(n)",
                 "try:\n    open('big', 'wb').write(b'x' * (64 << 20))\nexcept OSError as e:\n    print('disk', e.errno)")
    assert printed(result, 0).strip() == "no 6 GiB"
    assert int(printed(result, 1)) < 300
    assert printed(result, 2).startswith("disk")


def test_output_is_capped():
    result = run("for _ in range(64):\n    print('x' * (1 << 16))")
    assert len(printed(result, 0)) <= LIMITS.max_cell_output_bytes
    assert any(e["kind"] == "output" for e in result.events)


@pytest.mark.parametrize("code,kind", [
    ("while True:\n    pass", "timeout"),
    ("import os\nos._exit(3)", "died"),
    ("while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass", None),
])
def test_a_stopped_cell_does_not_stop_the_next(code, kind):
    limits = Limits(**{**LIMITS.__dict__, "cell_timeout": 3})
    result = run("x = 41", code, "print(x + 1)", limits=limits)
    assert printed(result, 2).strip() == "42"
    stopped = [e for e in result.events if e["cell"] == 1]
    assert stopped and (kind is None or stopped[0]["kind"] == kind)


def test_whole_notebook_time_is_bounded():
    limits = Limits(**{**LIMITS.__dict__, "cell_timeout": 3, "notebook_timeout": 4})
    result = run("import time\ntime.sleep(2.5)", "import time\ntime.sleep(2.5)", "print('late')", limits=limits)
    assert any(e["kind"] == "not_run" for e in result.events)
    assert "late" not in printed(result, 2)


def test_one_notebook_leaves_nothing_for_the_next():
    """Notebooks run one after another in a warm sandbox; each starts from a clean slate."""
    import autograder.sandbox as sandbox
    places = ["/tmp/left", "/dev/shm/left", "left", os.path.expanduser("~") + "/left"]
    first = run("import os, subprocess, numpy as np\n"
                f"for place in {places!r}:\n    open(os.path.expanduser(place), 'w').write('x')\n"
                "np.allclose = lambda *a, **k: True\n"
                "subprocess.Popen(['sh', '-c', 'while true; do date > $HOME/daemon; sleep 0.1; done'], start_new_session=True)\n"
                "print(os.getuid())")
    warm = sandbox.warm_sandbox()
    second = run("import os, time, numpy as np\ntime.sleep(0.5)\n"
                 f"print([p for p in {places + ['~/daemon']!r} if os.path.exists(os.path.expanduser(p))])\n"
                 "print(np.allclose(0, 1), os.getuid())")
    assert sandbox.warm_sandbox() is warm, "the sandbox was not reused"
    assert printed(second, 0).splitlines() == ["[]", f"False {printed(second, 0).split()[-1]}"]
    assert printed(second, 0).split()[-1] != printed(first, 0).strip(), "both notebooks ran as one user"


def test_a_broken_warm_sandbox_costs_no_grade():
    import signal
    import autograder.sandbox as sandbox
    run("x = 1")
    os.killpg(sandbox.warm_sandbox().process.pid, signal.SIGKILL)  # dies between two notebooks
    assert printed(run("print(6 * 7)"), 0).strip() == "42"
    runner = sandbox.warm_sandbox().process.pid
    limits = Limits(**{**LIMITS.__dict__, "notebook_timeout": 1})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    # Almost no allowance beyond the notebook's limit: the runner cannot answer within 50 ms.
    sandbox.RESULT_ALLOWANCE_SECONDS, saved = -0.95, sandbox.RESULT_ALLOWANCE_SECONDS
    try:
        assert "ran past" in run_notebook(nb, {}, limits).failure
    finally:
        sandbox.RESULT_ALLOWANCE_SECONDS = saved
    assert sandbox.warm_sandbox() is None, "a sandbox that timed out was kept"
    assert printed(run("print(6 * 7)"), 0).strip() == "42"
    assert sandbox.warm_sandbox().process.pid != runner
