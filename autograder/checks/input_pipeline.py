"""Hidden checks for ``input_pipeline``: HDF5 files written and read with h5py, lazy batches, the
two forms of iter(), tf.data pipelines, prefetching and bfloat16 rounding.

Everything that needs TensorFlow, h5py or a file happens in *drivers*: module-level functions whose
source is sent into the learner's kernel (see ``driver_call``). They build their own files under
``tempfile.mkdtemp()`` and return plain data; the judges below compare it with numpy references, in
the grader's process, which never imports TensorFlow.

What a driver must not take the kernel's word for, the grader's runner observes from outside the
kernel when the driver asks (``observe``, see ``Records.observed``): whether a file is still open
(from /proc/PID/fd, right after the learner's call returns), how many bytes the kernel read (rchar in
/proc/PID/io, before and after a call; the files are large enough that one batch and the whole
dataset differ by far more than HDF5's metadata), and when the grader's own producer and consumer
ran (the runner's clock), from which the prefetch judge computes the timings itself. A judge requires
every observation its driver asks for, in order, and fails when one is missing.

Each test judges its own function. The pipelines call the learner's ``normalize`` and
``h5_batches`` by name, so their drivers put correct versions in those names for the duration of
the call: a mistake in ``normalize`` costs ``test_normalize`` and not ``test_make_pipeline`` too.
"""
import math
import re

import numpy as np

from autograder.hidden_inputs import submission_rng, submission_seed
from autograder.reference import input_pipeline as ref
from course_utils.grading import Opaque, TensorValue, encode
from . import Check
from .judging import Failure, describe, driver_call, expect_close, expect_float_array, expect_tuple

rng = submission_rng()     # Generators for this submission's hidden inputs
seed = submission_seed()   # seeds of the Generators that drivers build in the kernel (large data)
KIB = 1024


def images(n, m, h=8, w=8):
    """uint8 images with every grey level from 0 to 255 likely present."""
    return rng(n).integers(0, 256, (m, h, w), dtype=np.uint8)


def kernel_data(data_seed, shape):
    """The uint8 array a driver makes in the kernel from ``data_seed`` (too large to send in a plan);
    the judge makes the same one here."""
    return np.random.default_rng(data_seed).integers(0, 256, shape, dtype=np.uint8)


def observed(records, label, event, key, what):
    """The value ``key`` of the runner's first observation ``event`` of the call ``label``; Failure when
    the driver never asked for it (the grader watches from outside the kernel, and needs it)."""
    notes = [n for n in records.observed(label, event) if key in n and n[key] is not None]
    if not notes:
        raise Failure(f"{what}: the grader could not observe the call from outside the kernel (no '{event}' note). "
                      "Something in the notebook stopped the grader's own code around the call; leave it unchanged.")
    return notes[0][key]


def read_between(records, label, first, second, what):
    """Bytes the kernel read between the observations ``first`` and ``second`` of the call ``label``."""
    return observed(records, label, second, "read_bytes", what) - observed(records, label, first, "read_bytes", what)


def left_open(records, label, event, what):
    """True when the runner saw the call's file open in a kernel process at ``event`` (any such note)."""
    observed(records, label, event, "open", what)
    return any(n.get("open") for n in records.observed(label, event))


def as_array(value):
    """A returned tensor or array as a numpy array (None for anything else)."""
    if isinstance(value, TensorValue):
        return np.asarray(value.value)
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    return None


# --- drivers (run in the learner's kernel; each imports what it uses) ------------------------
def drive_write_h5(write_h5, arrays, attrs, options):
    """write_h5 into a fresh file, observed right after it returns (is the file still open?); returns
    what the file then holds."""
    import gc
    import os
    import tempfile

    import h5py
    import numpy as np

    path = os.path.join(tempfile.mkdtemp(), "written.h5")
    collecting = gc.isenabled()
    gc.disable()  # the file must be closed by write_h5, not by a garbage collection that happens to run
    try:
        write_h5(path, arrays, attrs, **options)
        observe("returned", path=path)
    finally:
        if collecting:
            gc.enable()
    if not os.path.exists(path):
        return {"exists": False}
    found = {"exists": True, "datasets": {}, "attrs_elsewhere": []}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                found["datasets"][name] = {"value": obj[()], "compression": obj.compression,
                                           "chunked": obj.chunks is not None}
            if len(obj.attrs):
                found["attrs_elsewhere"].append(name)
        f.visititems(visit)
        found["root_attrs"] = {name: (value.tolist() if isinstance(value, np.ndarray) else value)
                               for name, value in f.attrs.items()}
    return found


def drive_load_h5(load_h5, arrays, attrs, group_attrs):
    """load_h5 on a file made here, observed right after it returns (is the file still open?)."""
    import gc
    import os
    import tempfile

    import h5py

    path = os.path.join(tempfile.mkdtemp(), "to_load.h5")
    with h5py.File(path, "w") as f:
        for name, array in arrays.items():
            f.create_dataset(name, data=array, chunks=True, compression="gzip")
        f.create_group("empty/inside")
        for name, value in attrs.items():
            f.attrs[name] = value
        for name, value in group_attrs.items():
            f["train"].attrs[name] = value
    collecting = gc.isenabled()
    gc.disable()  # the file must be closed by load_h5, not by a garbage collection that happens to run
    try:
        result = load_h5(path)
        observe("returned", path=path)
    finally:
        if collecting:
            gc.enable()
    return {"result": result}


def drive_h5_batches(h5_batches, data, batch_size):
    """Every batch of h5_batches over a dataset of ``data``; the file is observed after the last one."""
    import os
    import tempfile

    import h5py
    import numpy as np

    path = os.path.join(tempfile.mkdtemp(), "small.h5")
    with h5py.File(path, "w") as f:
        f.create_dataset("data/values", data=data, chunks=True)
        f.create_dataset("data/other", data=np.zeros(len(data)))
    batches = h5_batches(path, "data/values", batch_size)
    found = {"iterator": hasattr(batches, "__next__"), "batches": list(batches)}
    observe("after the last batch", path=path)
    return found


def drive_h5_batches_lazily(h5_batches, data_seed, shape, batch_size):
    """h5_batches over a large contiguous, uncompressed dataset made here from ``data_seed``, with the
    bytes the kernel read observed before the call, after it, after the first batch and after the
    last. Returns the batches' sizes and sums (the data is too large to send back)."""
    import os
    import tempfile

    import h5py
    import numpy as np

    data = np.random.default_rng(data_seed).integers(0, 256, shape, dtype=np.uint8)
    path = os.path.join(tempfile.mkdtemp(), "large.h5")
    with h5py.File(path, "w") as f:
        f.create_dataset("data/values", data=data)
        f.create_dataset("data/other", data=data[::-1])
    del data
    observe("before the call", io=True)
    batches = h5_batches(path, "data/values", batch_size)
    observe("after the call", io=True)
    iterator = iter(batches)
    first = next(iterator)
    observe("after the first batch", io=True)
    found = {"sizes": [len(first)], "sums": [int(np.asarray(first, dtype=np.int64).sum())]}
    for batch in iterator:
        found["sizes"].append(len(batch))
        found["sums"].append(int(np.asarray(batch, dtype=np.int64).sum()))
    observe("after the last batch", path=path, io=True)
    return found


def drive_normalize(normalize, images, labels):
    import tensorflow as tf

    return normalize(tf.constant(images), tf.constant(labels))


def drive_normalize_in_map(normalize, images, labels):
    import numpy as np
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).map(normalize)
    spec = [[s.dtype.name, s.shape.as_list()] for s in tf.nest.flatten(dataset.element_spec)]
    elements = [[np.asarray(t) for t in tf.nest.flatten(element)] for element in dataset]
    return {"spec": spec, "elements": elements}


def drive_pipeline(build, x, y, batch_size, shuffle_buffer, seed, other_seed, source, large=None):
    """Build the learner's pipeline (make_pipeline from arrays, or pipeline_from_h5 from a file it
    writes here), with correct normalize and h5_batches in the learner's namespace, and report its
    structure, one epoch, and the first epochs of pipelines built with the same and another seed.

    From a file, it first builds one on a large contiguous file made from ``large`` (a seed and a
    shape), with the bytes the kernel read observed before and after: building should read nothing."""
    import os
    import tempfile

    import h5py
    import numpy as np
    import tensorflow as tf

    def normalize(image, label):
        return tf.cast(image, tf.float32) / 255.0, label

    def h5_batches(path, key, size):
        with h5py.File(path, "r") as f:
            dataset = f[key]
            for start in range(0, dataset.shape[0], size):
                yield dataset[start:start + size]

    namespace = getattr(build, "__globals__", {})
    saved = {name: namespace[name] for name in ("normalize", "h5_batches") if name in namespace}
    namespace.update(normalize=normalize, h5_batches=h5_batches)
    def structure(dataset):
        chain, current = [], dataset
        while current is not None and len(chain) < 30:
            chain.append(type(current).__name__)
            current = getattr(current, "_input_dataset", None)
        return chain

    def labels_of(dataset):
        return [np.asarray(tf.nest.flatten(element)[-1]) for element in dataset]

    found = {}
    try:
        if source == "file":
            data_seed, shape = large
            path = os.path.join(tempfile.mkdtemp(), "large_pipeline.h5")
            with h5py.File(path, "w") as f:
                f["train/x"] = np.random.default_rng(data_seed).integers(0, 256, shape, dtype=np.uint8)
                f["train/y"] = np.arange(shape[0], dtype=np.int64)
            observe("before building", io=True)
            build(path, batch_size, shuffle_buffer, seed)
            observe("built", io=True)
            path = os.path.join(tempfile.mkdtemp(), "pipeline.h5")
            with h5py.File(path, "w") as f:
                f["train/x"], f["train/y"] = x, y
                f["valid/images"], f["valid/labels"] = x[:30], np.arange(30, dtype=np.int64)

            def again(new_seed, **keys):
                return build(path, batch_size, shuffle_buffer, new_seed, **keys)
        else:
            def again(new_seed):
                return build(x, y, batch_size, shuffle_buffer, new_seed)
        dataset = again(seed)
        if not isinstance(dataset, tf.data.Dataset):
            return {"type": type(dataset).__name__}
        found["chain"] = structure(dataset)
        found["spec"] = [[s.dtype.name, s.shape.as_list() if s.shape.rank is not None else None]
                         for s in tf.nest.flatten(dataset.element_spec)]
        try:
            found["epoch"] = [[np.asarray(t) for t in tf.nest.flatten(element)] for element in dataset]
        except Exception as error:  # noqa: BLE001 - a pipeline that cannot run is the finding
            found["epoch_error"] = f"{type(error).__name__}: {str(error)[:300]}"
            return found
        found["same_seed"] = labels_of(again(seed))
        found["other_seed"] = labels_of(again(other_seed))
        if source == "file":
            found["other_keys"] = labels_of(again(seed, x_key="valid/images", y_key="valid/labels"))
    finally:
        for name in ("normalize", "h5_batches"):
            namespace.pop(name, None)
        namespace.update(saved)
    return found


def drive_first_batch(first_batch, n, batch_size, data_seed, every):
    """first_batch on a dataset of ``n`` examples drawn here from ``data_seed``, whose source asks the
    runner to note every ``every`` examples it produced; the call's end is noted too."""
    import numpy as np
    import tensorflow as tf

    generator = np.random.default_rng(data_seed)
    features, labels = generator.integers(0, 1000, (n, 3)), generator.integers(0, 1000, n)

    def source():
        for i in range(n):
            if i % every == every - 1:
                observe("produced")
            yield features[i], labels[i]

    signature = (tf.TensorSpec((3,), tf.int64), tf.TensorSpec((), tf.int64))
    options = tf.data.Options()
    options.experimental_optimization.inject_prefetch = False
    dataset = tf.data.Dataset.from_generator(source, output_signature=signature).batch(batch_size).with_options(options)
    result = first_batch(dataset)
    observe("returned")
    return {"result": result}


def drive_read_chunks(read_chunks, data, size, limit):
    """read_chunks on an unbuffered binary file of ``data`` (each read is one system call), with the
    bytes the kernel read observed before the call, after it and after the first chunk."""
    import os
    import tempfile

    import numpy as np

    path = os.path.join(tempfile.mkdtemp(), "chunks.bin")
    with open(path, "wb") as out:
        out.write(np.asarray(data, dtype=np.uint8).tobytes())
    found = {"chunks": []}
    with open(path, "rb", buffering=0) as file:
        observe("before the call", io=True)
        chunks = read_chunks(file, size)
        observe("after the call", io=True)
        found["iterator"] = hasattr(chunks, "__next__")
        for chunk in chunks:
            if not found["chunks"]:
                observe("after the first chunk", io=True)
            found["chunks"].append(np.frombuffer(chunk, dtype=np.uint8).copy() if isinstance(chunk, bytes)
                                   else type(chunk).__name__)
            if len(found["chunks"]) >= limit:
                break
    return found


def drive_measure_prefetch(measure_prefetch, produce_s, consume_s, steps, min_speedup, min_overlap, attempts=3):
    """Run measure_prefetch with the grader's produce and consume, which sleep produce_s and consume_s
    and ask the runner to note when each call starts and ends ("produce 3", "produced 3", ...); each
    attempt is bracketed by "call" and "returned". The judge computes the timings from those notes.

    A loaded machine can stall one run's background thread, so an attempt whose own timeline looks
    wrong (by the kernel's clock: too little overlap with prefetch, or returned seconds unlike the
    loops') is repeated, up to ``attempts`` in all. Returns what each attempt returned."""
    import itertools
    import threading
    import time

    spans, lock, numbers = [], threading.Lock(), {"produce": itertools.count(), "consume": itertools.count()}

    def timed(kind, seconds, value):
        with lock:
            k = next(numbers[kind])
        observe(f"{kind} {k}")
        start = time.perf_counter()
        time.sleep(seconds)
        end = time.perf_counter()
        observe(f"{kind}d {k}")
        with lock:
            spans.append((kind, start, end))
        return value

    def produce(i):
        return timed("produce", produce_s, i)

    def consume(element):
        timed("consume", consume_s, None)

    def looks_right(result, attempt_spans):
        """The attempt's own timeline, roughly as the judge will see it from the runner's notes."""
        produced = [span for span in attempt_spans if span[0] == "produce"]
        consumed = [span for span in attempt_spans if span[0] == "consume"]
        if len(produced) != 2 * steps or len(consumed) != 2 * steps:
            return True  # not the pipelines the exercise asks for: a repeat would change nothing
        try:
            seconds = [float(v) for v in result]
        except (TypeError, ValueError):
            return True
        with_prefetch = produced[steps:], consumed[steps:]
        overlap = sum(max(0.0, min(p[2], c[2]) - max(p[1], c[1])) for p in with_prefetch[0] for c in with_prefetch[1])
        runs = [max(c[2] for c in consumed[k:k + steps]) - min(p[1] for p in produced[k:k + steps]) for k in (0, steps)]
        return (overlap >= min_overlap and (produce_s != consume_s or runs[0] / runs[1] >= min_speedup)
                and all(found >= run - max(produce_s, consume_s) - 0.01 for found, run in zip(seconds, runs)))

    results = []
    for _ in range(attempts):
        first = len(spans)
        observe("call")
        result = measure_prefetch(produce, consume, steps)
        observe("returned")
        results.append(result)
        if looks_right(result, sorted(spans[first:], key=lambda span: span[1])):
            break
    return results


# --- write_h5 -------------------------------------------------------------------------------
WRITE_ARRAYS = {"train/x": images(1, 12, 5, 4), "train/y": rng(2).integers(0, 6, 12),
                "test/x": images(3, 4, 5, 4), "meta/stats/mean": rng(4).random((5, 4)).astype(np.float32),
                "classes": rng(5).permutation(6).astype(np.int32)}
WRITE_ATTRS = {"description": f"the grader's file {int(rng(6).integers(10**6))}", "version": int(rng(7).integers(1, 100)),
               "scale": float(np.round(rng(8).uniform(0, 10), 3)), "image_shape": [5, 4]}
WRITE_CASES = (("default", {}, "gzip", True), ("lzf", {"compression": "lzf"}, "lzf", True),
               ("contiguous", {"compression": None, "chunks": None}, None, False))


def same_value(found, expected):
    if isinstance(expected, str):
        return isinstance(found, str) and found == expected
    try:
        return np.asarray(found).shape == np.asarray(expected).shape and bool(np.all(np.asarray(found) == expected))
    except (TypeError, ValueError):
        return False


def write_call(options):
    return "write_h5(path, arrays, attrs" + "".join(f", {k}={v!r}" for k, v in options.items()) + ")"


def judge_write_h5(records):
    for label, options, compression, chunked in WRITE_CASES:
        shown = write_call(options)
        found = records.call(label)
        if not found.get("exists"):
            raise Failure(f"{shown} created no file at path. Create it with h5py.File(path, 'w').")
        if left_open(records, label, "returned", shown):
            raise Failure(f"{shown}: the file was still open after write_h5 returned. Write inside "
                          "`with h5py.File(path, 'w') as f:`, which closes (and flushes) the file at the end of the block.")
        datasets = found["datasets"]
        for name, array in WRITE_ARRAYS.items():
            if name not in datasets:
                raise Failure(f"{shown}: expected a dataset at {name!r}, found none (the file holds the datasets "
                              f"{sorted(datasets)}). Use the keys of arrays as the datasets' paths: f.create_dataset(name, data=array, ...).")
            value = datasets[name]["value"]
            if not isinstance(value, np.ndarray) or value.shape != array.shape:
                raise Failure(f"{shown}: the dataset {name!r} should hold an array of shape {array.shape}, found {describe(value)}.")
            if value.dtype != array.dtype:
                raise Failure(f"{shown}: the dataset {name!r} has dtype {value.dtype}, expected {array.dtype}. Store each "
                              "array as it is, without converting it.")
            if not np.array_equal(value, array):
                raise Failure(f"{shown}: the values of the dataset {name!r} differ from the array given for it.")
            if datasets[name]["compression"] != compression:
                raise Failure(f"{shown}: the dataset {name!r} has compression {datasets[name]['compression']!r}, expected "
                              f"{compression!r}. Pass compression=compression to create_dataset.")
            if datasets[name]["chunked"] != chunked:
                state = "chunked" if datasets[name]["chunked"] else "contiguous"
                raise Failure(f"{shown}: the dataset {name!r} is {state}, expected {'chunked' if chunked else 'contiguous'}. "
                              "Pass chunks=chunks to create_dataset.")
        root = found["root_attrs"]
        for name, value in WRITE_ATTRS.items():
            if name not in root:
                elsewhere = found["attrs_elsewhere"]
                where = f" Attributes were found on {elsewhere[:3]} instead." if elsewhere else ""
                raise Failure(f"{shown}: the file's root has no attribute {name!r}. The attributes go on the root group, "
                              f"f.attrs[name] = value.{where}")
            if not same_value(root[name], value):
                raise Failure(f"{shown}: the root attribute {name!r} is {root[name]!r}, expected {value!r}.")


# --- load_h5 --------------------------------------------------------------------------------
LOAD_ARRAYS = {"train/x": images(9, 20, 6, 6), "train/y": rng(10).integers(0, 4, 20), "valid/x": images(11, 5, 6, 6),
               "valid/y": rng(12).integers(0, 4, 5), "deep/a/b/c": rng(13).normal(size=(3, 2)),
               "notes": rng(14).random(4).astype(np.float32)}
LOAD_ATTRS = {"title": f"the grader's file {int(rng(15).integers(10**6))}", "n_classes": 4,
              "mean": float(np.round(rng(16).uniform(0, 1), 4)), "image_shape": [6, 6]}
GROUP_ATTRS = {"split": "train only"}


def judge_load_h5(records):
    shown = "load_h5(path) on a file with datasets at " + ", ".join(repr(k) for k in LOAD_ARRAYS)
    found = records.call("load")
    arrays, attrs = expect_tuple(found["result"], shown, ("arrays", "attrs"))
    if not isinstance(arrays, dict):
        raise Failure(f"{shown}: expected arrays to be a dict {{path: numpy array}}, found {describe(arrays)}.")
    lazy = [k for k, v in arrays.items() if isinstance(v, Opaque) and "Dataset" in v.type_name]
    if lazy:
        raise Failure(f"{shown}: arrays[{lazy[0]!r}] is an h5py Dataset, not a numpy array. A Dataset reads from the file "
                      "when indexed and keeps the file open; read it while the file is open, with dataset[()].")
    if left_open(records, "load", "returned", shown):
        raise Failure(f"{shown}: the file was still open after load_h5 returned. Read inside `with h5py.File(path, 'r') as f:` "
                      "so that it is closed when the block ends, rather than whenever the garbage collector runs.")
    slashed = [k for k in arrays if isinstance(k, str) and k.startswith("/")]
    if slashed:
        raise Failure(f"{shown}: found the key {slashed[0]!r}; expected paths without the leading '/', such as 'train/x' "
                      "(the names visititems gives).")
    missing = [k for k in LOAD_ARRAYS if k not in arrays]
    if missing:
        nested = " Datasets inside groups count too, at any depth: f.visititems visits them all." if "/" in missing[0] else ""
        raise Failure(f"{shown}: the key {missing[0]!r} is missing (found the keys {sorted(map(str, arrays))}).{nested}")
    extra = [k for k in arrays if k not in LOAD_ARRAYS]
    if extra:
        raise Failure(f"{shown}: found the key {extra[0]!r}, which is not a dataset (groups such as 'train' or 'empty' are not "
                      "datasets). Keep only h5py.Dataset objects.")
    for name, expected in LOAD_ARRAYS.items():
        value = arrays[name]
        if not isinstance(value, np.ndarray) or value.shape != expected.shape or value.dtype != expected.dtype:
            raise Failure(f"{shown}: arrays[{name!r}] should be a {expected.dtype} array of shape {expected.shape}, "
                          f"found {describe(value)}.")
        if not np.array_equal(value, expected):
            raise Failure(f"{shown}: the values of arrays[{name!r}] differ from the file's.")
    if not isinstance(attrs, dict):
        raise Failure(f"{shown}: expected attrs to be a dict, found {describe(attrs)}. dict(f.attrs) copies them.")
    if set(map(str, attrs)) != set(LOAD_ATTRS):
        hint = " Only the root's attributes: the group 'train' has its own." if "split" in attrs else ""
        raise Failure(f"{shown}: expected the root attributes {sorted(LOAD_ATTRS)}, found {sorted(map(str, attrs))}.{hint}")
    for name, value in LOAD_ATTRS.items():
        if not same_value(attrs[name], value):
            raise Failure(f"{shown}: attrs[{name!r}] is {attrs[name]!r}, expected {value!r}.")


# --- h5_batches -----------------------------------------------------------------------------
H5_DATA = images(17, 1000)
H5_VECTOR = rng(18).integers(0, 10, 1000)
H5_CASES = (("uneven", H5_DATA, 64), ("even", H5_VECTOR, 100))
# A contiguous, uncompressed 4 MiB dataset of 1 KiB rows, read lazily in batches of 128 KiB: the whole
# dataset and one batch differ by far more than what opening the file reads (a few KiB of metadata).
LAZY_SHAPE, LAZY_BATCH, LAZY_SEED = (4096, 32, 32), 128, seed(101)
READ_SLACK = 256 * KIB


def judge_h5_batches(records):
    for label, data, batch_size in H5_CASES:
        shown = f"h5_batches(path, key, {batch_size}) on a dataset of shape {data.shape}"
        found = records.call(label)
        if not found["iterator"]:
            raise Failure(f"{shown} returned a list (or another container), so every batch was read before the first was "
                          "asked for. Make h5_batches a generator: yield each batch inside the loop.")
        expect_batches(found["batches"], data, batch_size, shown)
        if left_open(records, label, "after the last batch", shown):
            raise Failure(f"{shown}: the file was still open after the last batch. Open it with `with` inside the generator, "
                          "so that it is closed when the loop ends.")
    judge_lazy_batches(records)


def expect_batches(batches, data, batch_size, shown):
    """The batches must be numpy arrays of the sizes batch_size, ..., the rest, that put together give data."""
    bad = [describe(b) for b in batches if not isinstance(b, np.ndarray)]
    if bad:
        raise Failure(f"{shown}: expected numpy arrays as batches, found {bad[0]}.")
    expect_batch_sizes([len(b) for b in batches], len(data), batch_size, shown)
    if not np.array_equal(np.concatenate(batches), data):
        raise Failure(f"{shown}: the batches, put back together, differ from the dataset. Yield consecutive slices "
                      "ds[i:i + batch_size] in order.")


def expect_batch_sizes(sizes, m, batch_size, shown):
    expected = ref.batch_sizes(m, batch_size)
    if sizes != expected:
        last = expected[-1]
        if sizes == expected[:-1] and last < batch_size:
            raise Failure(f"{shown}: the last, short batch of {last} rows is missing. Yield it too: range(0, n, batch_size) "
                          "ends with the start of the short batch.")
        if sizes[:-1] == expected and sizes[-1] == 0:
            raise Failure(f"{shown}: the last batch is empty. Stop when the start reaches the number of rows.")
        raise Failure(f"{shown}: expected {len(expected)} batches of sizes {expected[:3]}...{expected[-1:]}, "
                      f"found {len(sizes)} of sizes {sizes[:3]}...{sizes[-1:]}.")


def judge_lazy_batches(records):
    """What the kernel read from the large file, as the runner saw it: nothing before the first next(),
    about one batch for it."""
    shown = f"h5_batches(path, key, {LAZY_BATCH}) on a dataset of shape {LAZY_SHAPE}"
    found = records.call("lazy")
    row = math.prod(LAZY_SHAPE[1:])
    before = read_between(records, "lazy", "before the call", "after the call", shown)
    if before > READ_SLACK:
        raise Failure(f"{shown} read {before // row} rows before the first next(). A generator reads nothing until a "
                      "batch is asked for.")
    first = read_between(records, "lazy", "after the call", "after the first batch", shown)
    if first > LAZY_BATCH * row + READ_SLACK:
        whole = " It read the whole dataset:" if first >= 0.9 * math.prod(LAZY_SHAPE) else ""
        raise Failure(f"{shown}: after the first next(), {first // row} rows had been read from the file, expected at most "
                      f"one batch of {LAZY_BATCH}.{whole} read ds[i:i + batch_size] in the loop; ds[:], ds[()] or "
                      "np.array(ds) read everything at once.")
    expect_batch_sizes(found["sizes"], LAZY_SHAPE[0], LAZY_BATCH, shown)
    data = kernel_data(LAZY_SEED, LAZY_SHAPE)
    sums = [int(data[i:i + LAZY_BATCH].sum(dtype=np.int64)) for i in range(0, LAZY_SHAPE[0], LAZY_BATCH)]
    if found["sums"] != sums:
        raise Failure(f"{shown}: the batches differ from the dataset's consecutive slices ds[i:i + batch_size].")
    if left_open(records, "lazy", "after the last batch", shown):
        raise Failure(f"{shown}: the file was still open after the last batch. Open it with `with` inside the generator, "
                      "so that it is closed when the loop ends.")


# --- normalize ------------------------------------------------------------------------------
NORM_IMAGES = images(19, 6)
NORM_IMAGES[0, 0, :2] = (0, 255)
NORM_LABELS = rng(20).integers(0, 6, 6)


def expect_normalized(image, expected, what):
    """The image a normalize returned: a float32 TensorFlow value equal to expected."""
    if isinstance(image, np.ndarray):
        raise Failure(f"{what}: expected a tf.Tensor, found {describe(image)}. Use TensorFlow operations (tf.cast) so "
                      "that normalize also works inside Dataset.map.")
    if not isinstance(image, TensorValue):
        raise Failure(f"{what}: expected a float32 tf.Tensor as the image, found {describe(image)}.")
    found = np.asarray(image.value, dtype=np.float64)
    if found.shape != expected.shape:
        raise Failure(f"{what}: expected an image of shape {expected.shape}, found shape {found.shape}.")
    if image.dtype != "float32":
        if image.dtype == "float64":
            raise Failure(f"{what}: found dtype float64, expected float32. Cast to tf.float32: the precision layers "
                          "compute in, and half the memory of float64.")
        if image.dtype.startswith(("uint", "int")):
            raise Failure(f"{what}: found dtype {image.dtype}: the image is not cast to float. Cast it first, "
                          "tf.cast(image, tf.float32) / 255.0.")
        raise Failure(f"{what}: found dtype {image.dtype}, expected float32.")
    if found.max() > 1.5:
        raise Failure(f"{what}: values go up to {found.max():g}, expected values in [0, 1]: divide by 255 after the cast.")
    expect_close(found, expected.astype(np.float64), what, rtol=1e-6, atol=1e-7)


def judge_normalize(records):
    for label, image, labels in (("one image", NORM_IMAGES[0], NORM_LABELS[0]), ("a batch", NORM_IMAGES, NORM_LABELS)):
        what = f"normalize(image, label) for a uint8 image tensor of shape {image.shape}"
        raised = records.raised(label)
        if raised and raised[0] != "NotImplementedError" and ("dtype" in raised[2] or "uint8" in raised[2]):
            raise Failure(f"{what} raised {raised[0]}: {raised[2][:160]}. A uint8 tensor cannot be divided by a float "
                          "without casting: write tf.cast(image, tf.float32) / 255.0.")
        result = expect_tuple(records.call(label), what, ("image", "label"))
        expect_normalized(result[0], ref.normalize(image), what)
        found_label = as_array(result[1])
        if found_label is None or found_label.shape != np.shape(labels) or not np.array_equal(found_label, labels):
            raise Failure(f"{what}: the label should come back unchanged, found {describe(result[1])}.")
    what = "Dataset.from_tensor_slices((images, labels)).map(normalize)"
    raised = records.raised("in map")
    if raised and raised[0] != "NotImplementedError":
        raise Failure(f"{what} raised {raised[0]}: {raised[2][:200]}. Inside map the function is traced into a graph: use "
                      "TensorFlow operations only (no .numpy()).")
    found = records.call("in map")
    if found["spec"] != [["float32", [8, 8]], ["int64", []]]:
        raise Failure(f"{what}: expected the element_spec (float32 (8, 8), int64 ()), found {found['spec']}.")
    mapped = np.stack([element[0] for element in found["elements"]]).astype(np.float64)
    expect_close(mapped, ref.normalize(NORM_IMAGES).astype(np.float64), what, rtol=1e-6, atol=1e-7)


# --- make_pipeline and pipeline_from_h5 -----------------------------------------------------
PIPE_X = images(21, 96)
PIPE_Y = np.arange(96, dtype=np.int64)  # labels = positions, to follow every example
PIPE_ARGS = (10, 32, *(int(s) for s in rng(22).choice(10**6, 2, replace=False)))  # batch_size, shuffle_buffer, seed, another seed
BUILD_FILE = (seed(102), (4096, 32, 32))  # a large file to build a pipeline on, which building should not read


def kind(class_name):
    return class_name.strip("_").removesuffix("Dataset")


def judge_pipeline(found, what, x, batch_size):
    m, h, w = x.shape
    if "type" in found:
        raise Failure(f"{what}: expected a tf.data.Dataset, found a {found['type']}.")
    images_spec, labels_spec = ["float32", [None, h, w]], ["int64", [None]]
    spec = found["spec"]
    if len(spec) != 2:
        raise Failure(f"{what}: expected elements (images, labels), found elements of {len(spec)} tensors: {spec}.")
    if spec[0][1] == [h, w]:
        raise Failure(f"{what}: the images have shape ({h}, {w}): the pipeline is not batched. Add .batch(batch_size).")
    if spec[0][1] == [batch_size, h, w]:
        raise Failure(f"{what}: the images have the fixed shape ({batch_size}, {h}, {w}), so the last, shorter batch is "
                      "dropped (drop_remainder=True). Keep it: every example is used once per epoch.")
    if spec[0][1] is not None and len(spec[0][1]) == 4:
        raise Failure(f"{what}: the images have shape {tuple(spec[0][1])}, batches of batches. Split the batches read from "
                      "the file back into examples with .unbatch() before shuffling and batching.")
    if spec[0][0] == "uint8":
        raise Failure(f"{what}: the images are uint8: map normalize over the examples.")
    if spec != [images_spec, labels_spec]:
        raise Failure(f"{what}: expected the element_spec (float32 (None, {h}, {w}), int64 (None,)), found "
                      f"({spec[0][0]} {spec[0][1]}, {spec[1][0]} {spec[1][1]}).")
    if "epoch_error" in found:
        raise Failure(f"{what}: iterating over one epoch raised {found['epoch_error']}")
    epoch = found["epoch"]
    labels = [np.asarray(element[1]) for element in epoch]
    seen = np.concatenate(labels) if labels else np.array([], dtype=np.int64)
    if sorted(seen.tolist()) != list(range(m)):
        raise Failure(f"{what}: one epoch should give each of the {m} examples exactly once, found {seen.size} examples "
                      f"of which {np.unique(seen).size} distinct.")
    for images, labels_of_batch in epoch:
        expect_close(np.asarray(images, dtype=np.float64), ref.normalize(x[labels_of_batch]).astype(np.float64),
                     f"{what}: images of a batch against x[labels] / 255", rtol=1e-6, atol=1e-7,
                     hint="Each image must stay with its label: shuffle (image, label) pairs, from_tensor_slices((x, y)).")
    if all(ref.is_consecutive_run(b) for b in labels) and not np.array_equal(seen, np.arange(m)):
        raise Failure(f"{what}: every batch is a run of consecutive examples, only the order of the batches changes: the "
                      "pipeline shuffles whole batches, not examples. Shuffle before batch, not after (shuffling after batching).")
    sizes = [len(b) for b in labels]
    if sizes != ref.batch_sizes(m, batch_size):
        raise Failure(f"{what}: expected batches of sizes {ref.batch_sizes(m, batch_size)}, found {sizes}.")
    if np.array_equal(seen, np.arange(m)):
        raise Failure(f"{what}: the examples come out in their original order: the pipeline does not shuffle.")
    if [b.tolist() for b in found["same_seed"]] != [b.tolist() for b in labels]:
        raise Failure(f"{what}: two pipelines built with the same seed gave different first epochs. Pass seed=seed to shuffle.")
    if [b.tolist() for b in found["other_seed"]] == [b.tolist() for b in labels]:
        raise Failure(f"{what}: pipelines built with different seeds gave the same order. Shuffle with seed=seed, the argument, "
                      "not a fixed number.")
    chain = [kind(name) for name in found["chain"]]
    outer = [k for k in chain if k != "Options"]

    def position(kinds):
        return next((i for i, k in enumerate(outer) if k in kinds), None)

    prefetch, batch = position({"Prefetch"}), position({"Batch", "ParallelBatch"})
    shuffle, mapped = position({"Shuffle"}), position({"Map", "ParallelMap"})
    order = " -> ".join(reversed(outer))
    if prefetch is None:
        raise Failure(f"{what}: no prefetch (its transformations, from the source: {order}). End the pipeline with "
                      ".prefetch(tf.data.AUTOTUNE), so that the next batch is prepared while the model works on this one.")
    if prefetch != 0:
        raise Failure(f"{what}: prefetch is not the last step ({order}). Prefetch last, after batch, so that whole "
                      "batches are prepared in advance.")
    if mapped is None or outer[mapped] != "ParallelMap":
        raise Failure(f"{what}: normalize is not mapped in parallel ({order}). Use map(normalize, "
                      "num_parallel_calls=tf.data.AUTOTUNE).")
    if not (batch is not None and shuffle is not None and batch < shuffle < mapped):
        raise Failure(f"{what}: expected the steps map, shuffle, batch, prefetch in this order, found {order}.")


def judge_make_pipeline(records):
    batch_size, buffer, seed, _ = PIPE_ARGS
    judge_pipeline(records.call("pipeline"), f"make_pipeline(x, y, {batch_size}, {buffer}, seed={seed}) for {len(PIPE_Y)} "
                   "images of shape (8, 8)", PIPE_X, batch_size)


def judge_pipeline_from_h5(records):
    batch_size, buffer, seed, _ = PIPE_ARGS
    what = f"pipeline_from_h5(path, {batch_size}, {buffer}, seed={seed}) on a file of {len(PIPE_Y)} images"
    raised = records.raised("pipeline")
    if raised and "NotImplementedError" in raised[2] and raised[0] != "NotImplementedError":
        raise Failure(f"{what}: a function it calls is not implemented yet ({raised[2][:160]}).")
    found = records.call("pipeline")
    shape = BUILD_FILE[1]
    read = read_between(records, "pipeline", "before building", "built", f"{what}, built on a file of shape {shape}")
    if read > READ_SLACK:
        raise Failure(f"{what}: building the pipeline read {read // KIB} KiB from a file of {shape[0]} images of shape "
                      f"{shape[1:]}. Building should read nothing: from_generator calls the generator only when the "
                      "dataset is iterated, one epoch at a time.")
    judge_pipeline(found, what, PIPE_X, batch_size)
    if "Unbatch" not in [kind(name) for name in found["chain"]]:
        raise Failure(f"{what}: expected an unbatch() after from_generator, to split the batches read from the file into "
                      "examples before shuffling.")
    other = np.concatenate(found["other_keys"]) if found["other_keys"] else np.array([])
    if sorted(other.tolist()) != list(range(30)):
        raise Failure(f"{what}: with x_key='valid/images', y_key='valid/labels' (30 examples) one epoch gave {other.size} "
                      "labels that are not those of y_key. Read the datasets named by x_key and y_key.")


# --- first_batch ----------------------------------------------------------------------------
FIRST_N, FIRST_BATCH, FIRST_SEED = 2000, 16, seed(103)
PRODUCED_EVERY = 50  # the dataset's source asks the runner to note every 50 examples it produced


def judge_first_batch(records):
    what = f"first_batch(dataset) on a dataset of {FIRST_N} examples in batches of {FIRST_BATCH}"
    found = records.call("counted")
    result = found["result"]
    if isinstance(result, Opaque) and "Dataset" in result.type_name:
        raise Failure(f"{what}: found a {result.type_name}, a dataset rather than its first element (dataset.take(1) is "
                      "still a dataset). Return next(iter(dataset)).")
    observed(records, "counted", "returned", "t", what)
    produced = PRODUCED_EVERY * len(records.observed("counted", "produced"))
    if produced > FIRST_N // 2:
        raise Failure(f"{what}: the dataset's source produced {produced} examples or more to give the first batch of "
                      f"{FIRST_BATCH}: list(dataset) (or a loop over all of it) runs the whole pipeline. next(iter(dataset)) "
                      "computes the first element only.")
    returned_features, returned_labels = expect_tuple(result, what, ("features", "labels"))
    features, labels = as_array(returned_features), as_array(returned_labels)
    generator = np.random.default_rng(FIRST_SEED)
    expected_features, expected_labels = generator.integers(0, 1000, (FIRST_N, 3)), generator.integers(0, 1000, FIRST_N)
    if labels is None or labels.shape != (FIRST_BATCH,) or not np.array_equal(labels, expected_labels[:FIRST_BATCH]):
        raise Failure(f"{what}: expected the labels of the dataset's first {FIRST_BATCH} examples, found "
                      f"{describe(returned_labels)}.")
    if features is None or not np.array_equal(features, expected_features[:FIRST_BATCH]):
        raise Failure(f"{what}: the features of the first batch differ from the dataset's first {FIRST_BATCH} examples.")


# --- read_chunks ----------------------------------------------------------------------------
CHUNK_DATA = rng(23).integers(0, 256, 4096).astype(np.uint8)
CHUNK_CASES = (("uneven", CHUNK_DATA[:1000], 64), ("even", CHUNK_DATA[:256], 64), ("empty", CHUNK_DATA[:0], 64),
               ("large", CHUNK_DATA, 256))


def judge_read_chunks(records):
    for label, data, size in CHUNK_CASES:
        what = f"read_chunks(file, {size}) on a file of {data.size} bytes"
        expected = [data[i:i + size] for i in range(0, data.size, size)]
        found = records.call(label)
        chunks = found["chunks"]
        at_call = read_between(records, label, "before the call", "after the call", what)
        if not found["iterator"]:
            raise Failure(f"{what} returned {'a list' if at_call else 'something that is not an iterator'}: the whole file was read before the first chunk was asked for. Return the iterator "
                          "iter(callable, sentinel) itself, which reads one chunk per next().")
        if data.size and at_call >= min(size, data.size):
            raise Failure(f"{what}: {at_call} bytes were read from the file before the first next(). Nothing should be "
                          "read until a chunk is asked for.")
        if len(chunks) > len(expected) + 3:
            extra = chunks[len(expected):]
            empty = all(isinstance(c, np.ndarray) and c.size == 0 for c in extra)
            raise Failure(f"{what}: the iterator never stops" + (", yielding empty chunks b'' after the end of the file" if empty
                          else "") + ". A binary file's read returns b'' at the end: the sentinel must be b\"\" (bytes); "
                          "'' (str) is never equal to b''.")
        bad = [c for c in chunks if not isinstance(c, np.ndarray)]
        if bad:
            raise Failure(f"{what}: expected bytes chunks, found a {bad[0]}. Yield what file.read(size) returns.")
        first = read_between(records, label, "after the call", "after the first chunk", what) if chunks else 0
        if first > 2 * size:
            raise Failure(f"{what}: after the first next(), {first} bytes had been read from the file, expected one chunk "
                          f"of at most {size}: one read per chunk, when asked for.")
        if [c.size for c in chunks] != [c.size for c in expected]:
            raise Failure(f"{what}: expected {len(expected)} chunks of sizes {[c.size for c in expected][:3]}..., found "
                          f"{len(chunks)} of sizes {[c.size for c in chunks][:3]}...{[c.size for c in chunks][-1:]}.")
        if chunks and not np.array_equal(np.concatenate(chunks), data):
            raise Failure(f"{what}: the chunks, put back together, differ from the file's bytes.")


# --- measure_prefetch -----------------------------------------------------------------------
PREFETCH_CASES = (("balanced", 0.04, 0.04, 8), ("slow producer", 0.05, 0.02, 6))
MIN_SPEEDUP = 1.3
# With prefetch, each of the n - 1 later productions runs beside a consumption: ideally an overlap of
# (n - 1) min(p, c). Without prefetch the two take turns: ideally none.
MIN_OVERLAP_WITH, MAX_OVERLAP_WITHOUT = 0.3, 0.25   # as fractions of (n - 1) min(p, c) and n min(p, c)
# The returned seconds are measured around each loop, within the call: the loop without prefetch ends
# before the second pipeline's first production, which the loop with prefetch precedes. Each covers
# its pipeline's first production to its last consumption, but for TensorFlow's start of the loop
# (iter() takes up to 0.6 s here) and, for a timer started after iter(), the first production. The
# two clocks (the runner's, the kernel's perf_counter) are both CLOCK_MONOTONIC.
CLOCK_SLACK = 0.01


def judge_measure_prefetch(records):
    for label, p, c, n in PREFETCH_CASES:
        what = f"measure_prefetch(produce, consume, {n}) with a produce of {p} s and a consume of {c} s"
        results = records.call(label)
        if not (isinstance(results, list) and results):
            raise Failure(f"{what}: the grader's timing record is missing or spoiled.")
        attempts = observed_attempts(records, label, len(results), what)
        failures = []
        for result, (notes, call) in zip(results, attempts):
            try:
                judge_prefetch_attempt(result, notes, call, what, p, c, n)
                break
            except Failure as failure:
                failures.append(failure)
        else:
            raise failures[0]


def observed_attempts(records, label, count, what):
    """For each attempt, the runner's notes between its "call" and "returned" notes, and the times of those two."""
    notes = sorted(records.observed(label), key=lambda note: note["t"])
    calls = [i for i, note in enumerate(notes) if note["event"] == "call"]
    ends = [i for i, note in enumerate(notes) if note["event"] == "returned"]
    if len(calls) < count or len(ends) < count:
        raise Failure(f"{what}: the grader could not observe the calls from outside the kernel. Something in the notebook "
                      "stopped the grader's own code around them; leave it unchanged.")
    return [(notes[start + 1:end], (notes[start]["t"], notes[end]["t"])) for start, end in zip(calls, ends)]


def spans(notes, kind):
    """[(start, end)] of the grader's ``kind`` calls ("produce" or "consume") among the notes, by their
    number, each from the runner's clock; incomplete ones are left out."""
    def numbered(event):
        return {n["event"].split()[1]: n["t"] for n in notes if re.fullmatch(rf"{event} \d+", str(n["event"]))}

    starts, ends = numbered(kind), numbered(f"{kind}d")
    return sorted((starts[k], ends[k]) for k in starts if k in ends and ends[k] >= starts[k])


def overlap(first, second):
    """Seconds during which a span of ``first`` and a span of ``second`` both ran."""
    return sum(max(0.0, min(a[1], b[1]) - max(a[0], b[0])) for a in first for b in second)


def judge_prefetch_attempt(result, notes, call, what, p, c, n):
    """Judge one attempt from the runner's notes of the grader's produce and consume calls, and of the
    call's start and end (``call``)."""
    without, with_prefetch = returned_seconds(result, what)
    produced, consumed = spans(notes, "produce"), spans(notes, "consume")
    if not produced or not consumed:
        missing = " and ".join(name for name, found in (("produce", produced), ("consume", consumed)) if not found)
        raise Failure(f"{what}: {missing} {'were' if ' and ' in missing else 'was'} never called. The grader passes its own produce and consume and watches "
                      "them: build each pipeline as Dataset.range(steps).map(lambda i: tf.py_function(produce, [i], tf.int64)), "
                      "and call consume(element) for every element in the loop.")
    if len(produced) != 2 * n or len(consumed) != 2 * n:
        raise Failure(f"{what}: produce was called {len(produced)} times and consume {len(consumed)} times, expected "
                      f"{2 * n} times each ({n} per pipeline, one pipeline without prefetch and one with).")
    for name, found, seconds in (("produce", produced, p), ("consume", consumed, c)):
        shortest = min(end - start for start, end in found)
        if shortest < 0.9 * seconds:
            raise Failure(f"{what}: one of the grader's {name} calls took {shortest:.3f} s by the grader's clock, although "
                          f"it sleeps {seconds} s. Leave time.sleep as it is.")
    runs = [(produced[:n], consumed[:n]), (produced[n:], consumed[n:])]
    if max(end for part in runs[0] for _, end in part) > min(start for part in runs[1] for start, _ in part):
        raise Failure(f"{what}: the two pipelines ran at the same time. Run the loop over the pipeline without prefetch "
                      "first, then the loop over the one with prefetch.")
    seconds = [max(end for _, end in run[1]) - min(start for start, _ in run[0]) for run in runs]
    if overlap(*runs[0]) > MAX_OVERLAP_WITHOUT * n * min(p, c):
        raise Failure(f"{what}: without prefetch, production and consumption overlapped for {overlap(*runs[0]):.3f} s by "
                      "the grader's clock; they should take turns. TensorFlow injected a prefetch by itself: turn it off "
                      "with options.experimental_optimization.inject_prefetch = False (dataset.with_options(options)).")
    expect_measured((without, with_prefetch), runs, call, what, max(p, c))
    expect_physical(without, with_prefetch, what, p, c, n)
    ideal_without, ideal_with = ref.ideal_seconds(p, c, n)
    if overlap(*runs[1]) < MIN_OVERLAP_WITH * (n - 1) * min(p, c) or (p == c and seconds[0] / seconds[1] < MIN_SPEEDUP):
        raise Failure(f"{what}: with prefetch, production overlapped consumption for only {overlap(*runs[1]):.3f} s "
                      f"(speedup {seconds[0] / seconds[1]:.2f}, ideally {ideal_without / ideal_with:.2f}) by the grader's "
                      "clock: no overlap. produce must run inside tf.data (tf.py_function in map) and the run with "
                      "prefetch must end with .prefetch(tf.data.AUTOTUNE), so that the pipeline works in the background "
                      "while the loop consumes.")


def returned_seconds(result, what):
    """(seconds_without, seconds_with) as two positive floats; Failure otherwise."""
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise Failure(f"{what}: expected a tuple (seconds_without, seconds_with), found {describe(result)}.")
    try:
        without, with_prefetch = (float(np.asarray(v, dtype=np.float64)) for v in result)
    except (TypeError, ValueError):
        raise Failure(f"{what}: expected two numbers of seconds, found {describe(result[0])} and "
                      f"{describe(result[1])}.") from None
    if not (math.isfinite(without) and math.isfinite(with_prefetch) and without > 0 and with_prefetch > 0):
        raise Failure(f"{what}: expected two positive numbers of seconds, found ({without:g}, {with_prefetch:g}).")
    return without, with_prefetch


def expect_measured(returned, runs, call, what, longest):
    """The returned seconds must be those of the two loops: at least each pipeline's span from its first
    production to its last consumption (less one production, for a timer started after iter()), and
    no longer than the time left for that loop within the call, by the grader's clock."""
    first = [min(start for start, _ in run[0]) for run in runs]
    last = [max(end for _, end in run[1]) for run in runs]
    spans = [end - start for start, end in zip(first, last)]
    room = [first[1] - call[0], call[1] - last[0]]  # the loop without prefetch ends before the second pipeline starts
    fits = [span - longest - CLOCK_SLACK <= found <= limit + CLOCK_SLACK for found, span, limit in zip(returned, spans, room)]
    if all(fits):
        return
    swapped = [span - longest - CLOCK_SLACK <= found <= limit + CLOCK_SLACK
               for found, span, limit in zip(returned[::-1], spans, room)]
    order = " Check the order: return (seconds_without, seconds_with)." if all(swapped) else (
        " Measure the two loops with time.perf_counter() around each, instead of computing or estimating the times.")
    raise Failure(f"{what} returned ({returned[0]:.3f}, {returned[1]:.3f}) seconds, but by the grader's clock the loop "
                  f"without prefetch ran for {spans[0]:.3f} s (of at most {room[0]:.3f} s it could have taken) and the "
                  f"loop with prefetch for {spans[1]:.3f} s (of at most {room[1]:.3f} s).{order}")


def expect_physical(without, with_prefetch, what, p, c, n):
    """Bounds no measurement can break: taking turns needs n (p + c), perfect overlap n max(p, c)."""
    ideal_without, _ = ref.ideal_seconds(p, c, n)
    if without < 0.9 * ideal_without:
        raise Failure(f"{what}: the run without prefetch took {without:.3f} s, less than steps x (produce + consume) = "
                      f"{ideal_without:.3f} s that taking turns requires. TensorFlow injected a prefetch by itself: turn it "
                      "off with options.experimental_optimization.inject_prefetch = False (dataset.with_options(options)).")
    if with_prefetch < 0.9 * n * max(p, c):
        raise Failure(f"{what}: the run with prefetch took {with_prefetch:.3f} s, less than steps x max(produce, consume) = "
                      f"{n * max(p, c):.3f} s, which even perfect overlap needs. Call produce once per element in the "
                      "pipeline and consume once per element in the loop.")


# --- round_to_bfloat16 ----------------------------------------------------------------------
BF16_RANDOM = (rng(24).normal(size=300) * 10.0 ** rng(25).uniform(-30, 30, 300)).astype(np.float32)
BF16_TIES = ref.bfloat16_ties(rng(26), 40)
BF16_SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 1 + 2**-8, 1 + 3 * 2**-8, 2 - 2**-9, 3.0e38, -3.0e38, 1e-30,
                         65504.0, 1e5, 2**-24, 1 + 2**-8 + 2**-20], dtype=np.float32)
BF16_VALUES = np.concatenate([BF16_RANDOM, BF16_TIES, BF16_SPECIAL])


def judge_round_to_bfloat16(records):
    what = f"round_to_bfloat16(x) for {BF16_VALUES.size} float32 values from 1e-30 to 3e38"
    found = records.call("values")
    if isinstance(found, np.ndarray) and found.dtype == np.float16:
        raise Failure(f"{what}: found a float16 array. float16 is another format (5 exponent bits, 10 mantissa bits, "
                      "largest value 65504); bfloat16 keeps float32's 8 exponent bits and 7 mantissa bits: round the "
                      "float32 bits, and return float32.")
    found = expect_float_array(found, what, BF16_VALUES.shape)
    expected = ref.round_to_bfloat16(BF16_VALUES).astype(np.float64)
    if np.array_equal(found, expected):
        return
    with np.errstate(over="ignore"):
        if np.array_equal(found, BF16_VALUES.astype(np.float16).astype(np.float64), equal_nan=True):
            raise Failure(f"{what}: these are float16 values. float16 has 5 exponent bits and 10 mantissa bits (largest "
                          "value 65504); bfloat16 keeps float32's 8 exponent bits and 7 mantissa bits.")
    if np.array_equal(found, ref.truncate_to_bfloat16(BF16_VALUES).astype(np.float64)):
        raise Failure(f"{what}: the values are truncated (the lower 16 bits cleared), which rounds toward zero with a "
                      "relative error up to 2^-7. Round to nearest: add 0x7FFF plus the lowest kept bit before clearing them.")
    differ = found != expected
    ties = np.zeros(BF16_VALUES.size, dtype=bool)
    ties[BF16_RANDOM.size:BF16_RANDOM.size + BF16_TIES.size] = True
    if not np.any(differ & ~ties) or np.array_equal(found, ref.round_half_away_to_bfloat16(BF16_VALUES).astype(np.float64)):
        raise Failure(f"{what}: values exactly halfway between two bfloat16 numbers (ties) are rounded the wrong way. "
                      "Ties go to the neighbour whose last kept bit is 0 (round half to even): add 0x7FFF + ((bits >> 16) & 1).")
    expect_close(found, expected, what, rtol=0, atol=0,
                 hint="bfloat16 keeps the upper 16 bits of the float32, rounded to nearest (relative error at most 2^-8).")


# Libraries that would do the exercise's work.
H5_WRITERS = ("pandas.HDFStore", "pandas.DataFrame.to_hdf", "tables.open_file", "hickle.dump", "deepdish.io.save")
H5_READERS = ("pandas.read_hdf", "pandas.HDFStore", "tables.open_file", "hickle.load", "deepdish.io.load")
BATCHERS = ("tensorflow_io", "tensorflow_io.IODataset", "more_itertools.chunked", "more_itertools.ichunked",
            "more_itertools.batched", "itertools.batched", "toolz.partition_all")
PIPELINE_BUILDERS = ("keras.utils.image_dataset_from_directory", "keras.utils.timeseries_dataset_from_array",
                     "keras.preprocessing.image.ImageDataGenerator", "keras.utils.PyDataset", "keras.utils.Sequence")
FIRSTS = ("more_itertools.first", "more_itertools.take", "more_itertools.nth", "toolz.first", "cytoolz.first")
CHUNKERS = ("more_itertools.chunked", "more_itertools.ichunked", "more_itertools.iter_except",
            "more_itertools.repeatfunc", "toolz.partition_all", "itertools.batched")
SIMULATORS = ("simpy", "salabim")
# Overlapping produce and consume by hand measures threads, not tf.data's prefetch.
BY_HAND = ("threading.Thread", "concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ProcessPoolExecutor",
           "multiprocessing.Process", "multiprocessing.Pool")
BFLOAT16 = ("tensorflow.bfloat16", "tensorflow.dtypes.bfloat16", "tensorflow.cast", "ml_dtypes.bfloat16", "ml_dtypes",
            "jax.numpy.bfloat16", "torch.bfloat16", "keras.ops.cast")


def plan(*calls):
    return lambda: {"calls": list(calls)}


CHECKS = [
    Check("test_write_h5", plan(*[driver_call(label, drive_write_h5, WRITE_ARRAYS, WRITE_ATTRS, options, needs=["write_h5"],
                                              shown=write_call(options))
                                  for label, options, _, _ in WRITE_CASES]),
          judge_write_h5, shortcuts=H5_WRITERS),
    Check("test_load_h5", plan(driver_call("load", drive_load_h5, LOAD_ARRAYS, LOAD_ATTRS, GROUP_ATTRS, needs=["load_h5"],
                                           shown="load_h5(path)")),
          judge_load_h5, shortcuts=H5_READERS),
    Check("test_h5_batches", plan(*[driver_call(label, drive_h5_batches, data, size, needs=["h5_batches"],
                                                shown=f"h5_batches(path, key, {size}) on a dataset of shape {data.shape}")
                                    for label, data, size in H5_CASES],
                                  driver_call("lazy", drive_h5_batches_lazily, LAZY_SEED, LAZY_SHAPE, LAZY_BATCH,
                                              needs=["h5_batches"],
                                              shown=f"h5_batches(path, key, {LAZY_BATCH}) on a dataset of shape {LAZY_SHAPE}")),
          judge_h5_batches, shortcuts=BATCHERS),
    Check("test_normalize", plan(driver_call("one image", drive_normalize, NORM_IMAGES[0], NORM_LABELS[0], needs=["normalize"],
                                             shown="normalize(image, label) for one uint8 image of shape (8, 8)"),
                                 driver_call("a batch", drive_normalize, NORM_IMAGES, NORM_LABELS, needs=["normalize"],
                                             shown="normalize(images, labels) for uint8 images of shape (6, 8, 8)"),
                                 driver_call("in map", drive_normalize_in_map, NORM_IMAGES, NORM_LABELS, needs=["normalize"],
                                             shown="Dataset.from_tensor_slices((images, labels)).map(normalize)")),
          judge_normalize, shortcuts=("keras.layers.Rescaling",)),
    Check("test_make_pipeline", plan(driver_call("pipeline", drive_pipeline, PIPE_X, PIPE_Y, *PIPE_ARGS, "arrays",
                                                 needs=["make_pipeline"], shown=f"make_pipeline(x, y, 10, 32, seed={PIPE_ARGS[2]})")),
          judge_make_pipeline, shortcuts=PIPELINE_BUILDERS),
    Check("test_pipeline_from_h5", plan(driver_call("pipeline", drive_pipeline, PIPE_X, PIPE_Y, *PIPE_ARGS, "file", BUILD_FILE,
                                                    needs=["pipeline_from_h5"], shown=f"pipeline_from_h5(path, 10, 32, seed={PIPE_ARGS[2]})")),
          judge_pipeline_from_h5, shortcuts=BATCHERS + PIPELINE_BUILDERS),
    Check("test_first_batch", plan(driver_call("counted", drive_first_batch, FIRST_N, FIRST_BATCH, FIRST_SEED, PRODUCED_EVERY,
                                               needs=["first_batch"],
                                               shown=f"first_batch(dataset of {FIRST_N} examples in batches of {FIRST_BATCH})")),
          judge_first_batch, shortcuts=FIRSTS),
    Check("test_read_chunks", plan(*[driver_call(label, drive_read_chunks, data, size, data.size // size + 5,
                                                 needs=["read_chunks"], shown=f"read_chunks(file of {data.size} bytes, {size})")
                                     for label, data, size in CHUNK_CASES]),
          judge_read_chunks, shortcuts=CHUNKERS),
    Check("test_measure_prefetch", plan(*[driver_call(label, drive_measure_prefetch, p, c, n, MIN_SPEEDUP,
                                                      MIN_OVERLAP_WITH * (n - 1) * min(p, c), needs=["measure_prefetch"],
                                                      shown=f"measure_prefetch(produce, consume, {n})")
                                          for label, p, c, n in PREFETCH_CASES]),
          judge_measure_prefetch, shortcuts=SIMULATORS + BY_HAND),
    Check("test_round_to_bfloat16", plan({"label": "values", "function": "round_to_bfloat16", "args": [encode(BF16_VALUES)]}),
          judge_round_to_bfloat16, shortcuts=BFLOAT16),
]
