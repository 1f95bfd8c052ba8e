"""Every hyperparameter drawn uniformly on a linear scale, whatever its scale says.

test: test_random_search
message: is not spread as its 'log' scale requires
"""
def random_search(space, n_trials, rng):
    for name, (scale, low, high) in space.items():
        if scale not in ("log", "beta", "int", "linear"):
            raise ValueError(f"unknown scale {scale!r}")
    configs = []
    for _ in range(n_trials):
        config = {}
        for name, (scale, low, high) in space.items():
            config[name] = int(rng.integers(low, high, endpoint=True)) if scale == "int" else float(rng.uniform(low, high))
        configs.append(config)
    return configs
