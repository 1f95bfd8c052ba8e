"""x_key and y_key are ignored: the datasets "train/x" and "train/y" are always read.

test: test_pipeline_from_h5
message: Read the datasets named by x_key and y_key
"""
def pipeline_from_h5(path, batch_size, shuffle_buffer, seed, x_key="train/x", y_key="train/y"):
    signature = (tf.TensorSpec((None, 8, 8), tf.uint8), tf.TensorSpec((None,), tf.int64))
    dataset = tf.data.Dataset.from_generator(
        lambda: zip(h5_batches(path, "train/x", batch_size), h5_batches(path, "train/y", batch_size)),
        output_signature=signature).unbatch()
    dataset = dataset.map(normalize, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    dataset = dataset.batch(batch_size)
    return dataset.prefetch(tf.data.AUTOTUNE)
