"""Hidden checks for ``input_pipeline``: HDF5 files written and read with h5py, lazy batches, the
two forms of iter(), tf.data pipelines, prefetching and bfloat16 rounding.

Everything that needs TensorFlow, h5py or a file happens in *drivers*: module-level functions whose
source is sent into the learner's kernel (see ``driver_call``). They build their own files under
``tempfile.mkdtemp()``, watch what the learner's code reads (``course_utils.h5tools.count_reads``
and ``is_open``, a file object that counts its reads, a generator that counts what it produced) and return
plain data; the judges below compare it with numpy references, in the grader's process, which never
imports TensorFlow.

Each test judges its own function. The pipelines call the learner's ``normalize`` and
``h5_batches`` by name, so their drivers put correct versions in those names for the duration of
the call: a mistake in ``normalize`` costs ``test_normalize`` and not ``test_make_pipeline`` too.
"""
import math

import numpy as np

from autograder.reference import input_pipeline as ref
from course_utils.grading import Opaque, TensorValue, encode
from . import Check
from .judging import Failure, describe, driver_call, expect_close, expect_float_array, expect_tuple


def rng(seed):
    return np.random.default_rng(seed)


def images(seed, m, h=8, w=8):
    """uint8 images with every grey level from 0 to 255 likely present."""
    return rng(seed).integers(0, 256, (m, h, w), dtype=np.uint8)


def as_array(value):
    """A returned tensor or array as a numpy array (None for anything else)."""
    if isinstance(value, TensorValue):
        return np.asarray(value.value)
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    return None


# --- drivers (run in the learner's kernel; each imports what it uses) ------------------------
def drive_write_h5(write_h5, arrays, attrs, options):
    import gc
    import os
    import tempfile

    import h5py
    import numpy as np

    from course_utils.h5tools import is_open

    path = os.path.join(tempfile.mkdtemp(), "written.h5")
    collecting = gc.isenabled()
    gc.disable()  # the file must be closed by write_h5, not by a garbage collection that happens to run
    try:
        write_h5(path, arrays, attrs, **options)
        still_open = is_open(path)
    finally:
        if collecting:
            gc.enable()
    if not os.path.exists(path):
        return {"exists": False}
    found = {"exists": True, "open": still_open, "datasets": {}, "attrs_elsewhere": []}
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
    import gc
    import os
    import tempfile

    import h5py

    from course_utils.h5tools import is_open

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
        still_open = is_open(path)
    finally:
        if collecting:
            gc.enable()
    return {"result": result, "open": still_open}


def drive_h5_batches(h5_batches, data, batch_size):
    import os
    import tempfile

    import h5py
    import numpy as np

    from course_utils.h5tools import count_reads, is_open

    path = os.path.join(tempfile.mkdtemp(), "large.h5")
    with h5py.File(path, "w") as f:
        f.create_dataset("data/values", data=data, chunks=True)
        f.create_dataset("data/other", data=np.zeros(len(data)))
    with count_reads() as read:
        batches = h5_batches(path, "data/values", batch_size)
        before = read.elements
        lazy = hasattr(batches, "__next__")
        iterator = iter(batches)
        first = next(iterator)
        after_first = read.elements
        rest = list(iterator)
    return {"iterator": lazy, "before": before, "after_first": after_first, "batches": [first, *rest],
            "open": is_open(path)}


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


def drive_pipeline(build, x, y, batch_size, shuffle_buffer, seed, other_seed, source):
    """Build the learner's pipeline (make_pipeline from arrays, or pipeline_from_h5 from a file it
    writes here), with correct normalize and h5_batches in the learner's namespace, and report its
    structure, one epoch, and the first epochs of pipelines built with the same and another seed."""
    import os
    import tempfile

    import h5py
    import numpy as np
    import tensorflow as tf

    from course_utils.h5tools import count_reads

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
            path = os.path.join(tempfile.mkdtemp(), "pipeline.h5")
            with h5py.File(path, "w") as f:
                f["train/x"], f["train/y"] = x, y
                f["valid/images"], f["valid/labels"] = x[:30], np.arange(30, dtype=np.int64)
            with count_reads() as read:
                dataset = build(path, batch_size, shuffle_buffer, seed)
            found["read_at_build"] = read.elements

            def again(new_seed):
                return build(path, batch_size, shuffle_buffer, new_seed)
        else:
            dataset = build(x, y, batch_size, shuffle_buffer, seed)

            def again(new_seed):
                return build(x, y, batch_size, shuffle_buffer, new_seed)
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
            found["other_keys"] = labels_of(build(path, batch_size, shuffle_buffer, seed,
                                                  x_key="valid/images", y_key="valid/labels"))
    finally:
        for name in ("normalize", "h5_batches"):
            namespace.pop(name, None)
        namespace.update(saved)
    return found


def drive_first_batch(first_batch, n, batch_size):
    import numpy as np
    import tensorflow as tf

    produced = [0]

    def source():
        for i in range(n):
            produced[0] += 1
            yield np.full(3, i, dtype=np.int64), np.int64(i)

    signature = (tf.TensorSpec((3,), tf.int64), tf.TensorSpec((), tf.int64))
    options = tf.data.Options()
    options.experimental_optimization.inject_prefetch = False
    dataset = tf.data.Dataset.from_generator(source, output_signature=signature).batch(batch_size).with_options(options)
    result = first_batch(dataset)
    return {"result": result, "produced": produced[0]}


def drive_read_chunks(read_chunks, data, size, limit):
    import io

    import numpy as np

    class CountingBytesIO(io.BytesIO):
        reads = 0

        def read(self, *args):
            self.reads += 1
            return super().read(*args)

    stream = CountingBytesIO(np.asarray(data, dtype=np.uint8).tobytes())
    chunks = read_chunks(stream, size)
    found = {"iterator": hasattr(chunks, "__next__"), "reads_at_call": stream.reads, "reads_after_first": None,
             "chunks": []}
    for chunk in chunks:
        found["chunks"].append(np.frombuffer(chunk, dtype=np.uint8).copy() if isinstance(chunk, bytes)
                               else type(chunk).__name__)
        if found["reads_after_first"] is None:
            found["reads_after_first"] = stream.reads
        if len(found["chunks"]) >= limit:
            break
    return found


def drive_measure_prefetch(measure_prefetch, produce_s, consume_s, steps, min_speedup, attempts=3):
    """Time measure_prefetch; a balanced run that shows too little overlap is repeated, up to
    ``attempts`` runs in all, because a loaded machine can stall one run's background thread.
    Returns [{"result": what it returned, "elapsed": seconds the call took}, ...]."""
    import time

    runs = []
    for _ in range(attempts):
        start = time.perf_counter()
        result = measure_prefetch(produce_s, consume_s, steps)
        runs.append({"result": result, "elapsed": time.perf_counter() - start})
        try:
            without, with_prefetch = (float(v) for v in result)
            if produce_s != consume_s or without / with_prefetch >= min_speedup:
                break
        except Exception:  # noqa: BLE001 - the judge explains what is wrong with the result
            break
    return runs


# --- write_h5 -------------------------------------------------------------------------------
WRITE_ARRAYS = {"train/x": images(1, 12, 5, 4), "train/y": rng(2).integers(0, 6, 12),
                "test/x": images(3, 4, 5, 4), "meta/stats/mean": rng(4).random((5, 4)).astype(np.float32),
                "classes": np.arange(6, dtype=np.int32)}
WRITE_ATTRS = {"description": "the grader's file", "version": 3, "scale": 0.5, "image_shape": [5, 4]}
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
        if found["open"]:
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
LOAD_ARRAYS = {"train/x": images(5, 20, 6, 6), "train/y": rng(6).integers(0, 4, 20), "valid/x": images(7, 5, 6, 6),
               "valid/y": rng(8).integers(0, 4, 5), "deep/a/b/c": rng(9).normal(size=(3, 2)),
               "notes": rng(10).random(4).astype(np.float32)}
LOAD_ATTRS = {"title": "the grader's file", "n_classes": 4, "mean": 0.25, "image_shape": [6, 6]}
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
    if found["open"]:
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
H5_DATA = images(11, 1000)
H5_VECTOR = rng(12).integers(0, 10, 1000)
H5_CASES = (("uneven", H5_DATA, 64), ("even", H5_VECTOR, 100))


def judge_h5_batches(records):
    for label, data, batch_size in H5_CASES:
        row = data[0].size
        shown = (f"h5_batches(path, key, {batch_size}) on a dataset of shape {data.shape}")
        found = records.call(label)
        if not found["iterator"]:
            raise Failure(f"{shown} returned a list (or another container), so every batch was read before the first was "
                          "asked for. Make h5_batches a generator: yield each batch inside the loop.")
        if found["before"]:
            raise Failure(f"{shown} read {found['before'] // row} rows before the first next(). A generator reads "
                          "nothing until a batch is asked for.")
        if found["after_first"] > batch_size * row:
            whole = " It read the whole dataset:" if found["after_first"] >= data.size else ""
            raise Failure(f"{shown}: after the first next(), {found['after_first'] // row} rows had been read from the file, "
                          f"expected at most one batch of {batch_size}.{whole} read ds[i:i + batch_size] in the loop; "
                          "ds[:], ds[()] or np.array(ds) read everything at once.")
        batches = found["batches"]
        bad = [describe(b) for b in batches if not isinstance(b, np.ndarray)]
        if bad:
            raise Failure(f"{shown}: expected numpy arrays as batches, found {bad[0]}.")
        sizes, expected_sizes = [len(b) for b in batches], ref.batch_sizes(len(data), batch_size)
        if sizes != expected_sizes:
            last = expected_sizes[-1]
            if sizes == expected_sizes[:-1] and last < batch_size:
                raise Failure(f"{shown}: the last, short batch of {last} rows is missing. Yield it too: range(0, n, batch_size) "
                              "ends with the start of the short batch.")
            if sizes[:-1] == expected_sizes and sizes[-1] == 0:
                raise Failure(f"{shown}: the last batch is empty. Stop when the start reaches the number of rows.")
            raise Failure(f"{shown}: expected {len(expected_sizes)} batches of sizes {expected_sizes[:3]}...{expected_sizes[-1:]}, "
                          f"found {len(sizes)} of sizes {sizes[:3]}...{sizes[-1:]}.")
        if not np.array_equal(np.concatenate(batches), data):
            raise Failure(f"{shown}: the batches, put back together, differ from the dataset. Yield consecutive slices "
                          "ds[i:i + batch_size] in order.")
        if found["open"]:
            raise Failure(f"{shown}: the file was still open after the last batch. Open it with `with` inside the generator, "
                          "so that it is closed when the loop ends.")


# --- normalize ------------------------------------------------------------------------------
NORM_IMAGES = images(13, 6)
NORM_IMAGES[0, 0, :2] = (0, 255)
NORM_LABELS = rng(14).integers(0, 6, 6)


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
PIPE_X = images(15, 96)
PIPE_Y = np.arange(96, dtype=np.int64)  # labels = positions, to follow every example
PIPE_ARGS = (10, 32, 7, 8)              # batch_size, shuffle_buffer, seed, another seed


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
    if found.get("read_at_build"):
        raise Failure(f"{what}: building the pipeline read {found['read_at_build']} values from the file. Building should "
                      "read nothing: from_generator calls the generator only when the dataset is iterated, one epoch at a time.")
    judge_pipeline(found, what, PIPE_X, batch_size)
    if "Unbatch" not in [kind(name) for name in found["chain"]]:
        raise Failure(f"{what}: expected an unbatch() after from_generator, to split the batches read from the file into "
                      "examples before shuffling.")
    other = np.concatenate(found["other_keys"]) if found["other_keys"] else np.array([])
    if sorted(other.tolist()) != list(range(30)):
        raise Failure(f"{what}: with x_key='valid/images', y_key='valid/labels' (30 examples) one epoch gave {other.size} "
                      "labels that are not those of y_key. Read the datasets named by x_key and y_key.")


# --- first_batch ----------------------------------------------------------------------------
FIRST_N, FIRST_BATCH = 2000, 16


def judge_first_batch(records):
    what = f"first_batch(dataset) on a dataset of {FIRST_N} examples in batches of {FIRST_BATCH}"
    found = records.call("counted")
    result = found["result"]
    if isinstance(result, Opaque) and "Dataset" in result.type_name:
        raise Failure(f"{what}: found a {result.type_name}, a dataset rather than its first element (dataset.take(1) is "
                      "still a dataset). Return next(iter(dataset)).")
    if found["produced"] > FIRST_N // 2:
        raise Failure(f"{what}: the dataset's source produced all {found['produced']} examples to give the first batch of "
                      f"{FIRST_BATCH}: list(dataset) (or a loop over all of it) runs the whole pipeline. next(iter(dataset)) "
                      "computes the first element only.")
    returned_features, returned_labels = expect_tuple(result, what, ("features", "labels"))
    features, labels = as_array(returned_features), as_array(returned_labels)
    if labels is None or labels.shape != (FIRST_BATCH,) or not np.array_equal(labels, np.arange(FIRST_BATCH)):
        raise Failure(f"{what}: expected the labels 0..{FIRST_BATCH - 1} of the first batch, found {describe(returned_labels)}.")
    if features is None or not np.array_equal(features, np.repeat(np.arange(FIRST_BATCH), 3).reshape(FIRST_BATCH, 3)):
        raise Failure(f"{what}: the features of the first batch differ from the dataset's first {FIRST_BATCH} examples.")


# --- read_chunks ----------------------------------------------------------------------------
CHUNK_DATA = rng(16).integers(0, 256, 1000).astype(np.uint8)
CHUNK_CASES = (("uneven", CHUNK_DATA, 64), ("even", CHUNK_DATA[:256], 64), ("empty", CHUNK_DATA[:0], 64))


def judge_read_chunks(records):
    for label, data, size in CHUNK_CASES:
        what = f"read_chunks(file, {size}) on a file of {data.size} bytes"
        expected = [data[i:i + size] for i in range(0, data.size, size)]
        found = records.call(label)
        chunks = found["chunks"]
        if not found["iterator"]:
            raise Failure(f"{what} returned {'a list' if found['reads_at_call'] else 'something that is not an iterator'}: "
                          "the whole file was read before the first chunk was asked for. Return the iterator "
                          "iter(callable, sentinel) itself, which reads one chunk per next().")
        if found["reads_at_call"]:
            raise Failure(f"{what}: file.read was called {found['reads_at_call']} times before the first next(). Nothing "
                          "should be read until a chunk is asked for.")
        if len(chunks) > len(expected) + 3:
            extra = chunks[len(expected):]
            empty = all(isinstance(c, np.ndarray) and c.size == 0 for c in extra)
            raise Failure(f"{what}: the iterator never stops" + (", yielding empty chunks b'' after the end of the file" if empty
                          else "") + ". A binary file's read returns b'' at the end: the sentinel must be b\"\" (bytes); "
                          "'' (str) is never equal to b''.")
        bad = [c for c in chunks if not isinstance(c, np.ndarray)]
        if bad:
            raise Failure(f"{what}: expected bytes chunks, found a {bad[0]}. Yield what file.read(size) returns.")
        if chunks and found["reads_after_first"] != 1:
            raise Failure(f"{what}: after the first next(), file.read had been called {found['reads_after_first']} times, "
                          "expected once: one read per chunk, when asked for.")
        if [c.size for c in chunks] != [c.size for c in expected]:
            raise Failure(f"{what}: expected {len(expected)} chunks of sizes {[c.size for c in expected][:3]}..., found "
                          f"{len(chunks)} of sizes {[c.size for c in chunks][:3]}...{[c.size for c in chunks][-1:]}.")
        if chunks and not np.array_equal(np.concatenate(chunks), data):
            raise Failure(f"{what}: the chunks, put back together, differ from the file's bytes.")


# --- measure_prefetch -----------------------------------------------------------------------
PREFETCH_CASES = (("balanced", 0.04, 0.04, 8), ("slow producer", 0.05, 0.02, 6))
MIN_SPEEDUP = 1.3


def judge_measure_prefetch(records):
    for label, p, c, n in PREFETCH_CASES:
        what = f"measure_prefetch({p}, {c}, {n})"
        runs = records.call(label)
        if not (isinstance(runs, list) and runs):
            raise Failure(f"{what}: the grader's timing record is missing or spoiled.")
        speedups = [_timed_run(run, what, p, c, n) for run in runs]
        ideal_without, ideal_with = ref.ideal_seconds(p, c, n)
        if p == c and max(speedups) < MIN_SPEEDUP:
            raise Failure(f"{what}: a speedup of {max(speedups):.2f} with prefetch (best of {len(runs)} runs), expected at "
                          f"least {MIN_SPEEDUP} (ideally {ideal_without / ideal_with:.2f}): no overlap. The producer's sleep "
                          "must run inside tf.data (tf.py_function in map) and the run with prefetch must end with "
                          ".prefetch(tf.data.AUTOTUNE), so that the pipeline works in the background while the loop sleeps.")


def _timed_run(run, what, p, c, n):
    """Check one run's (seconds_without, seconds_with) against physics; return the speedup."""
    result = run["result"]
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise Failure(f"{what}: expected a tuple (seconds_without, seconds_with), found {describe(result)}.")
    try:
        without, with_prefetch = (float(np.asarray(v, dtype=np.float64)) for v in result)
    except (TypeError, ValueError):
        raise Failure(f"{what}: expected two numbers of seconds, found {describe(result[0])} and "
                      f"{describe(result[1])}.") from None
    if not (math.isfinite(without) and math.isfinite(with_prefetch) and without > 0 and with_prefetch > 0):
        raise Failure(f"{what}: expected two positive numbers of seconds, found ({without:g}, {with_prefetch:g}).")
    if without + with_prefetch > run["elapsed"] + 0.05:
        raise Failure(f"{what} returned ({without:.3f}, {with_prefetch:.3f}) seconds, more than the {run['elapsed']:.3f} s "
                      "the whole call took: measure the two loops with time.perf_counter() instead of computing the times.")
    ideal_without, _ = ref.ideal_seconds(p, c, n)
    if with_prefetch > 1.2 * without and without < 0.9 * ideal_without:
        raise Failure(f"{what} returned ({without:.3f}, {with_prefetch:.3f}): the run with prefetch took longer. Check "
                      "the order: return (seconds_without, seconds_with).")
    if without < 0.9 * ideal_without:
        raise Failure(f"{what}: the run without prefetch took {without:.3f} s, less than steps x (produce + consume) = "
                      f"{ideal_without:.3f} s that taking turns requires. TensorFlow injected a prefetch by itself: turn it "
                      "off with options.experimental_optimization.inject_prefetch = False (dataset.with_options(options)).")
    if with_prefetch < 0.9 * n * max(p, c):
        raise Failure(f"{what}: the run with prefetch took {with_prefetch:.3f} s, less than steps x max(produce, consume) = "
                      f"{n * max(p, c):.3f} s, which even perfect overlap needs. Sleep produce_s in the pipeline and "
                      "consume_s in the loop, once per element.")
    return without / with_prefetch


# --- round_to_bfloat16 ----------------------------------------------------------------------
BF16_RANDOM = (rng(17).normal(size=300) * 10.0 ** rng(18).uniform(-30, 30, 300)).astype(np.float32)
BF16_TIES = ref.bfloat16_ties(19, 40)
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
                                    for label, data, size in H5_CASES]),
          judge_h5_batches, shortcuts=BATCHERS),
    Check("test_normalize", plan(driver_call("one image", drive_normalize, NORM_IMAGES[0], NORM_LABELS[0], needs=["normalize"],
                                             shown="normalize(image, label) for one uint8 image of shape (8, 8)"),
                                 driver_call("a batch", drive_normalize, NORM_IMAGES, NORM_LABELS, needs=["normalize"],
                                             shown="normalize(images, labels) for uint8 images of shape (6, 8, 8)"),
                                 driver_call("in map", drive_normalize_in_map, NORM_IMAGES, NORM_LABELS, needs=["normalize"],
                                             shown="Dataset.from_tensor_slices((images, labels)).map(normalize)")),
          judge_normalize, shortcuts=("keras.layers.Rescaling",)),
    Check("test_make_pipeline", plan(driver_call("pipeline", drive_pipeline, PIPE_X, PIPE_Y, *PIPE_ARGS, "arrays",
                                                 needs=["make_pipeline"], shown="make_pipeline(x, y, 10, 32, seed=7)")),
          judge_make_pipeline, shortcuts=PIPELINE_BUILDERS),
    Check("test_pipeline_from_h5", plan(driver_call("pipeline", drive_pipeline, PIPE_X, PIPE_Y, *PIPE_ARGS, "file",
                                                    needs=["pipeline_from_h5"], shown="pipeline_from_h5(path, 10, 32, seed=7)")),
          judge_pipeline_from_h5, shortcuts=BATCHERS + PIPELINE_BUILDERS),
    Check("test_first_batch", plan(driver_call("counted", drive_first_batch, FIRST_N, FIRST_BATCH, needs=["first_batch"],
                                               shown=f"first_batch(dataset of {FIRST_N} examples in batches of {FIRST_BATCH})")),
          judge_first_batch, shortcuts=FIRSTS),
    Check("test_read_chunks", plan(*[driver_call(label, drive_read_chunks, data, size, data.size // size + 5,
                                                 needs=["read_chunks"], shown=f"read_chunks(file of {data.size} bytes, {size})")
                                     for label, data, size in CHUNK_CASES]),
          judge_read_chunks, shortcuts=CHUNKERS),
    Check("test_measure_prefetch", plan(*[driver_call(label, drive_measure_prefetch, p, c, n, MIN_SPEEDUP,
                                                      needs=["measure_prefetch"],
                                                      shown=f"measure_prefetch({p}, {c}, {n})")
                                          for label, p, c, n in PREFETCH_CASES]),
          judge_measure_prefetch, shortcuts=SIMULATORS),
    Check("test_round_to_bfloat16", plan({"label": "values", "function": "round_to_bfloat16", "args": [encode(BF16_VALUES)]}),
          judge_round_to_bfloat16, shortcuts=BFLOAT16),
]
