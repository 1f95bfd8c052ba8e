"""An exclusive upper bound: rng.integers without endpoint=True never returns high.

test: test_sample_int
message: never appeared
"""
def sample_int(low, high, size, rng):
    if low > high:
        raise ValueError(f"low must not exceed high, got low={low}, high={high}")
    return rng.integers(low, high, size)
