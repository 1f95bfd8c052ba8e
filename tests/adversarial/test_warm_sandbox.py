"""Attacks on the warm sandbox: one submission's process that tries to outlive its notebook and
harm the submissions graded after it in the same sandbox.

A process whose main thread exits with the raw exit system call while its other threads go on
shows as a zombie ("Z") in /proc, so a cleanup that skips zombies leaves it running. Here it
deletes later notebooks' plans, reads their notebooks and serves them over loopback to an
accomplice graded later. Each notebook's kernel runs in a PID namespace of its own, killed whole
when the notebook is done, and its files are its own: the later submissions keep full marks and
nothing of them reaches the accomplice.
"""
import copy
import platform

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from autograder.examples import source_notebook
from autograder.grade import grade_submission
from autograder.sandbox import Limits, run_notebook

ASSIGNMENT = "softmax"
LIMITS = Limits(cell_timeout=30, notebook_timeout=120, memory_bytes=1 << 30, address_space_bytes=4 << 30, processes=64,
                max_output_bytes=1 << 20, max_cell_output_bytes=1 << 18, disk_bytes=32 << 20, file_size_bytes=8 << 20)
PORT = 47_011
SYS_EXIT = {"x86_64": 60, "aarch64": 93}[platform.machine()]

LURKER = f'''
import ctypes, glob, json, os, socket, threading, time
if os.fork() == 0:
    os.setsid()
    def lurk():
        stolen = []
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", {PORT}))
        server.listen()
        server.settimeout(0.02)
        while True:
            for plan in glob.glob("/tmp/probes/*.plan.json"):
                try:
                    os.unlink(plan)
                except OSError:
                    pass
            for notebook in glob.glob("/tmp/in/*/notebook.ipynb") + glob.glob("/tmp/in/*/*/notebook.ipynb"):
                try:
                    stolen.append(open(notebook).read())
                except OSError:
                    pass
            try:
                connection, _ = server.accept()
                connection.sendall(json.dumps(stolen[-3:]).encode())
                connection.close()
            except OSError:
                pass
    threading.Thread(target=lurk).start()
    time.sleep(0.3)
    ctypes.CDLL(None).syscall({SYS_EXIT}, 0)  # the main thread exits; the other thread lurks on
time.sleep(1)
'''

ACCOMPLICE = f'''
import glob, socket
try:
    with socket.create_connection(("127.0.0.1", {PORT}), timeout=2) as connection:
        print("RECEIVED", connection.recv(1 << 20)[:200])
except OSError as error:
    print("nothing on the port:", type(error).__name__)
readable = []
for path in glob.glob("/tmp/in/*/") + glob.glob("/tmp/in/*/*") + glob.glob("/tmp/in/*/*/*"):
    if path.endswith((".py")):
        continue  # the runner's and the zygote's scripts are the course's own code
    try:
        open(path).read(10)
        readable.append(path)
    except OSError:
        pass
print("READABLE", readable)
'''


def with_cells(*cells):
    nb = copy.deepcopy(source_notebook(ASSIGNMENT))
    nb.cells[1:1] = list(cells)
    return nb


def printed(graded, marker):
    nb = nbformat.reads(graded.autograded, as_version=4)
    return "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code" and marker in cell.source
                   for out in cell.get("outputs", []) if out.get("output_type") == "stream")


def test_a_lingering_process_harms_no_later_submission(built):
    """The four notebooks are graded one after another in this thread's warm sandbox."""
    attacker = with_cells(new_code_cell(LURKER))
    victims = [with_cells(new_markdown_cell(f"SECRET-OF-VICTIM-{n}")) for n in (1, 2)]
    accomplice = with_cells(new_code_cell(ACCOMPLICE))

    graded = [grade_submission(nb, ASSIGNMENT, student=student, feedback=False)
              for student, nb in (("attacker", attacker), ("victim1", victims[0]), ("victim2", victims[1]),
                                  ("accomplice", accomplice))]

    for victim in graded[1:3]:
        assert victim.results["score"] == victim.results["extra_data"]["max_score"], victim.results["output"]
    seen = printed(graded[3], "RECEIVED")
    assert "nothing on the port" in seen, seen
    assert "SECRET-OF-VICTIM" not in seen
    assert "READABLE []" in seen, seen


SYSV = '''
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
shmid = libc.shmget(0x51ED, 1 << 20, 0o1000 | 0o666)   # IPC_CREAT, readable by anyone
address = libc.shmat(shmid, None, 0)
ctypes.memmove(address, b"left by the last notebook", 25)
queue = libc.msgget(0x51EE, 0o1000 | 0o666)
print("made", shmid, queue)
'''
SYSV_READER = '''
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
print("FOUND", libc.shmget(0x51ED, 0, 0), libc.msgget(0x51EE, 0))
'''


def run_cells(*sources):
    nb = nbformat.v4.new_notebook(cells=[new_code_cell(source) for source in sources])
    result = run_notebook(nb, {}, LIMITS)
    return "".join(out.get("text", "") for cell in result.notebook.cells for out in cell.get("outputs", []))


def test_system_v_memory_and_queues_die_with_their_notebook():
    assert "made" in run_cells(SYSV)
    assert "FOUND -1 -1" in run_cells(SYSV_READER)  # shmget and msgget find nothing: ENOENT


def test_the_runner_keeps_only_the_capabilities_it_needs_and_no_view_of_other_sandboxes():
    seen = run_cells("import os\nfor pid in os.listdir('/proc'):\n    if pid.isdigit():\n        try:\n"
                     "            if open(f'/proc/{pid}/cmdline', 'rb').read().split(b'\\0')[1].endswith(b'runner.py'):\n"
                     "                print('CAPS', [l.split()[1] for l in open(f'/proc/{pid}/status') if l.startswith('CapEff')][0])\n"
                     "        except OSError:\n            pass\nprint('CGROUPS', os.listdir('/sys/fs/cgroup'))")
    caps = int(seen.split("CAPS ")[1].split()[0], 16)
    allowed = sum(1 << bit for bit in (0, 1, 3, 5, 6, 7, 19, 21))  # chown, dac_override, fowner, kill, setgid, setuid, sys_ptrace, sys_admin
    assert caps & ~allowed == 0 and caps == allowed
    assert "CGROUPS []" in seen


OBSERVING_DRIVER = '''def drive(f):
    import os, socket
    with socket.socket(socket.AF_UNIX) as junk:  # nested too deeply to parse: must not stop the observer
        junk.connect(os.environ["COURSE_OBSERVER_SOCKET"])
        junk.sendall(b"[" * 4000 + b"\\\\n")
    child = os.fork()
    if child == 0:  # another process of the kernel's user: its requests do not count
        try:
            observe("from a child process")
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    observe("from the kernel")
    return 1
'''


def test_the_observer_answers_only_the_kernel_and_survives_junk():
    plan = {"timeout": 20, "calls": [{"label": "L", "callable": OBSERVING_DRIVER, "needs": ["f"],
                                      "args": [{"$function": "f"}]}]}
    nb = nbformat.v4.new_notebook(cells=[new_code_cell("def f():\n    pass"), new_code_cell(
        "from course_utils.grading import record_for_grader\nrecord_for_grader('test_f', globals())")])
    result = run_notebook(nb, {"test_f": plan}, LIMITS)
    assert [note["event"] for note in result.observations["test_f"]["L"]] == ["from the kernel"]
