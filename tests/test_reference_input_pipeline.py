"""The numpy references of input_pipeline are themselves right: bfloat16 rounding agrees with
ml_dtypes (TensorFlow's own bfloat16), and the ideal prefetch timings agree with a step-by-step
simulation of a producer and a consumer."""
import ml_dtypes
import numpy as np

from autograder.reference import input_pipeline as ref


def test_bfloat16_rounding_matches_ml_dtypes_including_ties():
    rng = np.random.default_rng(0)
    values = (rng.normal(size=20_000) * 10.0 ** rng.uniform(-37, 37, 20_000)).astype(np.float32)
    values = np.concatenate([values, ref.bfloat16_ties(1, 2_000), np.float32([0.0, -0.0, 1.0, 3.0e38, 65504.0])])
    expected = values.astype(ml_dtypes.bfloat16).astype(np.float32)
    assert np.array_equal(ref.round_to_bfloat16(values), expected)


def test_bfloat16_relative_error_is_at_most_two_to_the_minus_8_and_ties_are_real_ties():
    values = np.random.default_rng(2).uniform(1e-3, 1e3, 50_000).astype(np.float32)
    error = np.abs(ref.round_to_bfloat16(values).astype(np.float64) - values) / values
    assert error.max() <= ref.relative_error_bound()
    ties = ref.bfloat16_ties(3, 100)
    down, up = ref.truncate_to_bfloat16(ties), ref.round_half_away_to_bfloat16(ties)
    assert np.allclose(np.abs(ties.astype(np.float64) - down), np.abs(up.astype(np.float64) - ties), rtol=0, atol=0)
    not_ties = (values.view(np.uint32) & 0xFFFF) != 0x8000
    assert np.array_equal(ref.round_to_bfloat16(values[not_ties]), ref.round_half_away_to_bfloat16(values[not_ties]))


def simulate(produce_s, consume_s, steps, prefetch):
    """Finish time of the last consumer step. Without prefetch the producer starts a batch only when
    the consumer asks for it; with prefetch it works ahead, filling a buffer."""
    producer_free, consumer_free = 0.0, 0.0
    for _ in range(steps):
        start = producer_free if prefetch else max(producer_free, consumer_free)
        producer_free = start + produce_s
        consumer_free = max(consumer_free, producer_free) + consume_s
    return consumer_free


def test_ideal_prefetch_times_match_a_simulation():
    for p, c, n in [(0.04, 0.04, 8), (0.05, 0.02, 6), (0.02, 0.05, 6), (1.0, 3.0, 10)]:
        without, with_prefetch = ref.ideal_seconds(p, c, n)
        assert np.isclose(simulate(p, c, n, prefetch=False), without)
        assert np.isclose(simulate(p, c, n, prefetch=True), with_prefetch)


def test_batch_sizes_keep_the_short_last_batch():
    assert ref.batch_sizes(1000, 64) == [64] * 15 + [40]
    assert ref.batch_sizes(1000, 100) == [100] * 10
    assert ref.is_consecutive_run([5, 3, 4]) and not ref.is_consecutive_run([5, 3, 7])
