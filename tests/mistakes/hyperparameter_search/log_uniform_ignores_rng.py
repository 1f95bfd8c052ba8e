"""numpy's global random state used instead of the rng argument.

test: test_sample_log_uniform
message: seeded alike returned different values
"""
def sample_log_uniform(low, high, size, rng):
    if low <= 0:
        raise ValueError(f"low must be > 0, got low={low}")
    if low >= high:
        raise ValueError(f"low must be smaller than high, got low={low}, high={high}")
    return 10.0 ** np.random.uniform(math.log10(low), math.log10(high), size)
