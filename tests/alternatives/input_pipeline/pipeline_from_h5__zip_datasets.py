"""Two from_generator datasets, one per key, zipped, with the signature read from the file."""
def pipeline_from_h5(path, batch_size, shuffle_buffer, seed, x_key="train/x", y_key="train/y"):
    with h5py.File(path, "r") as f:
        x_spec = tf.TensorSpec((None, *f[x_key].shape[1:]), tf.dtypes.as_dtype(f[x_key].dtype))
    xs = tf.data.Dataset.from_generator(lambda: h5_batches(path, x_key, batch_size), output_signature=x_spec)
    ys = tf.data.Dataset.from_generator(lambda: h5_batches(path, y_key, batch_size),
                                        output_signature=tf.TensorSpec((None,), tf.int64))
    dataset = tf.data.Dataset.zip((xs, ys)).unbatch()
    dataset = dataset.map(normalize, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.shuffle(shuffle_buffer, seed=seed).batch(batch_size).prefetch(tf.data.AUTOTUNE)
