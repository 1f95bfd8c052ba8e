"""prefetch is placed before batch instead of last.

test: test_make_pipeline
message: prefetch is not the last step
"""
def make_pipeline(x, y, batch_size, shuffle_buffer, seed):
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.map(normalize, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    dataset = dataset.prefetch(tf.data.AUTOTUNE)
    return dataset.batch(batch_size)
