"""The producer runs in the Python loop, next to the consumer, so prefetch has nothing to overlap.

test: test_measure_prefetch
message: no overlap
"""
def measure_prefetch(produce, consume, steps):
    options = tf.data.Options()
    options.experimental_optimization.inject_prefetch = False
    timings = []
    for dataset in (tf.data.Dataset.range(steps).with_options(options), tf.data.Dataset.range(steps).prefetch(tf.data.AUTOTUNE)):
        start = time.perf_counter()
        for i in dataset:
            consume(produce(i))
        timings.append(time.perf_counter() - start)
    return tuple(timings)
