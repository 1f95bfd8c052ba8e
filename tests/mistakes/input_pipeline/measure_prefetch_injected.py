"""The run without prefetch leaves inject_prefetch on, so TensorFlow prefetches anyway.

test: test_measure_prefetch
message: inject_prefetch = False
"""
def measure_prefetch(produce_s, consume_s, steps):
    def produce(i):
        time.sleep(produce_s)
        return i

    def consume(dataset):
        start = time.perf_counter()
        for _ in dataset:
            time.sleep(consume_s)
        return time.perf_counter() - start

    dataset = tf.data.Dataset.range(steps).map(lambda i: tf.py_function(produce, [i], tf.int64))
    return consume(dataset), consume(dataset.prefetch(tf.data.AUTOTUNE))
