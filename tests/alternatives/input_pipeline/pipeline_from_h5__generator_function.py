"""A nested generator function and a fixed read size of 256 rows."""
def pipeline_from_h5(path, batch_size, shuffle_buffer, seed, x_key="train/x", y_key="train/y"):
    with h5py.File(path, "r") as f:
        height, width = f[x_key].shape[1:]

    def pairs():
        for images, labels in zip(h5_batches(path, x_key, 256), h5_batches(path, y_key, 256)):
            yield images, labels.astype(np.int64)

    signature = (tf.TensorSpec(shape=(None, height, width), dtype=tf.uint8), tf.TensorSpec(shape=(None,), dtype=tf.int64))
    dataset = tf.data.Dataset.from_generator(pairs, output_signature=signature)
    dataset = dataset.unbatch().map(normalize, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
