"""The batches read from the file are not unbatched, so the pipeline makes batches of batches.

test: test_pipeline_from_h5
message: unbatch()
"""
def pipeline_from_h5(path, batch_size, shuffle_buffer, seed, x_key="train/x", y_key="train/y"):
    with h5py.File(path, "r") as f:
        image_shape = f[x_key].shape[1:]
    signature = (tf.TensorSpec((None, *image_shape), tf.uint8), tf.TensorSpec((None,), tf.int64))
    dataset = tf.data.Dataset.from_generator(
        lambda: zip(h5_batches(path, x_key, batch_size), h5_batches(path, y_key, batch_size)), output_signature=signature)
    dataset = dataset.map(normalize, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    dataset = dataset.batch(batch_size)
    return dataset.prefetch(tf.data.AUTOTUNE)
