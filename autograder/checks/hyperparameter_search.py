"""Hidden checks for ``hyperparameter_search``: samplers are judged by their distribution, bounds
and reproducibility (never by exact draws), searches by their content (never by their order).

The ranges, grids, spaces, the objective's optimum and the Generators' seeds are drawn for each
submission (``autograder.hidden_inputs``), within limits that keep every judge's reasoning valid:
log ranges span at least 2.5 decades, beta ranges keep low >= 0.5 (so that [low, high] and
[1 - high, 1 - low] never overlap), integer ranges have 4 to 13 values.
"""
import math

import numpy as np

from autograder.hidden_inputs import submission_rng, submission_seed
from autograder.reference import hyperparameter_search as ref
from . import Check
from .judging import (Failure, describe, expect_array, expect_reproducible, expect_value_error,
                      looks_uniform)

N = 20_000  # draws per distribution check
draw = submission_rng()    # Generators for this submission's hidden inputs
seed = submission_seed()   # seeds of the Generators the kernel builds for the learner's functions


def rng(n):
    """A Generator, built in the kernel, for the learner's function: numpy.random.default_rng(seed(n))."""
    return {"$rng": seed(n)}


def rounded(value):
    """A drawn number with 4 significant digits, as it reads in messages."""
    return float(f"{value:.4g}")


def beta_end(exponent):
    """The beta whose 1 - beta is 10**exponent (4 significant digits), never rounded up to 1."""
    return float(f"{1 - rounded(10 ** exponent):.12g}")


def call(label, function, *args):
    return {"label": label, "function": function, "args": list(args)}


def sampler_plan(function, low, high, bad_ranges):
    """Calls for a sampler: a large sample, the same seed again, another seed, a small size,
    and each bad range in ``bad_ranges`` ({label: (low, high)})."""
    return {"calls": [
        call("sample", function, low, high, N, rng(101)),
        call("same seed", function, low, high, N, rng(101)),
        call("other seed", function, low, high, N, rng(102)),
        call("size 3", function, low, high, 3, rng(103)),
        *(call(label, function, lo, hi, 5, rng(104)) for label, (lo, hi) in bad_ranges.items()),
    ]}


def judge_sampler(records, function, low, high, kind, to_unit, mistakes):
    """Shared judge for the three samplers.

    to_unit maps samples to [0, 1] so that a correct sampler looks uniform there;
    mistakes is [(test(sample) -> bool, hint)] tried in order when it does not.
    """
    what = records.shown("sample")
    sample = expect_array(records.call("sample"), what, (N,), kind)
    expect_array(records.call("size 3"), records.shown("size 3"), (3,), kind)
    expect_reproducible(sample, records.call("same seed"), records.call("other seed"), function)
    for test, hint in mistakes:
        if test(sample):
            raise Failure(f"{what}: {hint}")
    if outside(sample, low, high):
        raise Failure(f"{what}: expected every value in [{low}, {high}], "
                      f"found values from {sample.min():.6g} to {sample.max():.6g}.")
    if not looks_uniform(to_unit(sample)):
        raise Failure(f"{what}: the values lie in [{low}, {high}] but are not spread as the scale requires.")


def outside(values, low, high, rtol=1e-6):
    """True when a value leaves [low, high] by more than float32 rounding (relative 1e-6)."""
    return bool(values.min() < low - rtol * abs(low) or values.max() > high + rtol * abs(high))


def linear_unit(low, high):
    return lambda x: (x - low) / (high - low)


def log_unit(low, high):
    a, b = math.log10(low), math.log10(high)
    return lambda x: (np.log10(np.maximum(x, 1e-300)) - a) / (b - a)


def beta_unit(low, high):
    a, b = math.log10(1 - high), math.log10(1 - low)
    return lambda x: (np.log10(np.maximum(1 - x, 1e-300)) - a) / (b - a)


# --- sample_log_uniform --------------------------------------------------------------------
LOG_RANGE = (rounded(10 ** draw(1).uniform(-6, -3.5)), rounded(10 ** draw(2).uniform(-1, 1.5)))
LOG_BAD = {"low zero": (0.0, LOG_RANGE[1]), "low negative": (-rounded(10 ** draw(3).uniform(-4, 0)), LOG_RANGE[1]),
           "low >= high": (LOG_RANGE[1], LOG_RANGE[0])}


def judge_sample_log_uniform(records):
    low, high = LOG_RANGE
    in_range = lambda x: not outside(x, low, high)  # noqa: E731
    judge_sampler(records, "sample_log_uniform", low, high, "f", log_unit(low, high), [
        (lambda x: in_range(x) and looks_uniform(linear_unit(low, high)(x)),
         "the values are spread uniformly on a linear scale, so almost all of them land in the top "
         "decade. Sample the exponent r uniformly in [log10(low), log10(high)] and return 10**r."),
        (lambda x: x.min() >= math.log10(low) and x.max() <= math.log10(high) and not in_range(x),
         "the values look like exponents r, not 10**r. Return 10**r."),
    ])
    expect_value_error(records, "low zero", ["low"])
    expect_value_error(records, "low negative", ["low"])
    expect_value_error(records, "low >= high", ["low", "high"])


# --- sample_beta ----------------------------------------------------------------------------
BETA_RANGE = (beta_end(draw(4).uniform(-1.3, -0.31)), beta_end(draw(5).uniform(-5, -3)))
BETA_BAD = {"high is 1": (BETA_RANGE[0], 1.0), "low negative": (-rounded(draw(6).uniform(0.01, 1)), BETA_RANGE[0]),
            "low >= high": (BETA_RANGE[1], BETA_RANGE[0])}


def judge_sample_beta(records):
    low, high = BETA_RANGE
    judge_sampler(records, "sample_beta", low, high, "f", beta_unit(low, high), [
        (lambda x: x.min() >= 1 - high and x.max() <= 1 - low,
         f"every value lies in [{1 - high:.4g}, {1 - low:.4g}], which is the range of 1 - beta. "
         "Did you forget the '1 -' in beta = 1 - 10**r?"),
        (lambda x: x.min() >= low and x.max() <= high and looks_uniform(linear_unit(low, high)(x)),
         "beta is spread uniformly on a linear scale, so the values near 1 (long averaging windows) "
         "are hardly tried. Sample r uniformly in [log10(1 - high), log10(1 - low)] and return 1 - 10**r."),
    ])
    expect_value_error(records, "high is 1", ["high"])
    expect_value_error(records, "low negative", ["low"])
    expect_value_error(records, "low >= high", ["low", "high"])


# --- sample_int -----------------------------------------------------------------------------
_INT_LOW = int(draw(7).integers(-5, 10))
INT_RANGE = (_INT_LOW, _INT_LOW + int(draw(8).integers(3, 13)))


def judge_sample_int(records):
    low, high = INT_RANGE
    what = records.shown("sample")
    sample = expect_array(records.call("sample"), what, (N,), "i")
    if sample.size and sample.max() == high - 1 and sample.min() >= low:
        raise Failure(f"{what}: the upper end {high} never appeared in {N} draws. Both ends are included: "
                      "rng.integers excludes high unless you pass endpoint=True (or use high + 1).")
    if sample.min() < low or sample.max() > high:
        raise Failure(f"{what}: expected integers in [{low}, {high}], found values from "
                      f"{sample.min()} to {sample.max()}.")
    counts = np.bincount(sample - low, minlength=high - low + 1)
    expected = N / counts.size
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    dof = counts.size - 1
    if chi2 > dof + 7 * math.sqrt(2 * dof) + 10:  # p < ~1e-6
        raise Failure(f"{what}: expected each integer {low}..{high} about {expected:.0f} times, "
                      f"found counts {counts.tolist()}. Sample on a linear scale, every value equally likely.")
    expect_array(records.call("size 3"), records.shown("size 3"), (3,), "i")
    expect_reproducible(sample, records.call("same seed"), records.call("other seed"), "sample_int")
    expect_value_error(records, "low > high", ["low", "high"])


# --- grid_search ----------------------------------------------------------------------------
def drawn_grids(generator):
    """Two grids: three names with 2 to 4 values each (floats, ints, strings), and one name alone."""
    sizes = generator.integers(2, 5, 4)
    rates = sorted({rounded(10 ** r) for r in generator.uniform(-4, 0, 8)}, reverse=True)
    units = sorted({int(u) for u in generator.integers(8, 513, 8)})
    activations = [str(a) for a in generator.permutation(["relu", "tanh", "sigmoid", "leaky_relu", "elu"])]
    batches = [int(2 ** k) for k in sorted(generator.choice(np.arange(4, 11), sizes[3], replace=False))]
    return {"three names": {"learning_rate": rates[:sizes[0]], "hidden_units": units[:sizes[1]],
                            "activation": activations[:sizes[2]]},
            "one name": {"mini_batch_size": batches}}


GRIDS = drawn_grids(draw(9))


def plain(value):
    """A numpy scalar as the Python value it holds, so np.float64(0.1) compares equal to 0.1."""
    return value.item() if isinstance(value, np.generic) else value


def canonical(configs):
    """Configs as a sorted list of sorted item tuples: equal for the same multiset of dicts."""
    return sorted(repr(sorted((str(k), repr(plain(v))) for k, v in c.items())) for c in configs)


def judge_grid_search(records):
    for label, grid in GRIDS.items():
        what = records.shown(label)
        found = records.call(label)
        expected = ref.grid_search(grid)
        if not isinstance(found, list) or not all(isinstance(c, dict) for c in found):
            raise Failure(f"{what}: expected a list of dicts, found {describe(found)}.")
        if len(found) != len(expected):
            raise Failure(f"{what}: expected {len(expected)} configurations (the product of the list "
                          f"lengths), found {len(found)}.")
        if canonical(found) != canonical(expected):
            missing = [c for c in expected if canonical([c])[0] not in canonical(found)]
            raise Failure(f"{what}: expected every combination exactly once; for example {missing[:1] or expected[:1]} "
                          "is missing or repeated.")
        if records.args_after(label)[0] != {"$dict": [[k, list(v)] for k, v in grid.items()]}:
            raise Failure(f"{what}: the grid passed in was modified. Build new dicts instead of changing it.")


# --- random_search --------------------------------------------------------------------------
def drawn_space(generator):
    """A space of the four scales: log over at least 2.5 decades, beta with 1 - beta over at least
    1 decade, 20 to 50 integers (so that 4000 trials hit both ends), and a linear range."""
    units_low = int(generator.integers(4, 32))
    keep_low = rounded(generator.uniform(0.2, 0.7))
    return {"alpha": ("log", rounded(10 ** generator.uniform(-5, -3.5)), rounded(10 ** generator.uniform(-1, 0.5))),
            "beta": ("beta", beta_end(generator.uniform(-1.3, -0.7)), beta_end(generator.uniform(-4, -2.5))),
            "hidden_units": ("int", units_low, units_low + int(generator.integers(20, 50))),
            "keep_prob": ("linear", keep_low, rounded(generator.uniform(keep_low + 0.1, 1.0)))}


SPACE = drawn_space(draw(10))
TRIALS = 4000
UNITS = {"log": log_unit, "beta": beta_unit, "linear": linear_unit}


def encode_space(space):
    return {"$dict": [[name, {"$tuple": list(spec)}] for name, spec in space.items()]}


def random_search_calls():
    space = encode_space(SPACE)
    return {"calls": [
        call("search", "random_search", space, TRIALS, rng(111)),
        call("same seed", "random_search", space, TRIALS, rng(111)),
        call("other seed", "random_search", space, TRIALS, rng(112)),
        call("unknown scale", "random_search", encode_space({"alpha": ("cubic", 1.0, 2.0)}), 3, rng(113)),
    ]}


def column(configs, name, what):
    try:
        return np.array([float(c[name]) for c in configs])
    except (KeyError, TypeError, ValueError):
        raise Failure(f"{what}: every configuration needs a number for {name!r}.") from None


def judge_random_search(records):
    what = records.shown("search")
    found = records.call("search")
    if not isinstance(found, list) or len(found) != TRIALS or not all(isinstance(c, dict) for c in found):
        raise Failure(f"{what}: expected a list of {TRIALS} dicts, found {describe(found)}.")
    keys = set(found[0])
    if keys != set(SPACE):
        raise Failure(f"{what}: expected each dict to have the keys {sorted(SPACE)}, found {sorted(map(str, keys))}.")
    for name, (scale, low, high) in SPACE.items():
        values = column(found, name, what)
        if outside(values, low, high):
            raise Failure(f"{what}: {name!r} ({scale} scale) should stay in [{low}, {high}], "
                          f"found values from {values.min():.6g} to {values.max():.6g}.")
        if scale == "int":
            if not all(float(c[name]).is_integer() for c in found):
                raise Failure(f"{what}: {name!r} has the 'int' scale, so it should hold whole numbers.")
            if values.max() != high or values.min() != low:
                raise Failure(f"{what}: {name!r} should include both ends {low} and {high}; "
                              f"found values from {values.min():.0f} to {values.max():.0f}.")
        elif not looks_uniform(UNITS[scale](low, high)(values)):
            raise Failure(f"{what}: {name!r} is not spread as its {scale!r} scale requires. "
                          "Sample each parameter with the sampler for its scale.")
    expect_reproducible(canonical(found), canonical(records.call("same seed")),
                        canonical(records.call("other seed")), "random_search")
    expect_value_error(records, "unknown scale", ["cubic"])
    if records.args_after("search")[0] != encode_space(SPACE):
        raise Failure(f"{what}: the space passed in was modified. Leave the input unchanged.")


# --- coarse_to_fine -------------------------------------------------------------------------
C2F_SPACE = {"alpha": ("log", 1e-5, 1.0), "beta": ("beta", 0.8, 0.9999), "hidden_units": ("int", 8, 128)}


def drawn_objective(generator):
    """A smooth objective to maximise, best at alpha = 10**a, 1 - beta = 10**b, hidden_units = h,
    drawn well inside C2F_SPACE; the source of a lambda, evaluated in the kernel and here."""
    a, b, h = generator.uniform(-4, -1), generator.uniform(-3.5, -1.5), int(generator.integers(24, 112))
    return (f"lambda c: -(math.log10(c['alpha']) - ({a:.4f})) ** 2 - (math.log10(1 - c['beta']) - ({b:.4f})) ** 2"
            f" - ((c['hidden_units'] - {h}) / 24) ** 2")


OBJECTIVE = drawn_objective(draw(11))
N_COARSE, N_FINE, TOP_K = 40, 200, 5


def coarse_to_fine_calls():
    def c2f(label, n):
        return call(label, "coarse_to_fine", {"$callable": OBJECTIVE}, encode_space(C2F_SPACE),
                    N_COARSE, N_FINE, TOP_K, rng(n))
    return {"calls": [c2f("search", 121), c2f("same seed", 121), c2f("other seed", 122)]}


def judge_coarse_to_fine(records):
    objective = eval(OBJECTIVE, {"math": math})
    what = records.shown("search")
    found = records.call("search")
    if not (isinstance(found, tuple) and len(found) == 2):
        raise Failure(f"{what}: expected a tuple (best_config, history), found {describe(found)}.")
    best, history = found
    if not isinstance(history, list) or len(history) != N_COARSE + N_FINE:
        raise Failure(f"{what}: expected a history of n_coarse + n_fine = {N_COARSE + N_FINE} trials, "
                      f"found {describe(history)}.")
    try:
        configs = [dict(config) for config, _ in history]
        scores = np.array([float(score) for _, score in history])
    except (TypeError, ValueError):
        raise Failure(f"{what}: each history entry should be a pair (config, score).") from None
    true_scores = np.array([objective(c) for c in configs])
    if not np.allclose(scores, true_scores, rtol=1e-9, atol=1e-12):
        raise Failure(f"{what}: the scores in history are not objective(config) of their configs.")
    coarse = configs[:N_COARSE]
    top = [configs[i] for i in np.argsort(-true_scores[:N_COARSE], kind="stable")[:TOP_K]]
    zoom = ref.narrowed_space(C2F_SPACE, top)
    for name, (scale, low, high) in zoom.items():
        coarse_values = column(coarse, name, what)
        _, full_low, full_high = C2F_SPACE[name]
        if coarse_values.min() < full_low or coarse_values.max() > full_high:
            raise Failure(f"{what}: coarse trials of {name!r} should cover [{full_low}, {full_high}], "
                          f"found values from {coarse_values.min():.6g} to {coarse_values.max():.6g}.")
        fine_values = column(configs[N_COARSE:], name, what)
        slack = 1e-9 * max(abs(low), abs(high))
        if fine_values.min() < low - slack or fine_values.max() > high + slack:
            raise Failure(f"{what}: the fine trials of {name!r} should stay inside the range spanned by the "
                          f"top_k={TOP_K} best coarse trials, [{low:.6g}, {high:.6g}], found values from "
                          f"{fine_values.min():.6g} to {fine_values.max():.6g}. Narrow the space before the fine stage.")
    if not isinstance(best, dict) or set(best) != set(C2F_SPACE):
        raise Failure(f"{what}: best_config should be a config dict with keys {sorted(C2F_SPACE)}, "
                      f"found {describe(best)}.")
    if objective(best) != true_scores.max():
        raise Failure(f"{what}: best_config should be the configuration with the highest score in history "
                      f"({true_scores.max():.4f}), found one that scores {objective(best):.4f}.")
    expect_reproducible(canonical(configs), canonical([c for c, _ in records.call("same seed")[1]]),
                        canonical([c for c, _ in records.call("other seed")[1]]), "coarse_to_fine")


# --- priority_tier --------------------------------------------------------------------------
def priority_tier_calls():
    return {"calls": [call(name, "priority_tier", name) for name in ref.PRIORITY_TIERS]}


def judge_priority_tier(records):
    wrong = []
    for name, tier in ref.PRIORITY_TIERS.items():
        found = records.call(name)
        if not isinstance(found, (int, np.integer)) or isinstance(found, bool) or found != tier:
            wrong.append(f"{name} (found {found!r})")
    if wrong:
        raise Failure(f"{len(wrong)} of {len(ref.PRIORITY_TIERS)} hyperparameters are in the wrong tier: "
                      f"{', '.join(wrong)}. Revisit the tiers in the 'Tuning process' section.")


CHECKS = [
    Check("test_sample_log_uniform", lambda: sampler_plan("sample_log_uniform", *LOG_RANGE, LOG_BAD),
          judge_sample_log_uniform, shortcuts=("scipy.stats.loguniform", "scipy.stats.reciprocal")),
    Check("test_sample_beta", lambda: sampler_plan("sample_beta", *BETA_RANGE, BETA_BAD), judge_sample_beta),
    Check("test_sample_int", lambda: sampler_plan("sample_int", *INT_RANGE, {"low > high": (INT_RANGE[0] + 1, INT_RANGE[0])}),
          judge_sample_int),
    Check("test_grid_search", lambda: {"calls": [
        call(label, "grid_search", {"$dict": [[k, list(v)] for k, v in grid.items()]})
        for label, grid in GRIDS.items()]}, judge_grid_search, shortcuts=("sklearn.model_selection.ParameterGrid",)),
    Check("test_random_search", random_search_calls, judge_random_search,
          shortcuts=("sklearn.model_selection.ParameterSampler",)),
    Check("test_coarse_to_fine", coarse_to_fine_calls, judge_coarse_to_fine),
    Check("test_priority_tier", priority_tier_calls, judge_priority_tier),
]
