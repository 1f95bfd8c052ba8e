"""Shuffling after batching: whole batches are shuffled, not examples.

test: test_make_pipeline
message: shuffling after batching
"""
def make_pipeline(x, y, batch_size, shuffle_buffer, seed):
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.map(normalize, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.batch(batch_size)
    dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    return dataset.prefetch(tf.data.AUTOTUNE)
