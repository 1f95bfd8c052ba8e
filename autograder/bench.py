"""Benchmark: grade the same N submissions four ways in one run, and compare them as ratios.

    (a) plain ``nbgrader autograde``, sequential (stock nbgrader, no sandbox, no hidden checks)
    (b) ``grade-batch --jobs 1``
    (c) ``grade-batch --jobs 2``
    (d) the floor: executing the same notebooks with nbclient alone, no grading

The submissions are the course's own examples, round-robin over the assignments: each
assignment's solution, its release stub, then its catalogued mistakes. Figures are seconds per
submission; the ratios a/c (parallel speed-up over stock nbgrader) and b/d (grading overhead
over bare execution) are what the README records. Machines are noisy: compare ratios within one
run, never absolute times across runs.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .course import ROOT, available_assignments
from .examples import catalog, source_notebook, with_replacements
from .table import format_table


def example_class(n, assignments=None):
    """[(student, assignment, notebook)]: n submissions, round-robin over the assignments."""
    queues = {}
    for assignment in assignments or available_assignments():
        source = source_notebook(assignment)
        release = nbformat.read(ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)
        queues[assignment] = [source, release] + [with_replacements(source, [m]) for m in catalog("mistakes", assignment)]
    chosen, position = [], 0
    while len(chosen) < n and any(queues.values()):
        for assignment, queue in queues.items():
            if position < len(queue) and len(chosen) < n:
                chosen.append((f"s{len(chosen):03d}", assignment, queue[position]))
        position += 1
    return chosen


def write_submitted(folder, chosen):
    for student, assignment, nb in chosen:
        path = folder / student / assignment / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)


def timed(run):
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def floor(chosen, scratch):
    """(d) Execute each notebook with nbclient, in a fresh kernel, no grading."""
    scratch.mkdir(parents=True, exist_ok=True)
    for _, _, nb in chosen:
        NotebookClient(nbformat.from_dict(nb), timeout=600, allow_errors=True, kernel_name="python3",
                       resources={"metadata": {"path": str(scratch)}}).execute()


def stock_nbgrader(chosen, course):
    """(a) A stock nbgrader course with the same assignments; returns the autograde time only."""
    assignments = sorted({assignment for _, assignment, _ in chosen})
    for assignment in assignments:
        shutil.copytree(ROOT / "source" / assignment, course / "source" / assignment)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'bench'\n"
        f"c.CourseDirectory.root = {str(course)!r}\nc.Exchange.root = {str(course / 'exchange')!r}\n")
    nbgrader = [str(Path(sys.executable).with_name("nbgrader"))]
    for assignment in assignments:
        subprocess.run(nbgrader + ["generate_assignment", assignment, "--force"], cwd=course, check=True,
                       capture_output=True)
    write_submitted(course / "submitted", chosen)
    return timed(lambda: [subprocess.run(nbgrader + ["autograde", assignment, "--force"], cwd=course, check=True,
                                         capture_output=True) for assignment in assignments])


def grade_batch_run(submitted, out, jobs):
    """(b), (c) The course's grade-batch, as a user runs it."""
    return timed(lambda: subprocess.run(
        [sys.executable, "-m", "autograder", "grade-batch", str(submitted), "--out", str(out), "--jobs", str(jobs)],
        cwd=ROOT, check=True, capture_output=True))


def bench(n=40, assignments=None, out=None, stream=sys.stdout):
    """Run the four ways; print and return {way: seconds per submission} with the ratios."""
    chosen = example_class(n, assignments)
    n = len(chosen)
    env_before = dict(os.environ)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            tmp = Path(tmp)
            write_submitted(tmp / "submitted", chosen)
            stream.write(f"benchmark: {n} submissions of {', '.join(sorted({a for _, a, _ in chosen}))}\n")
            seconds = {}
            for way, run in (("d", lambda: timed(lambda: floor(chosen, tmp / "scratch"))),
                             ("a", lambda: stock_nbgrader(chosen, tmp / "stock")),
                             ("b", lambda: grade_batch_run(tmp / "submitted", tmp / "b", 1)),
                             ("c", lambda: grade_batch_run(tmp / "submitted", tmp / "c", 2))):
                seconds[way] = run()
                stream.write(f"  ({way}) {seconds[way]:.1f} s\n")
                stream.flush()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    per = {way: s / n for way, s in seconds.items()}
    figures = {"submissions": n, "cores": os.cpu_count(), "seconds_per_submission": per,
               "a_over_c": per["a"] / per["c"], "b_over_d": per["b"] / per["d"],
               "overhead_b_minus_d_per_submission": per["b"] - per["d"]}
    names = {"a": "plain nbgrader autograde, sequential", "b": "grade-batch --jobs 1", "c": "grade-batch --jobs 2",
             "d": "nbclient alone (floor)"}
    rows = [[f"({way})", names[way], f"{seconds[way]:.1f}", f"{per[way]:.2f}"] for way in "abcd"]
    stream.write(format_table(["", "way", "total s", "s / submission"], rows) + "\n")
    stream.write(f"a/c = {figures['a_over_c']:.2f}   b/d = {figures['b_over_d']:.2f}   "
                 f"overhead of (b) over (d) = {figures['overhead_b_minus_d_per_submission']:.2f} s per submission\n")
    if out:
        Path(out).write_text(json.dumps(figures, indent=2) + "\n")
    return figures
