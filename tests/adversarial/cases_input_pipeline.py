"""Adversarial submissions for input_pipeline: a library shortcut in every graded function, and tricks
specific to its checks. Each Case says which tests must fail."""
from kit import Case, shortcut_case, with_function

A = "input_pipeline"


def trick(name, function, code, message):
    """A submission whose ``function`` tries to get past its check; only its own test must fail."""
    return Case(f"{A} trick: {name}", lambda: with_function(code, function, assignment=A), {f"test_{function}"},
                message={f"test_{function}": message}, assignment=A)


CASES = [
    shortcut_case(A, "write_h5", "def write_h5(path, arrays, attrs, compression='gzip', chunks=True):\n"
                                 "    import pandas as pd\n    with pd.HDFStore(path, 'w') as store:\n"
                                 "        for name, array in arrays.items():\n            store[name] = pd.Series(array.ravel())\n"),
    shortcut_case(A, "load_h5", "def load_h5(path):\n    import pandas\n    return {'train/x': pandas.read_hdf(path)}, {}\n"),
    shortcut_case(A, "h5_batches", "def h5_batches(path, key, batch_size):\n    from more_itertools import chunked\n"
                                   "    with h5py.File(path, 'r') as f:\n        for rows in chunked(f[key], batch_size):\n"
                                   "            yield np.stack(rows)\n"),
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
    # Faked timings that satisfy every bound on the numbers, but took no time to "measure".
    trick("timings from the formula", "measure_prefetch",
          "def measure_prefetch(produce_s, consume_s, steps):\n"
          "    return steps * (produce_s + consume_s) * 1.05, steps * max(produce_s, consume_s) * 1.05 + min(produce_s, consume_s)\n",
          "more than the"),
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
]
