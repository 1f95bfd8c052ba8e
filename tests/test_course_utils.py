"""The learner-facing helpers: messages, gradient checking, seeding, and the record codec."""
import math

import numpy as np
import pytest

from course_utils import checks
from course_utils.gradcheck import numerical_gradient, numerical_gradient_array, rel_error
from course_utils.grading import Opaque, RecordError, decode, encode, record_for_grader
from course_utils.seeding import make_rng, seed_everything


def test_check_array_says_expected_and_found():
    with pytest.raises(checks.CheckFailed, match=r"f\(x\): expected shape \(3, 5\), found shape \(5, 3\)"):
        checks.check_array(np.zeros((5, 3)), name="f(x)", shape=(3, 5))
    with pytest.raises(checks.CheckFailed, match="expected a float array, found dtype int64"):
        checks.check_array(np.zeros(3, dtype=np.int64), name="f(x)", kind="f")
    with pytest.raises(checks.CheckFailed, match="found list of length 2"):
        checks.check_array([1, 2], name="f(x)", shape=(2,))


def test_check_close_points_at_the_first_difference():
    with pytest.raises(checks.CheckFailed, match=r"expected 3 at index \(1,\), found 4\. \(1 of 2 entries differ"):
        checks.check_close(np.array([1.0, 4.0]), [1.0, 3.0], name="y")
    checks.check_close(np.array([1.0, 3.0 + 1e-12]), [1.0, 3.0], name="y")


def test_check_bounds_and_raises():
    with pytest.raises(checks.CheckFailed, match=r"every value in \[0, 1\]"):
        checks.check_bounds([0.5, 1.5], 0, 1, name="p")
    with pytest.raises(checks.CheckFailed, match="expected a ValueError, found no exception"):
        checks.check_raises(lambda: None, ValueError, name="f()")
    with pytest.raises(checks.CheckFailed, match="names 'low'"):
        checks.check_raises(lambda: (_ for _ in ()).throw(ValueError("bad")), ValueError, name="f()", mentions="low")


def test_rel_error():
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0
    assert rel_error([1.0], [1.1]) == pytest.approx(0.1 / 2.1)


def test_numerical_gradient_matches_analytic():
    rng = make_rng(0)
    x = rng.normal(size=(3, 4))
    grad = numerical_gradient(lambda z: np.sum(np.sin(z) * z), x.copy())
    assert rel_error(grad, np.cos(x) * x + np.sin(x)) < 1e-8
    upstream = rng.normal(size=(3, 4))
    grad = numerical_gradient_array(np.tanh, x.copy(), upstream)
    assert rel_error(grad, (1 - np.tanh(x) ** 2) * upstream) < 1e-8


def test_numerical_gradient_restores_its_input():
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()
    numerical_gradient(lambda z: np.sum(z ** 2), x)
    assert np.array_equal(x, before)


def test_seeding_is_reproducible():
    assert np.array_equal(make_rng(3).random(4), make_rng(3).random(4))
    seed_everything(5)
    a = np.random.rand(3)
    seed_everything(5)
    assert np.array_equal(a, np.random.rand(3))


@pytest.mark.parametrize("value", [
    1, 2.5, "text", None, True, [1, 2], (1, "a"), {"a": 1, 2: (3.0,)},
    np.arange(6, dtype=np.int32).reshape(2, 3), np.float64(1.5), np.array([np.inf, -np.inf]),
])
def test_codec_round_trip(value):
    import json
    back = decode(json.loads(json.dumps(encode(value))))
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and np.array_equal(back, value)
    else:
        assert back == value and type(back) is type(value)


def test_codec_keeps_unknown_objects_opaque():
    back = decode(encode(object()))
    assert isinstance(back, Opaque) and back.type_name == "object"


@pytest.mark.parametrize("bad", [{"$ndarray": {"dtype": "object", "shape": [1], "data": [1]}},
                                 {"$ndarray": {"dtype": "float64", "shape": [3], "data": [1.0]}},
                                 {"$pickle": "x"}, {"a": 1, "b": 2}])
def test_decode_rejects_malformed_records(bad):
    with pytest.raises(RecordError):
        decode(bad)


def test_record_for_grader_is_a_no_op_outside_grading(monkeypatch):
    monkeypatch.delenv("COURSE_PROBE_DIR", raising=False)
    assert record_for_grader("test_anything", {}) is None


def test_record_for_grader_records_returns_errors_and_timeouts(tmp_path, monkeypatch):
    import json
    import time
    monkeypatch.setenv("COURSE_PROBE_DIR", str(tmp_path))
    plan = {"timeout": 0.2, "calls": [
        {"label": "ok", "function": "f", "args": [{"$rng": 1}, 3], "kwargs": {}},
        {"label": "raises", "function": "g", "args": [], "kwargs": {}},
        {"label": "slow", "function": "h", "args": [], "kwargs": {}},
        {"label": "absent", "function": "nope", "args": []},
    ]}
    (tmp_path / "t.plan.json").write_text(json.dumps(plan))

    def g():
        raise ValueError("low is bad")

    namespace = {"f": lambda rng, n: rng.random(n), "g": g, "h": lambda: time.sleep(5)}
    record_for_grader("t", namespace)
    raw = json.loads((tmp_path / "t.record.json").read_text())
    assert np.array_equal(decode(raw["calls"]["ok"]["returned"]), np.random.default_rng(1).random(3))
    assert raw["calls"]["raises"]["raised"]["message"] == "low is bad"
    assert "ValueError" in raw["calls"]["raises"]["raised"]["bases"]
    assert raw["calls"]["slow"]["timeout"] == 0.2 and raw["calls"]["slow"]["seconds"] < 2
    assert raw["calls"]["absent"] == {"missing": "nope"}
    assert math.isfinite(raw["calls"]["ok"]["seconds"])


def test_tensorflow_values_cross_as_tensor_values_of_their_kind():
    tf = pytest.importorskip("tensorflow")
    import keras
    from course_utils.grading import TensorValue
    for value, kind, dtype in ((tf.Variable([[1.0, 2.0]]), "Variable", "float32"), (tf.constant(3), "Tensor", "int32"),
                               (keras.Variable([1.0]), "KerasVariable", "float32"),
                               (tf.cast(tf.constant([1.1]), tf.bfloat16), "Tensor", "bfloat16")):
        decoded = decode(encode(value))
        assert isinstance(decoded, TensorValue) and (decoded.kind, decoded.dtype) == (kind, dtype)
        np.testing.assert_array_equal(decoded.value, np.asarray(value.numpy(), dtype=decoded.value.dtype))
    assert not isinstance(decode(encode(np.zeros(2))), TensorValue)


def test_a_driver_runs_in_the_kernel_with_the_learners_functions(tmp_path, monkeypatch):
    import json
    from course_utils.grading import PROBE_DIR_ENV
    driver = "def drive(double, x):\n    return double(x) + 1\n"
    plan = {"calls": [{"label": "driven", "callable": driver, "needs": ["double"],
                       "args": [{"$function": "double"}, 2.0]}]}
    (tmp_path / "test_double.plan.json").write_text(json.dumps(plan))
    monkeypatch.setenv(PROBE_DIR_ENV, str(tmp_path))
    record_for_grader("test_double", {"double": lambda x: 2 * x})
    assert json.loads((tmp_path / "test_double.record.json").read_text())["calls"]["driven"]["returned"] == 5.0
    record_for_grader("test_double", {})
    assert json.loads((tmp_path / "test_double.record.json").read_text())["calls"]["driven"] == {"missing": "double"}
