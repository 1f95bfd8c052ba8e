"""No ValueError for a range that a log scale cannot hold (low <= 0).

test: test_sample_log_uniform
message: expected a ValueError
"""
def sample_log_uniform(low, high, size, rng):
    with np.errstate(divide="ignore", invalid="ignore"):
        return 10.0 ** rng.uniform(np.log10(low), np.log10(high), size)
