"""beta sampled uniformly in [low, high] instead of through 1 - beta = 10**r.

test: test_sample_beta
message: spread uniformly on a linear scale
"""
def sample_beta(low, high, size, rng):
    if not 0 <= low < 1:
        raise ValueError(f"low must be in [0, 1), got low={low}")
    if not 0 <= high < 1:
        raise ValueError(f"high must be in [0, 1), got high={high}")
    if low >= high:
        raise ValueError(f"low must be smaller than high, got low={low}, high={high}")
    return rng.uniform(low, high, size)
