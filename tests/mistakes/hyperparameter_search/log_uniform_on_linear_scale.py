"""alpha sampled uniformly on a linear scale instead of the log scale.

test: test_sample_log_uniform
message: uniformly on a linear scale
"""
def sample_log_uniform(low, high, size, rng):
    if low <= 0:
        raise ValueError(f"low must be > 0, got low={low}")
    if low >= high:
        raise ValueError(f"low must be smaller than high, got low={low}, high={high}")
    return rng.uniform(low, high, size)
