"""The producer as a Python generator in from_generator, autotune off for the run without prefetch, prefetch(1)."""
def measure_prefetch(produce, consume, steps):
    def producer():
        for i in range(steps):
            yield produce(i)

    def timed(dataset):
        t0 = time.perf_counter()
        iterator = iter(dataset)
        while True:
            try:
                element = next(iterator)
            except StopIteration:
                break
            consume(element)
        return time.perf_counter() - t0

    source = lambda: tf.data.Dataset.from_generator(producer, output_signature=tf.TensorSpec((), tf.int64))
    options = tf.data.Options()
    options.autotune.enabled = False
    return timed(source().with_options(options)), timed(source().prefetch(1))
