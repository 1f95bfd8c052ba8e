"""Record a notebook's answers for the grader, which judges them outside the notebook's kernel.

While a submission is graded, the grader sets ``COURSE_PROBE_DIR`` in the kernel's environment
and writes one plan per test cell, ``<test_id>.plan.json``. The (hidden) first line of each test
cell calls ``record_for_grader(test_id, globals())``, which makes the planned calls to the
learner's functions, and writes what they returned or raised to ``<test_id>.record.json``.
The grader then compares those records with its reference in its own process, so nothing the
notebook does to numpy, builtins or these helpers can change a verdict: at most it spoils its
own records. Outside grading (no ``COURSE_PROBE_DIR``) ``record_for_grader`` does nothing.

Values cross the kernel boundary as plain JSON (see ``encode`` and ``decode``), never pickles.
A plan looks like::

    {"timeout": 10,
     "calls":  [{"label": "log", "function": "sample_log_uniform",
                 "args": [0.0001, 1.0, 5000, {"$rng": 1}], "kwargs": {}}]}

Special argument forms:

* ``{"$rng": seed}`` is ``numpy.random.default_rng(seed)``; with ``"$name"`` the same Generator
  object is shared by the calls that use that name;
* ``{"$callable": "lambda c: ..."}`` is a function of the grader's, evaluated with ``np`` and
  ``math`` in scope; the source may also be a whole ``def`` (a *driver*, see below);
* ``{"$function": name}`` is the learner's function ``name`` itself;
* ``{"$call": {"function": name, "args": [...]}, "index": i, "$name": key}`` is item ``i`` of what
  the learner's ``name(*args)`` returns (the whole result without ``"index"``); with ``"$name"``
  the call is made once and its result shared, so a backward pass can take the cache of the
  learner's own forward pass, whatever its layout.

A planned call may name a grader's ``"callable"`` instead of a ``"function"``, to drive the
learner's functions in a way one call cannot (one example at a time, say). A driver that needs
TensorFlow, h5py or a temporary file imports or makes them itself, in the kernel. A driver can
also call ``observe(event, path=None, io=False)``: the grader's runner, outside the kernel, then
notes the time on its own clock and, if asked, whether ``path`` is open in any of the kernel's
processes and how many bytes the calling process has read so far. Those notes go to the grader
directly, never through the records, so the kernel cannot forge what they say.

TensorFlow values cross as ``{"$tensor": {"kind": "Variable" | "Tensor" | "KerasVariable",
"dtype": name, "value": <array>}}`` and decode to ``TensorValue``, so the grader can tell a
``tf.Variable`` from a tensor or a numpy array without importing TensorFlow itself.
"""
import json
import math
import os
import re
import signal
import socket
import sys
import time
import traceback
from pathlib import Path

import numpy as np

PROBE_DIR_ENV = "COURSE_PROBE_DIR"
OBSERVER_ENV = "COURSE_OBSERVER_SOCKET"
MAX_ARRAY_SIZE = 2_000_000
MAX_DEPTH = 32
_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float16", "float32", "float64"}


class RecordError(ValueError):
    """A record or plan is not in the expected JSON form."""


class CallTimeout(BaseException):
    """Raised inside a probed call that ran past the plan's time limit."""


def encode(value, depth=0):
    """Turn a value into JSON-ready data: arrays, numpy scalars, tuples and dicts are tagged."""
    if depth > MAX_DEPTH:
        return {"$object": {"type": "nested too deeply", "repr": ""}}
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return value
    if isinstance(value, np.ndarray) and value.dtype.name in _DTYPES and value.size <= MAX_ARRAY_SIZE:
        return {"$ndarray": {"dtype": value.dtype.name, "shape": list(value.shape),
                             "data": np.asarray(value).ravel().tolist()}}
    if isinstance(value, np.generic) and value.dtype.name in _DTYPES:
        return {"$npscalar": {"dtype": value.dtype.name, "value": value.item()}}
    kind = _tensor_kind(value)
    if kind:
        array = np.asarray(value.numpy())
        dtype = str(getattr(value.dtype, "name", array.dtype))
        if array.dtype.name not in _DTYPES and getattr(value.dtype, "is_floating", False):
            array = array.astype(np.float32)  # bfloat16 travels as float32; "dtype" keeps its name
        return {"$tensor": {"kind": kind, "dtype": dtype, "value": encode(array, depth + 1)}}
    if type(value) is list:
        return [encode(v, depth + 1) for v in value]
    if type(value) is tuple:
        return {"$tuple": [encode(v, depth + 1) for v in value]}
    if type(value) is dict:
        return {"$dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    try:
        shown = repr(value)[:200]
    except Exception:  # noqa: BLE001 - a broken __repr__ is itself worth reporting
        shown = "<repr failed>"
    kind = type(value).__name__
    if isinstance(value, np.ndarray):
        kind = f"{value.dtype} array of shape {value.shape}"
    return {"$object": {"type": kind, "repr": shown}}


def _tensor_kind(value):
    """"Variable", "Tensor" or "KerasVariable" for TensorFlow values, None for anything else."""
    tf = sys.modules.get("tensorflow")
    if tf is None or isinstance(value, np.ndarray):
        return None
    try:
        if isinstance(value, tf.Variable):
            return "Variable"
        if isinstance(value, tf.Tensor) and hasattr(value, "numpy"):
            return "Tensor"
    except Exception:  # noqa: BLE001 - a half-imported tensorflow is not a reason to fail recording
        return None
    if type(value).__module__.startswith("keras") and "Variable" in type(value).__name__ and hasattr(value, "numpy"):
        return "KerasVariable"
    return None


class TensorValue:
    """A TensorFlow value as the grader sees it: its kind, its dtype's name, and its numpy value."""

    def __init__(self, kind, dtype, value):
        self.kind, self.dtype, self.value = kind, dtype, value

    @property
    def shape(self):
        return getattr(self.value, "shape", ())

    def __repr__(self):
        return f"<tf.{self.kind} {self.dtype} {self.shape}>"


class Opaque:
    """Stands for a value that cannot cross the boundary as data (shown by its type and repr)."""

    def __init__(self, type_name, shown):
        self.type_name, self.shown = type_name, shown

    def __repr__(self):
        return f"<{self.type_name}: {self.shown}>"


def decode(data, depth=0):
    """Inverse of ``encode``, producing only plain Python values, numpy arrays and ``Opaque``."""
    if depth > MAX_DEPTH + 1:
        raise RecordError("record nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, depth + 1) for v in data]
    if not isinstance(data, dict) or len(data) != 1:
        raise RecordError(f"unexpected record element {str(data)[:80]}")
    (tag, body), = data.items()
    if tag == "$ndarray":
        if body.get("dtype") not in _DTYPES:
            raise RecordError("array with an unexpected dtype")
        shape = tuple(int(n) for n in body["shape"])
        try:
            flat = np.array(body["data"], dtype=body["dtype"])
        except (OverflowError, TypeError, ValueError):
            raise RecordError("array data that does not fit its dtype") from None
        if flat.ndim != 1 or flat.size != math.prod(shape):
            raise RecordError("array data does not match its shape")
        return flat.reshape(shape)
    if tag == "$npscalar":
        if body.get("dtype") not in _DTYPES:
            raise RecordError("scalar with an unexpected dtype")
        try:
            return np.array(body["value"], dtype=body["dtype"])[()]
        except (OverflowError, TypeError, ValueError):
            raise RecordError("a scalar that does not fit its dtype") from None
    if tag == "$tuple":
        return tuple(decode(v, depth + 1) for v in body)
    if tag == "$dict":
        pairs = [(decode(k, depth + 1), decode(v, depth + 1)) for k, v in body]
        try:
            return dict(pairs)
        except TypeError:
            raise RecordError("dict with unhashable keys") from None
    if tag == "$tensor":
        return TensorValue(str(body.get("kind")), str(body.get("dtype")), decode(body.get("value"), depth + 1))
    if tag == "$object":
        return Opaque(str(body.get("type")), str(body.get("repr")))
    raise RecordError(f"unknown record tag {tag!r}")


def _plan_argument(data, shared, namespace):
    """Decode one planned argument, building Generators, callables and chained results.

    ``shared`` holds the Generators and call results that carry a "$name"."""
    if isinstance(data, dict) and "$rng" in data:
        name = data.get("$name")
        if name is None:
            return np.random.default_rng(data["$rng"])
        return shared.setdefault(("rng", name), np.random.default_rng(data["$rng"]))
    if isinstance(data, dict) and "$callable" in data:
        return grader_code(data["$callable"])
    if isinstance(data, dict) and "$function" in data:
        return namespace[data["$function"]]
    if isinstance(data, dict) and "$call" in data:
        key = ("call", data.get("$name"))
        if data.get("$name") is None or key not in shared:
            inner = data["$call"]
            result = namespace[inner["function"]](*[_plan_argument(a, shared, namespace) for a in inner["args"]])
            if data.get("$name") is None:
                return result if "index" not in data else result[data["index"]]
            shared[key] = result
        return shared[key] if "index" not in data else shared[key][data["index"]]
    if isinstance(data, list):
        return [_plan_argument(v, shared, namespace) for v in data]
    if isinstance(data, dict) and "$dict" in data:
        return {decode(k): _plan_argument(v, shared, namespace) for k, v in data["$dict"]}
    if isinstance(data, dict) and "$tuple" in data:
        return tuple(_plan_argument(v, shared, namespace) for v in data["$tuple"])
    return decode(data)


class Observe:
    """``observe(event, path=None, io=False)`` for a driver of the planned call ``label`` of
    ``test_id``: asks the grader's runner to note ``event`` now (see the module doc), and returns
    once it has. Outside grading it does nothing."""

    def __init__(self, test_id, label):
        self.test_id, self.label = test_id, label

    def __call__(self, event, path=None, io=False):
        address = os.environ.get(OBSERVER_ENV)
        if not address:
            return
        request = {"test": self.test_id, "label": self.label, "event": event, "io": bool(io)}
        if path is not None:
            request["path"] = os.fspath(path)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(5)
            connection.connect(address)
            connection.sendall(json.dumps(request).encode() + b"\n")
            connection.recv(8)


def grader_code(source, observe=None):
    """The grader's function from its source: a lambda expression, or a ``def`` (a driver), which
    may use ``observe`` (an ``Observe``)."""
    scope = {"np": np, "math": math, "observe": observe}
    definition = re.match(r"\s*def\s+(\w+)", source)
    if definition is None:
        return eval(source, scope)
    exec(source, scope)
    return scope[definition.group(1)]


def _alarm(signum, frame):
    raise CallTimeout()


def _run_call(test_id, call, namespace, shared, timeout):
    needed = [call["function"]] if "function" in call else []
    needed += [name for name in call.get("needs", []) if name not in needed]
    missing = [name for name in needed if not callable(namespace.get(name))]
    if missing:
        return {"missing": missing[0]}
    function = (namespace[call["function"]] if "function" in call
                else grader_code(call["callable"], Observe(test_id, call["label"])))
    record = {}
    start = time.perf_counter()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    args = []
    try:
        args = [_plan_argument(a, shared, namespace) for a in call.get("args", [])]
        kwargs = {k: _plan_argument(v, shared, namespace) for k, v in call.get("kwargs", {}).items()}
        record["returned"] = encode(function(*args, **kwargs))
    except CallTimeout:
        record["timeout"] = timeout
    except Exception as error:  # noqa: BLE001 - the learner's exception is the finding
        frames = traceback.extract_tb(error.__traceback__)
        record["raised"] = {"type": type(error).__name__,
                            "bases": [c.__name__ for c in type(error).__mro__],
                            "message": str(error)[:500],
                            "where": frames[-1].name if frames else ""}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    record["seconds"] = time.perf_counter() - start
    record["args_after"] = [encode(a) for a in args]
    return record


def record_for_grader(test_id, namespace):
    """Make the grader's planned calls for ``test_id`` and save the results (no-op outside grading)."""
    directory = os.environ.get(PROBE_DIR_ENV)
    if not directory:
        return
    plan_path = Path(directory) / f"{test_id}.plan.json"
    if not plan_path.exists():
        return
    plan = json.loads(plan_path.read_text())
    shared, timed_out = {}, set()
    records = {"calls": {}}
    for call in plan.get("calls", []):
        name = call.get("function", call["label"])
        if name in timed_out:  # one stuck call is enough: do not wait on the others
            records["calls"][call["label"]] = {"skipped": name}
            continue
        records["calls"][call["label"]] = record = _run_call(test_id, call, namespace, shared, plan.get("timeout", 10))
        if "timeout" in record:
            timed_out.add(name)
        _save(records, Path(directory), test_id)  # after every call: a later stuck one loses nothing
    _save(records, Path(directory), test_id)


def _save(records, directory, test_id):
    partial = directory / f"{test_id}.record.partial"
    partial.write_text(json.dumps(records))
    partial.replace(directory / f"{test_id}.record.json")


def record_missing_for_grader(namespace):
    """Record, after the last cell, every planned check that no test cell recorded, or whose test
    cell ran before the function it tests was defined (a test cell moved up, say)."""
    directory = os.environ.get(PROBE_DIR_ENV)
    if not directory:
        return
    for plan in sorted(Path(directory).glob("*.plan.json")):
        test_id = plan.name[: -len(".plan.json")]
        record = Path(directory) / f"{test_id}.record.json"
        try:
            calls = json.loads(record.read_text())["calls"].values() if record.exists() else None
        except (ValueError, KeyError, AttributeError):
            calls = None
        if calls is None or any("missing" in call for call in calls):
            record_for_grader(test_id, namespace)
