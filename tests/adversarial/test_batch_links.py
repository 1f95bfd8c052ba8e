"""Symbolic links in a class's submitted/ folder: a learner's notebook that points at the instructor's
solutions, or a folder that points at another learner's work. Every level of a submission must be
a real folder or file under submitted/; a link is refused, and nothing it points at is graded."""
import os

import nbformat

from autograder.batch import grade_batch
from autograder.course import ROOT
from autograder.examples import source_notebook


def test_links_are_refused_at_every_level(built, tmp_path):
    submitted = tmp_path / "submitted"
    alice = submitted / "alice" / "softmax"
    alice.mkdir(parents=True)
    nbformat.write(nbformat.read(ROOT / "release" / "softmax" / "softmax.ipynb", as_version=4), alice / "softmax.ipynb")
    (submitted / "eve" / "softmax").mkdir(parents=True)
    os.symlink(ROOT / "source" / "softmax" / "softmax.ipynb", submitted / "eve" / "softmax" / "softmax.ipynb")
    (submitted / "mallory").mkdir()
    os.symlink(alice, submitted / "mallory" / "softmax")
    os.symlink(submitted / "alice", submitted / "trudy")
    (submitted / "oscar" / "softmax").mkdir(parents=True)
    nbformat.write(source_notebook("softmax"), tmp_path / "outside.ipynb")
    os.symlink(tmp_path / "outside.ipynb", submitted / "oscar" / "softmax" / "softmax.ipynb")

    rows = {(row.student, row.assignment or "-"): row for row in grade_batch(submitted, tmp_path / "grading",
                                                                            assignments=["softmax"], jobs=1)}
    assert rows[("alice", "softmax")].status == "graded" and rows[("alice", "softmax")].score == 0
    for who in (("eve", "softmax"), ("mallory", "softmax"), ("trudy", "-"), ("oscar", "softmax")):
        assert rows[who].status == "problem" and "symbolic link" in rows[who].note, rows[who]
    graded = {p.parent.parent.name for p in (tmp_path / "grading" / "autograded").glob("*/softmax/softmax.ipynb")}
    assert graded == {"alice"}
