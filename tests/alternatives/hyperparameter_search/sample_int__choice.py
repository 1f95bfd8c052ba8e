"""rng.choice over the explicit range of values."""
def sample_int(low, high, size, rng):
    if high < low:
        raise ValueError("high must be at least low")
    return rng.choice(np.arange(low, high + 1), size=size)
