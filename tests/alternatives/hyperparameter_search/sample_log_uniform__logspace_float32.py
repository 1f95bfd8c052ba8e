"""A float32 result computed with np.power, clipped to the range."""
def sample_log_uniform(low, high, size, rng):
    if low <= 0 or low >= high:
        raise ValueError(f"bad range: low={low}, high={high}")
    r = rng.uniform(np.log10(low), np.log10(high), size=(size,)).astype(np.float32)
    return np.clip(np.power(np.float32(10.0), r), np.float32(low), np.float32(high))
