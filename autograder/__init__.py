"""Instructor and CI tooling: build, execute (sandbox), check, record, report.

nbgrader runs ``alembic`` and the Jupyter kernel (``python``) through PATH, so the interpreter
running the grader puts its own bin directory first: the grader and the kernels it starts then
always use the same virtual environment, however the grader was started.
"""
import os
import sys

_bin = os.path.dirname(sys.executable)
if os.environ.get("PATH", "").split(os.pathsep)[0] != _bin:
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")
