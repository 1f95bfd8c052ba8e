"""The whole file is loaded while the pipeline is built, then fed to from_tensor_slices.

test: test_pipeline_from_h5
message: building the pipeline read
"""
def pipeline_from_h5(path, batch_size, shuffle_buffer, seed, x_key="train/x", y_key="train/y"):
    with h5py.File(path, "r") as f:
        x, y = f[x_key][()], f[y_key][()]
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.map(normalize, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    dataset = dataset.batch(batch_size)
    return dataset.prefetch(tf.data.AUTOTUNE)
