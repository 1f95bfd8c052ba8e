"""The exponent r returned instead of 10**r.

test: test_sample_log_uniform
message: look like exponents r
"""
def sample_log_uniform(low, high, size, rng):
    if low <= 0:
        raise ValueError(f"low must be > 0, got low={low}")
    if low >= high:
        raise ValueError(f"low must be smaller than high, got low={low}, high={high}")
    return rng.uniform(math.log10(low), math.log10(high), size)
