"""One trial at a time, drawing each parameter separately (a different order of draws)."""
def random_search(space, n_trials, rng):
    samplers = {"log": sample_log_uniform, "beta": sample_beta, "int": sample_int,
                "linear": lambda lo, hi, n, g: g.uniform(lo, hi, n)}
    unknown = [scale for scale, _, _ in space.values() if scale not in samplers]
    if unknown:
        raise ValueError(f"unknown scale {unknown[0]!r}")
    trials = []
    for _ in range(n_trials):
        trials.append({name: samplers[scale](lo, hi, 1, rng)[0] for name, (scale, lo, hi) in space.items()})
    return trials
