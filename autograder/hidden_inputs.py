"""Hidden inputs: the grader's calls use inputs drawn anew for each submission.

The hidden checks' inputs (the arrays, labels and seeds the grader passes to a learner's
functions) are drawn from Generators seeded with ``(salt, n)``. The salt is an HMAC of the
submission's cells under the course secret, so:

* grading the same submission twice, through any door, draws the same inputs and gives the same
  score;
* any other submission, or the same one edited, gets inputs nobody could know before it was
  graded: printing the inputs from a kernel, or reading the plans there, tells a learner nothing
  about the inputs of their next submission.

The secret is never released. It is read from ``COURSE_GRADER_SECRET`` (hex) when that is set,
else from ``.grader-secret`` at the course root, created on first use (mode 0600, kept out of
git). grade-batch passes it to its workers; changing it changes every hidden input, so the
ledger's fingerprint includes it and the next grade-batch regrades everything.

A check module draws its inputs at import time with ``rng = submission_rng()`` (numpy
Generators) or ``seed = submission_seed()`` (seeds that cross into the kernel); ``checks_for``
executes it once per salt, inside ``drawing_for(salt)``.
"""
import contextlib
import contextvars
import hashlib
import hmac
import json
import os
import secrets

import numpy as np

from .course import ROOT

SECRET_ENV = "COURSE_GRADER_SECRET"
SECRET_FILE = ".grader-secret"
_salt = contextvars.ContextVar("hidden_inputs_salt", default=0)


def course_secret(root=ROOT):
    """The course secret (hex text): COURSE_GRADER_SECRET, else ``root/.grader-secret``, which is
    created on first use."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV].strip()
    path = root / SECRET_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip()


def submission_salt(assignment, nb, secret=None):
    """The salt of a submission's hidden inputs: a 63-bit integer from the HMAC of the assignment's
    name and the notebook's cells (their types and sources) under the course secret."""
    cells = json.dumps([[cell.get("cell_type"), cell.get("source")] for cell in nb.cells])
    key = (secret or course_secret()).encode()
    digest = hmac.new(key, f"{assignment}\0{cells}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


@contextlib.contextmanager
def drawing_for(salt):
    """Within the block, check modules executed draw their hidden inputs for ``salt``."""
    token = _salt.set(salt)
    try:
        yield
    finally:
        _salt.reset(token)


def submission_rng():
    """``rng(n)``: a new numpy Generator for hidden input ``n`` of the submission being drawn for."""
    salt = _salt.get()
    return lambda n: np.random.default_rng([salt, n])


def submission_seed():
    """``seed(n)``: the seed, as JSON, of a Generator the kernel builds for hidden input ``n``. It is
    a one-way function of the salt, so the kernel learns nothing of the salt from it."""
    salt = _salt.get()
    return lambda n: int.from_bytes(hashlib.sha256(f"{salt}:{n}".encode()).digest()[:8], "big")
