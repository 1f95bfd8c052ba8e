"""A new Generator with a fixed seed created inside, so every rng gives the same trials.

test: test_random_search
message: different seeds returned identical values
"""
def random_search(space, n_trials, rng):
    rng = np.random.default_rng(0)
    samplers = {"log": sample_log_uniform, "beta": sample_beta, "int": sample_int,
                "linear": lambda low, high, size, rng: rng.uniform(low, high, size)}
    for name, (scale, low, high) in space.items():
        if scale not in samplers:
            raise ValueError(f"unknown scale {scale!r} for {name!r}")
    columns = {name: samplers[scale](low, high, n_trials, rng) for name, (scale, low, high) in space.items()}
    return [{name: columns[name][i].item() for name in space} for i in range(n_trials)]
