"""The run without prefetch leaves inject_prefetch on, so TensorFlow prefetches anyway.

test: test_measure_prefetch
message: inject_prefetch = False
"""
def measure_prefetch(produce, consume, steps):
    def timed(dataset):
        start = time.perf_counter()
        for element in dataset:
            consume(element)
        return time.perf_counter() - start

    dataset = tf.data.Dataset.range(steps).map(lambda i: tf.py_function(produce, [i], tf.int64))
    return timed(dataset), timed(dataset.prefetch(tf.data.AUTOTUNE))
