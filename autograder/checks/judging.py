"""Building blocks for judges: reading records, and comparisons that explain themselves."""
import functools
import inspect
import math
from typing import NamedTuple

import numpy as np

from course_utils.data import flatten_and_scale, load_digits_dataset
from course_utils.grading import Opaque, TensorValue, decode, encode

# Kolmogorov-Smirnov critical constant for a false-failure probability of about 1e-6:
# sqrt(-ln(1e-6 / 2) / 2). A correct sampler fails with that probability per check.
KS_CONSTANT = 2.69


class Failure(Exception):
    """A hidden check failed. The message is shown to the learner as it is."""


def shown_argument(data):
    """How a planned argument reads in a message: rng, objective, or its plain value."""
    if isinstance(data, dict) and "$rng" in data:
        return "rng"
    if isinstance(data, dict) and "$callable" in data:
        return "objective"
    if isinstance(data, dict) and "$function" in data:
        return data["$function"]
    if isinstance(data, dict) and "$call" in data:
        return "cache" if data.get("index") == 1 else f"{data['$call']['function']}(...)"
    value = decode(data)
    if isinstance(value, np.ndarray) and (value.size > 6 or value.ndim > 1):
        return f"<array {value.shape}>"
    return repr(value)


def call_text(function, args, kwargs=None):
    """Render a planned call such as ``sample_beta(0.9, 0.999, 20000, rng)`` for messages."""
    shown = [shown_argument(a) for a in args] + [f"{k}={shown_argument(v)}" for k, v in (kwargs or {}).items()]
    return f"{function}({', '.join(shown)})"


def describe(value):
    """Short description of a decoded value for 'found ...' messages."""
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    if isinstance(value, TensorValue):
        return f"a tf.{value.kind} of dtype {value.dtype} and shape {value.shape}"
    if isinstance(value, Opaque):
        return f"{value.type_name} ({value.shown[:60]})"
    if isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"{type(value).__name__} {value!r}"[:120]


class Records:
    """What one test cell's probe recorded, with the plan that produced it, and what the runner
    observed while it ran ({label: [observation]}, see ``observed``)."""

    def __init__(self, plan, raw, observed=None):
        self.plan = {call["label"]: call for call in plan.get("calls", [])}
        self.raw = raw
        self.observations = observed or {}

    def observed(self, label, event=None):
        """The runner's observations for the call ``label`` (in order; only those of ``event`` if
        given): dicts with "event", "t" (the runner's clock, seconds) and, where the driver asked,
        "open" (the file was open in a kernel process) and "read_bytes" (bytes the asking process
        had read so far). They are made outside the kernel; the kernel only chose when to ask."""
        notes = self.observations.get(label)
        notes = [n for n in notes if isinstance(n, dict) and isinstance(n.get("t"), (int, float))] \
            if isinstance(notes, list) else []
        return [n for n in notes if event is None or n.get("event") == event]

    def call(self, label):
        """Return the decoded value the call ``label`` returned, or raise Failure saying why not."""
        record = self.raw["calls"].get(label)
        call = self.plan[label]
        shown = self.shown(label)
        if record is None:
            raise Failure(f"{shown} was never run: the cell stopped before the grader could call it.")
        if "missing" in record:
            raise Failure(f"No function named {record['missing']} is defined. Keep the name and signature "
                          f"given in the notebook (def {record['missing']}(...)).")
        if "skipped" in record:
            raise Failure(f"{shown} was not run: an earlier call to {record['skipped']} did not return in time.")
        if "timeout" in record:
            raise Failure(f"{shown} did not return within {record['timeout']:g} s. Look for a loop that never ends, "
                          "or for work far slower than the exercise needs.")
        if "raised" in record:
            error = record["raised"]
            if error["type"] == "NotImplementedError":
                where = error.get("where") or call.get("function", "")
                raise Failure(f"{where} is not implemented yet: it still raises NotImplementedError "
                              f"(seen while running {shown}). Replace the raise line with your code.")
            raise Failure(f"{shown} raised {error['type']}: {error['message']}")
        return decode(record["returned"])

    def raised(self, label):
        """Return (exception type name, its base names, message) of a call expected to raise."""
        record = self.raw["calls"].get(label)
        if record is None or "raised" not in record:
            return None
        error = record["raised"]
        return error["type"], error["bases"], error["message"]

    def args_after(self, label):
        """The call's arguments as they were after the call returned (still encoded)."""
        return self.raw["calls"][label].get("args_after")

    def shown(self, label):
        call = self.plan[label]
        if "function" not in call:
            return call.get("shown", label)
        return call_text(call["function"], call["args"], call.get("kwargs"))

def planned_call(label, function, *args, **kwargs):
    """A planned call of the learner's ``function`` on plain values (arrays, numbers, lists)."""
    return {"label": label, "function": function, "args": [encode(a) for a in args],
            "kwargs": {k: encode(v) for k, v in kwargs.items()}}


def driver_call(label, driver, *args, needs=(), shown=""):
    """A planned call that runs the grader's ``driver`` in the learner's kernel.

    ``driver`` is a self-contained module-level function (it imports what it uses); its source
    crosses into the kernel. It receives the learner's functions named in ``needs``, then ``args``.
    ``shown`` is how the call reads in messages, e.g. "train_step(w, SGD(0.1), cost_fn)".
    """
    return {"label": label, "callable": driver_source(driver), "needs": list(needs),
            "args": [{"$function": name} for name in needs] + [encode(a) for a in args], "shown": shown or label}


_SOURCES = {}


def driver_source(driver):
    """The source of a driver, read once per process: check modules are executed afresh for every
    submission, and reading a function's source takes a few milliseconds."""
    code = driver.__code__
    key = (code.co_filename, code.co_firstlineno, code.co_name)
    if key not in _SOURCES:
        _SOURCES[key] = inspect.getsource(driver)
    return _SOURCES[key]


def expect_tensor(value, what, shape, kinds=("Variable", "Tensor")):
    """A TensorFlow value of one of ``kinds`` and ``shape``; returns its value as a float64 array."""
    if not isinstance(value, TensorValue) or value.kind not in kinds:
        wanted = " or ".join(f"a tf.{k}" for k in kinds)
        hint = ""
        if isinstance(value, TensorValue) and value.kind == "KerasVariable":
            hint = " keras.Variable is Keras's own type: wrap the value in tf.Variable(...)."
        elif isinstance(value, (float, int, np.ndarray, np.generic)) and "Variable" in kinds and "Tensor" not in kinds:
            hint = " A Python float or numpy array cannot be trained: wrap it in tf.Variable(...)."
        raise Failure(f"{what}: expected {wanted}, found {describe(value)}.{hint}")
    found = np.asarray(value.value)
    if found.shape != tuple(shape):
        raise Failure(f"{what}: expected shape {tuple(shape)}, found shape {found.shape}.")
    if found.dtype.kind not in "biuf":
        raise Failure(f"{what}: expected numbers, found dtype {value.dtype}.")
    return found.astype(np.float64)


def expect_array(value, what, shape, kind):
    """Raise Failure unless value is a numpy array of ``shape`` with dtype kind 'f' or 'i'."""
    if isinstance(value, (np.floating, np.integer)) and shape == ():
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise Failure(f"{what}: expected a numpy array of shape {shape}, found {describe(value)}.")
    if value.shape != tuple(shape):
        raise Failure(f"{what}: expected shape {tuple(shape)}, found shape {value.shape}.")
    found_kind = "i" if value.dtype.kind == "u" else value.dtype.kind
    if found_kind != kind:
        wanted = {"f": "a float", "i": "an integer"}[kind]
        raise Failure(f"{what}: expected {wanted} array, found dtype {value.dtype}.")
    return value


def expect_float_array(value, what, shape):
    """An int or float numpy array of ``shape``, returned as float64; Failure otherwise."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        value = value.astype(np.float64)
    return expect_array(value, what, shape, "f")


def expect_close(found, expected, what, rtol=1e-7, atol=1e-12, hint=""):
    """Raise Failure at the first entry where the float array ``found`` differs from ``expected``."""
    bad = ~np.isclose(found, expected, rtol=rtol, atol=atol)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise Failure(f"{what}: expected {expected[where]:.8g} at index {where}, found {found[where]:.8g} "
                      f"({int(bad.sum())} of {bad.size} entries differ).{' ' + hint if hint else ''}")


def expect_tuple(value, what, parts):
    """A tuple of ``len(parts)`` items; Failure naming the parts otherwise."""
    if not (isinstance(value, tuple) and len(value) == len(parts)):
        raise Failure(f"{what}: expected a tuple ({', '.join(parts)}), found {describe(value)}.")
    return value


def ks_distance(u):
    """Kolmogorov-Smirnov distance between the samples u (1-D) and the uniform law on [0, 1]."""
    u = np.sort(np.asarray(u, dtype=np.float64))
    n = u.size
    ranks = np.arange(1, n + 1)
    return float(max(np.max(ranks / n - u), np.max(u - (ranks - 1) / n)))


def looks_uniform(u):
    """True when samples u are consistent with the uniform law on [0, 1] (KS test, p > ~1e-6)."""
    u = np.asarray(u, dtype=np.float64)
    return bool(np.all(np.isfinite(u))) and ks_distance(u) <= KS_CONSTANT / math.sqrt(u.size)


def expect_reproducible(first, again, other, what):
    """The same seed must give the same draws, and another seed different draws."""
    if not _same(first, again):
        raise Failure(f"{what}: two calls with Generators seeded alike returned different values. "
                      "Draw every random number from the rng argument, not from np.random or a new Generator.")
    if _same(first, other):
        raise Failure(f"{what}: Generators with different seeds returned identical values. "
                      "Draw from the rng argument instead of creating your own Generator with a fixed seed.")


def _same(a, b):
    try:
        return bool(np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)))
    except ValueError:
        return repr(a) == repr(b)


def expect_value_error(records, label, mentions):
    """The call must raise ValueError (or a subclass) whose message names one of ``mentions``."""
    shown = records.shown(label)
    raised = records.raised(label)
    if raised is None:
        try:
            found = f"it returned {describe(records.call(label))}"
        except Failure as failure:
            found = f"this: {failure}"
        raise Failure(f"{shown}: expected a ValueError for these arguments, found {found}")
    type_name, bases, message = raised
    if "ValueError" not in bases:
        raise Failure(f"{shown}: expected a ValueError, found {type_name}: {message}")
    if not any(word in message for word in mentions):
        names = " or ".join(repr(w) for w in mentions)
        raise Failure(f"{shown}: expected the ValueError's message to name {names}, found {message!r}.")


class Digits(NamedTuple):
    """The course's digits as the networks see them: X_* (64, m) floats in [0, 1], labels (m,)."""
    X_train: np.ndarray
    train_labels: np.ndarray
    X_test: np.ndarray
    test_labels: np.ndarray


@functools.lru_cache(maxsize=1)
def course_digits():
    """The course's digits, loaded (and their checksum verified) once per process."""
    train_x, train_y, test_x, test_y, _ = load_digits_dataset()
    digits = Digits(flatten_and_scale(train_x), train_y, flatten_and_scale(test_x), test_y)
    for array in digits:
        array.flags.writeable = False  # shared by every submission's checks
    return digits
