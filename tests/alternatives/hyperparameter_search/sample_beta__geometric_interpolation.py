"""Geometric interpolation between 1 - high and 1 - low: the same law written without log10."""
def sample_beta(low, high, size, rng):
    if low < 0 or low >= 1:
        raise ValueError("low out of [0, 1)")
    if high < 0 or high >= 1:
        raise ValueError("high out of [0, 1)")
    if high <= low:
        raise ValueError("low must be smaller than high")
    u = rng.random(size)
    return 1.0 - (1 - high) * ((1 - low) / (1 - high)) ** u
