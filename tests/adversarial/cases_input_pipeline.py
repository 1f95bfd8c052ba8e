"""Adversarial submissions for input_pipeline: a library shortcut in every graded function, and tricks
specific to its checks. Each Case says which tests must fail."""
from kit import Case, index_of, shortcut_case, solved, with_function

A = "input_pipeline"


def with_functions(codes):
    """The solved notebook with the solution cells of several functions replaced ({function: code})."""
    nb = solved(A)
    for function, code in codes.items():
        nb.cells[index_of(nb, function)].source = code
    return nb


def trick(name, function, code, message):
    """A submission whose ``function`` tries to get past its check; only its own test must fail."""
    return Case(f"{A} trick: {name}", lambda: with_function(code, function, assignment=A), {f"test_{function}"},
                message={f"test_{function}": message}, assignment=A)


# Pieces of the tricks below.
SPIES_REPLACED = ("import contextlib\nimport course_utils.h5tools as _h5tools\n\n\n@contextlib.contextmanager\n"
                  "def _counts_nothing():\n    class Nothing:\n        calls = elements = 0\n    yield Nothing()\n\n\n"
                  "_h5tools.is_open = lambda path: False\n_h5tools.count_reads = _counts_nothing\n\n\n")
LOAD_NEVER_CLOSES = ("def load_h5(path):\n    f = h5py.File(path, 'r')\n    arrays = {}\n"
                     "    f.visititems(lambda name, obj: arrays.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)\n"
                     "    load_h5.kept = f\n    return arrays, dict(f.attrs)\n")
GET_NAME_PATCHED = "def _no_name(*args):\n    raise RuntimeError('no name')\n\n\nh5py.h5f.get_name = _no_name\n\n\n"
WRITE_NEVER_CLOSES = ("def write_h5(path, arrays, attrs, compression='gzip', chunks=True):\n    f = h5py.File(path, 'w')\n"
                      "    for name, array in arrays.items():\n"
                      "        f.create_dataset(name, data=array, compression=compression, chunks=chunks)\n"
                      "    for name, value in attrs.items():\n        f.attrs[name] = value\n    f.flush()\n    write_h5.kept = f\n")
READS_EVERYTHING = ("def h5_batches(path, key, batch_size):\n    with h5py.File(path, 'r') as f:\n        everything = f[key][()]\n"
                    "    for i in range(0, len(everything), batch_size):\n        yield everything[i:i + batch_size]\n")
READS_EVERYTHING_LOW_LEVEL = ("def h5_batches(path, key, batch_size):\n    with h5py.File(path, 'r') as f:\n"
                              "        everything = np.empty(f[key].shape, f[key].dtype)\n"
                              "        f[key].id.read(h5py.h5s.ALL, h5py.h5s.ALL, everything)\n"
                              "    for i in range(0, len(everything), batch_size):\n        yield everything[i:i + batch_size]\n")
TIMED_ONCE = ("def measure_prefetch(produce, consume, steps):\n"
              "    start = time.perf_counter()\n    produce(0)\n    p = time.perf_counter() - start\n"
              "    start = time.perf_counter()\n    consume(0)\n    c = time.perf_counter() - start\n")

CASES = [
    shortcut_case(A, "write_h5", "def write_h5(path, arrays, attrs, compression='gzip', chunks=True):\n"
                                 "    import pandas as pd\n    with pd.HDFStore(path, 'w') as store:\n"
                                 "        for name, array in arrays.items():\n            store[name] = pd.Series(array.ravel())\n"),
    shortcut_case(A, "load_h5", "def load_h5(path):\n    import pandas\n    return {'train/x': pandas.read_hdf(path)}, {}\n"),
    shortcut_case(A, "h5_batches", "def h5_batches(path, key, batch_size):\n    from more_itertools import chunked\n"
                                   "    with h5py.File(path, 'r') as f:\n        for rows in chunked(f[key], batch_size):\n"
                                   "            yield np.stack(rows)\n",
                  also_fails={"test_pipeline_from_h5"}),
    shortcut_case(A, "normalize", "def normalize(image, label):\n    rescale = tf.keras.layers.Rescaling(1 / 255)\n"
                                  "    return rescale(tf.cast(image, tf.float32)), label\n"),
    shortcut_case(A, "make_pipeline", "def make_pipeline(x, y, batch_size, shuffle_buffer, seed):\n"
                                      "    return tf.keras.utils.timeseries_dataset_from_array(x / 255, y, 1, batch_size=batch_size,"
                                      " shuffle=True, seed=seed)\n"),
    shortcut_case(A, "pipeline_from_h5", "def pipeline_from_h5(path, batch_size, shuffle_buffer, seed, x_key='train/x', y_key='train/y'):\n"
                                         "    import tensorflow_io as tfio\n"
                                         "    x = tfio.IODataset.from_hdf5(path, dataset='/' + x_key)\n"
                                         "    y = tfio.IODataset.from_hdf5(path, dataset='/' + y_key)\n"
                                         "    return tf.data.Dataset.zip((x, y)).map(normalize).shuffle(shuffle_buffer, seed=seed)"
                                         ".batch(batch_size).prefetch(tf.data.AUTOTUNE)\n"),
    shortcut_case(A, "first_batch", "def first_batch(dataset):\n    from more_itertools import first\n    return first(dataset)\n"),
    shortcut_case(A, "read_chunks", "def read_chunks(file, size):\n    import more_itertools\n"
                                    "    return more_itertools.repeatfunc(file.read, None, size)\n"),
    shortcut_case(A, "measure_prefetch", "def measure_prefetch(produce_s, consume_s, steps):\n    import simpy\n"
                                         "    env = simpy.Environment()\n    return env.now, env.now\n"),
    shortcut_case(A, "round_to_bfloat16", "def round_to_bfloat16(x):\n"
                                          "    return tf.cast(tf.cast(x, tf.bfloat16), tf.float32).numpy()\n"),
    # Faked timings that satisfy every bound on the numbers (for the grader's usual 0.04 s), but
    # measured nothing: the grader's produce and consume were never called.
    trick("timings from the formula", "measure_prefetch",
          "def measure_prefetch(produce, consume, steps):\n"
          "    return steps * 0.08 * 1.05, steps * 0.04 * 1.05 + 0.04\n",
          "were never called"),
    # A first_batch that hides the full pass behind a loop that keeps the first element.
    trick("first batch after a full pass", "first_batch",
          "def first_batch(dataset):\n    kept = None\n    for element in dataset:\n"
          "        kept = element if kept is None else kept\n    return kept\n", "runs the whole pipeline"),
    # A generator that reads the whole dataset through read_direct, which slicing spies might miss.
    trick("whole dataset through read_direct", "h5_batches",
          "def h5_batches(path, key, batch_size):\n    with h5py.File(path, 'r') as f:\n        ds = f[key]\n"
          "        everything = np.empty(ds.shape, ds.dtype)\n        ds.read_direct(everything)\n"
          "        for i in range(0, len(everything), batch_size):\n            yield everything[i:i + batch_size]\n",
          "It read the whole dataset"),
    # A pipeline that builds from the file eagerly, then hides the data in a generator over memory.
    trick("pipeline_from_h5 that reads while building", "pipeline_from_h5",
          "def pipeline_from_h5(path, batch_size, shuffle_buffer, seed, x_key='train/x', y_key='train/y'):\n"
          "    with h5py.File(path, 'r') as f:\n        x, y = np.asarray(f[x_key]), np.asarray(f[y_key])\n"
          "    signature = (tf.TensorSpec((None, *x.shape[1:]), tf.uint8), tf.TensorSpec((None,), tf.int64))\n"
          "    dataset = tf.data.Dataset.from_generator(lambda: iter([(x, y)]), output_signature=signature).unbatch()\n"
          "    dataset = dataset.map(normalize, num_parallel_calls=tf.data.AUTOTUNE).shuffle(shuffle_buffer, seed=seed)\n"
          "    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)\n",
          "building the pipeline read"),
    # The attack: the kernel-side spies replaced in sys.modules (they made 14/14 of a load_h5
    # that never closes and an h5_batches that reads everything). The runner checks from outside.
    Case(f"{A} trick: spies replaced in sys.modules", lambda: with_functions({
        "load_h5": SPIES_REPLACED + LOAD_NEVER_CLOSES, "h5_batches": READS_EVERYTHING}),
        {"test_load_h5", "test_h5_batches"},
        message={"test_load_h5": "still open after load_h5 returned", "test_h5_batches": "It read the whole dataset"},
        assignment=A),
    # h5py's own functions patched so that no spy in the kernel can see the open file, and the whole
    # dataset read through the low-level DatasetID.read, which the Dataset methods' counters never see.
    Case(f"{A} trick: h5py's own functions patched", lambda: with_functions({
        "write_h5": GET_NAME_PATCHED + WRITE_NEVER_CLOSES, "h5_batches": READS_EVERYTHING_LOW_LEVEL}),
        {"test_write_h5", "test_h5_batches"},
        message={"test_write_h5": "still open after write_h5 returned", "test_h5_batches": "It read the whole dataset"},
        assignment=A),
    trick("pipeline_from_h5 that reads while building, through DatasetID.read", "pipeline_from_h5",
          "def pipeline_from_h5(path, batch_size, shuffle_buffer, seed, x_key='train/x', y_key='train/y'):\n"
          "    with h5py.File(path, 'r') as f:\n"
          "        x, y = np.empty(f[x_key].shape, f[x_key].dtype), np.empty(f[y_key].shape, f[y_key].dtype)\n"
          "        f[x_key].id.read(h5py.h5s.ALL, h5py.h5s.ALL, x)\n        f[y_key].id.read(h5py.h5s.ALL, h5py.h5s.ALL, y)\n"
          "    signature = (tf.TensorSpec((None, *x.shape[1:]), tf.uint8), tf.TensorSpec((None,), tf.int64))\n"
          "    dataset = tf.data.Dataset.from_generator(lambda: iter([(x, y)]), output_signature=signature).unbatch()\n"
          "    dataset = dataset.map(normalize, num_parallel_calls=tf.data.AUTOTUNE).shuffle(shuffle_buffer, seed=seed)\n"
          "    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)\n",
          "building the pipeline read"),
    # The whole file read at the call, by a route a counting file object never sees, with the one
    # read per chunk such a spy expected made for show.
    trick("read_chunks that reads everything at the call", "read_chunks",
          "def read_chunks(file, size):\n    import os\n"
          "    data = file.getvalue() if hasattr(file, 'getvalue') else os.pread(file.fileno(), 1 << 20, 0)\n"
          "    def chunks():\n        if data:\n            file.read(size)\n"
          "        for i in range(0, len(data), size):\n            yield data[i:i + size]\n    return chunks()\n",
          "were read from the file before the first next()"),
    # The attack on the timing: no tf.data at all, a sleep for the formula's time, and the
    # formula returned (produce and consume timed once each, to know p and c).
    trick("prefetch timings slept and returned from the formula", "measure_prefetch",
          TIMED_ONCE + "    time.sleep(steps * (p + c) + min(p, c) + steps * max(p, c))\n"
                       "    return steps * (p + c), min(p, c) + steps * max(p, c)\n",
          "produce was called 1 times"),
    # Both loops without tf.data, produce and consume taking turns, and time.perf_counter patched so
    # that the kernel's own clock agrees with a faked speedup.
    trick("prefetch without tf.data, time.perf_counter patched", "measure_prefetch",
          "def measure_prefetch(produce, consume, steps):\n    import time\n"
          "    real, start = time.perf_counter, time.perf_counter()\n"
          "    for _ in range(2):\n        for i in range(steps):\n            consume(produce(i))\n"
          "    p = c = (real() - start) / (4 * steps)\n"
          "    time.perf_counter = lambda: start + 10 * (real() - start)\n"
          "    return steps * (p + c), min(p, c) + steps * max(p, c)\n",
          "by the grader's clock"),
    # time.sleep patched away (and time.perf_counter with it, so that the kernel's clock follows the
    # sleeps asked for): the pipelines run in no time, and the formula is returned.
    trick("prefetch with time.sleep and time.perf_counter patched", "measure_prefetch",
          "def measure_prefetch(produce, consume, steps):\n    import time\n"
          "    clock = [time.perf_counter()]\n"
          "    def sleep(seconds):\n        clock[0] += seconds\n"
          "    time.sleep, time.perf_counter = sleep, lambda: clock[0]\n"
          + TIMED_ONCE.split("\n", 1)[1] +
          "    dataset = tf.data.Dataset.range(2 * steps - 1).map(lambda i: tf.py_function(produce, [i], tf.int64))\n"
          "    for element in dataset:\n        consume(element)\n"
          "    return steps * (p + c), min(p, c) + steps * max(p, c)\n",
          "Leave time.sleep as it is"),
    # Overlap made by hand with a thread measures threads, not tf.data's prefetch.
    Case(f"{A} shortcut in measure_prefetch: a thread of its own", lambda: with_function(
        "def measure_prefetch(produce, consume, steps):\n    from concurrent.futures import ThreadPoolExecutor\n"
        "    with ThreadPoolExecutor(1) as pool:\n        return 1.0, 0.5\n", "measure_prefetch", assignment=A),
        {"test_measure_prefetch"}, message={"test_measure_prefetch": "earns no points"}, assignment=A),
]
