"""No prefetch at the end of the pipeline.

test: test_make_pipeline
message: no prefetch
"""
def make_pipeline(x, y, batch_size, shuffle_buffer, seed):
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.map(normalize, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.shuffle(shuffle_buffer, seed=seed)
    return dataset.batch(batch_size)
