"""high + 1 as an exclusive bound, converted to Python ints and back."""
def sample_int(low, high, size, rng):
    if low > high:
        raise ValueError(f"low > high: {low} > {high}")
    return np.array([int(v) for v in rng.integers(low, high + 1, size)])
