"""Reference implementations for the ``hyperparameter_search`` assignment."""
import itertools
import math

import numpy as np

PRIORITY_TIERS = {
    "learning_rate": 1,
    "momentum_beta": 2,
    "mini_batch_size": 2,
    "hidden_units": 2,
    "num_layers": 3,
    "learning_rate_decay": 3,
    "adam_beta1": 4,
    "adam_beta2": 4,
    "adam_epsilon": 4,
}


def sample_log_uniform(low, high, size, rng):
    if low <= 0:
        raise ValueError(f"low must be > 0 on a log scale, got low={low}")
    if low >= high:
        raise ValueError(f"low must be smaller than high, got low={low}, high={high}")
    return 10.0 ** rng.uniform(math.log10(low), math.log10(high), size)


def sample_beta(low, high, size, rng):
    if not 0 <= low < 1:
        raise ValueError(f"low must be in [0, 1), got low={low}")
    if not 0 <= high < 1:
        raise ValueError(f"high must be in [0, 1), got high={high}")
    if low >= high:
        raise ValueError(f"low must be smaller than high, got low={low}, high={high}")
    return 1.0 - 10.0 ** rng.uniform(math.log10(1 - high), math.log10(1 - low), size)


def sample_int(low, high, size, rng):
    if low > high:
        raise ValueError(f"low must not exceed high, got low={low}, high={high}")
    return rng.integers(low, high, size, endpoint=True)


def sample_linear(low, high, size, rng):
    if low >= high:
        raise ValueError(f"low must be smaller than high, got low={low}, high={high}")
    return rng.uniform(low, high, size)


SAMPLERS = {"log": sample_log_uniform, "beta": sample_beta, "int": sample_int, "linear": sample_linear}


def grid_search(grid):
    names = list(grid)
    return [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]


def random_search(space, n_trials, rng):
    for name, (scale, _, _) in space.items():
        if scale not in SAMPLERS:
            raise ValueError(f"unknown scale {scale!r} for {name!r}: use one of {sorted(SAMPLERS)}")
    columns = {name: SAMPLERS[scale](lo, hi, n_trials, rng) for name, (scale, lo, hi) in space.items()}
    return [{name: columns[name][i].item() for name in space} for i in range(n_trials)]


def narrowed_space(space, configs):
    """The region spanned by ``configs``, each parameter keeping its own scale."""
    return {name: (scale, min(c[name] for c in configs), max(c[name] for c in configs))
            for name, (scale, _, _) in space.items()}


def coarse_to_fine(objective, space, n_coarse, n_fine, top_k, rng):
    coarse = random_search(space, n_coarse, rng)
    history = [(config, objective(config)) for config in coarse]
    best_coarse = [config for config, _ in sorted(history, key=lambda t: t[1], reverse=True)[:top_k]]
    fine = random_search(narrowed_space(space, best_coarse), n_fine, rng)
    history += [(config, objective(config)) for config in fine]
    best_config, _ = max(history, key=lambda t: t[1])
    return best_config, history


def priority_tier(name):
    return PRIORITY_TIERS[name]
