"""Reference computations for the ``input_pipeline`` assignment, in numpy only (the grader never
imports TensorFlow or h5py: whatever needs them runs in the learner's kernel, in the drivers of
``autograder.checks.input_pipeline``)."""
import math

import numpy as np


def normalize(images):
    """uint8 grey levels as float32 values in [0, 1], what ``tf.cast(image, tf.float32) / 255.0`` gives."""
    return np.asarray(images).astype(np.float32) / np.float32(255.0)


def batch_sizes(m, batch_size):
    """Sizes of the batches of m examples, the last one possibly shorter."""
    return [min(batch_size, m - start) for start in range(0, m, batch_size)]


def ideal_seconds(produce_s, consume_s, steps):
    """(without, with) prefetch for a producer of ``produce_s`` and a consumer of ``consume_s`` seconds."""
    return steps * (produce_s + consume_s), min(produce_s, consume_s) + steps * max(produce_s, consume_s)


def round_to_bfloat16(x):
    """Nearest bfloat16 of each float32 value (ties to even), returned as float32."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32)


def truncate_to_bfloat16(x):
    """The upper 16 bits of each float32 value, the lower ones cleared (rounding toward zero)."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32)
    return (bits & np.uint32(0xFFFF0000)).view(np.float32)


def round_half_away_to_bfloat16(x):
    """Nearest bfloat16 with ties rounded away from zero (a common slip: adding 0x8000)."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((bits + 0x8000) & 0xFFFF0000).astype(np.uint32).view(np.float32)


def bfloat16_ties(seed, n):
    """n float32 values exactly halfway between two neighbouring bfloat16 numbers, of both parities."""
    rng = np.random.default_rng(seed)
    upper = rng.integers(0x0080, 0x7F00, n).astype(np.uint32)  # normal, finite, positive
    upper[: n // 2] &= ~np.uint32(1)                             # half with an even last kept bit
    upper[n // 2:] |= np.uint32(1)                               # half with an odd one
    signs = np.where(rng.random(n) < 0.5, np.uint32(0x80000000), np.uint32(0))
    return ((upper << np.uint32(16)) | np.uint32(0x8000) | signs).view(np.float32)


def is_consecutive_run(labels):
    """True when the labels are consecutive integers in some order (a batch cut from unshuffled data)."""
    labels = np.sort(np.asarray(labels))
    return bool(labels.size and np.all(np.diff(labels) == 1))


def relative_error_bound():
    """The largest relative error of rounding to nearest with 8 significant bits: 2^-8."""
    return math.ldexp(1.0, -8)
