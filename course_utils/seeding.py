"""Seeding, so that every run of a notebook (and every grading of it) gives the same numbers."""
import random
import sys

import numpy as np


def make_rng(seed):
    """Return a fresh ``numpy.random.Generator`` seeded with ``seed``: pass it to anything random."""
    return np.random.default_rng(seed)


def seed_everything(seed):
    """Seed Python's ``random``, numpy's legacy global generator and, if it is imported, TensorFlow.

    Returns a ``numpy.random.Generator`` seeded with ``seed``. TensorFlow is not imported here:
    importing it takes seconds, so only a notebook that already uses it pays for it.
    """
    random.seed(seed)
    np.random.seed(seed)
    if "tensorflow" in sys.modules:
        sys.modules["tensorflow"].random.set_seed(seed)
    return make_rng(seed)
