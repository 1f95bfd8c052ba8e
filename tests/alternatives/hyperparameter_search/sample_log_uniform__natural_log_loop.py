"""Natural logarithms and one draw at a time with rng.random(), built in a Python loop."""
def sample_log_uniform(low, high, size, rng):
    if low <= 0:
        raise ValueError("low must be positive")
    if not low < high:
        raise ValueError("need low < high")
    a, b = math.log(low), math.log(high)
    return np.array([math.exp(a + (b - a) * rng.random()) for _ in range(size)])
