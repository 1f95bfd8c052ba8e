"""One chained expression, with a lambda around normalize."""
def make_pipeline(x, y, batch_size, shuffle_buffer, seed):
    return (tf.data.Dataset.from_tensor_slices((x, y))
            .map(lambda image, label: normalize(image, label), num_parallel_calls=tf.data.AUTOTUNE)
            .shuffle(buffer_size=shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
            .batch(batch_size)
            .prefetch(buffer_size=tf.data.AUTOTUNE))
