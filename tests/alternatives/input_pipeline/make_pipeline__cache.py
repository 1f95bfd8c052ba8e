"""A cache of the normalized examples between map and shuffle."""
def make_pipeline(x, y, batch_size, shuffle_buffer, seed):
    dataset = tf.data.Dataset.from_tensor_slices((tf.constant(x), tf.constant(y)))
    dataset = dataset.map(normalize, num_parallel_calls=tf.data.AUTOTUNE).cache()
    dataset = dataset.shuffle(shuffle_buffer, seed=seed).batch(batch_size, drop_remainder=False)
    return dataset.prefetch(2)
