"""1 - beta drawn with sample_log_uniform on [1 - high, 1 - low]."""
def sample_beta(low, high, size, rng):
    for label, value in (("low", low), ("high", high)):
        if not 0 <= value < 1:
            raise ValueError(f"{label} must lie in [0, 1)")
    if low >= high:
        raise ValueError("low must be below high")
    return 1 - sample_log_uniform(1 - high, 1 - low, size, rng)
