"""The '1 -' forgotten: 10**r returned, which is 1 - beta.

test: test_sample_beta
message: forget the '1 -'
"""
def sample_beta(low, high, size, rng):
    if not 0 <= low < 1:
        raise ValueError(f"low must be in [0, 1), got low={low}")
    if not 0 <= high < 1:
        raise ValueError(f"high must be in [0, 1), got high={high}")
    if low >= high:
        raise ValueError(f"low must be smaller than high, got low={low}, high={high}")
    return 10.0 ** rng.uniform(math.log10(1 - high), math.log10(1 - low), size)
