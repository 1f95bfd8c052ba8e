"""The hidden checks, run in-process against the float64 reference (no kernel, so fast).

The recorder from course_utils.grading makes the planned calls on a namespace holding the
reference implementations; every judge must accept them. The same calls on stubs must fail
every judge, and no record, however malformed, may crash a judge.

The TensorFlow assignments' references are numpy, not implementations of the learner's
TensorFlow functions, so for them "the solution passes" is shown by grading the source notebook
(tests/test_grading.py) rather than here.
"""
import importlib
import json
import math

import numpy as np
import pytest

from autograder.check import verdict
from autograder.checks import checks_for
from autograder.course import available_assignments
from autograder.examples import catalog
from course_utils.grading import record_for_grader

CASES = [(a, t) for a in available_assignments() for t in checks_for(a)]


def reference_namespace(assignment):
    module = importlib.import_module(f"autograder.reference.{assignment}")
    return {name: getattr(module, name) for name in dir(module) if not name.startswith("_")}


def implements_the_exercises(assignment):
    """True when the reference module defines every function the assignment's checks call."""
    return {c.function for c in checks_for(assignment).values()} <= set(reference_namespace(assignment))


REFERENCE_CASES = [(a, t) for a, t in CASES if implements_the_exercises(a)]


def run_probe(monkeypatch, tmp_path, check, namespace):
    monkeypatch.setenv("COURSE_PROBE_DIR", str(tmp_path))
    (tmp_path / f"{check.test_id}.plan.json").write_text(json.dumps(dict(check.plan(), timeout=20)))
    record_for_grader(check.test_id, namespace)
    return verdict(check, json.loads((tmp_path / f"{check.test_id}.record.json").read_text()))


# Salts of hidden inputs: every judge must accept a correct solution whatever the draw.
SALTS = (0, 1, 2, 977, 2**62 + 12345)
# Checks whose plan is the same for every submission, and why.
FIXED_PLANS = {"test_priority_tier": "a question about the course's fixed list of hyperparameter names",
               "test_measure_prefetch": "timings that the grader measures, which nothing could look up"}


@pytest.mark.parametrize("salt", SALTS)
@pytest.mark.parametrize("assignment,test_id", REFERENCE_CASES)
def test_reference_passes(assignment, test_id, salt, tmp_path, monkeypatch):
    check = checks_for(assignment, salt)[test_id]
    assert run_probe(monkeypatch, tmp_path, check, reference_namespace(assignment)) is None


def with_replacements(assignment, replacements):
    """The reference namespace with functions replaced by catalog entries' code."""
    namespace = dict(reference_namespace(assignment), np=np, math=math)
    for replacement in replacements:
        exec(replacement.source, namespace)
    return namespace


def alternative_rounds(assignment):
    """As autograder.examples.alternative_submissions: round k uses every function's k-th alternative
    (an alternative backward pass may need the alternative forward pass's cache)."""
    by_function = {}
    for alternative in catalog("alternatives", assignment):
        by_function.setdefault(alternative.function, []).append(alternative)
    rounds = max((len(v) for v in by_function.values()), default=0)
    return [[alts[k] for alts in by_function.values() if k < len(alts)] for k in range(rounds)]


IN_PROCESS = [a for a in available_assignments() if implements_the_exercises(a)]
MUTANTS = [(a, m) for a in IN_PROCESS for m in catalog("mistakes", a)]
ALTERNATIVES = [(a, k, r.function, r.name) for a in IN_PROCESS for k, replacements in enumerate(alternative_rounds(a))
                for r in replacements]


@pytest.mark.parametrize("salt", SALTS[1:4])
@pytest.mark.parametrize("assignment,mutant", MUTANTS, ids=[f"{a}/{m.name}" for a, m in MUTANTS])
def test_mistake_fails_with_its_message_for_every_salt(assignment, mutant, salt, tmp_path, monkeypatch):
    check = checks_for(assignment, salt)[mutant.test_id]
    message = run_probe(monkeypatch, tmp_path, check, with_replacements(assignment, [mutant]))
    assert message and mutant.message in message, message


@pytest.mark.parametrize("salt", SALTS[1:4])
@pytest.mark.parametrize("assignment,k,function,name", ALTERNATIVES, ids=[f"{a}/{n}" for a, _, _, n in ALTERNATIVES])
def test_alternative_passes_for_every_salt(assignment, k, function, name, salt, tmp_path, monkeypatch):
    check = checks_for(assignment, salt)[f"test_{function}"]
    namespace = with_replacements(assignment, alternative_rounds(assignment)[k])
    assert run_probe(monkeypatch, tmp_path, check, namespace) is None


@pytest.mark.parametrize("assignment,test_id", CASES)
def test_hidden_inputs_differ_between_submissions(assignment, test_id):
    plans = [json.dumps(checks_for(assignment, salt)[test_id].plan(), sort_keys=True) for salt in SALTS]
    again = checks_for.__wrapped__(assignment, SALTS[0])[test_id].plan()  # executed afresh, not cached
    assert plans[0] == json.dumps(again, sort_keys=True), "the same salt drew other inputs"
    if test_id in FIXED_PLANS:
        assert len(set(plans)) == 1
    else:
        assert len(set(plans)) == len(SALTS), f"{test_id}: the same plan for two salts"


@pytest.mark.parametrize("assignment,test_id", CASES)
def test_stub_fails_with_not_implemented(assignment, test_id, tmp_path, monkeypatch):
    def stub(*args, **kwargs):
        raise NotImplementedError("Not implemented yet")
    namespace = {check.function: stub for check in checks_for(assignment).values()}
    message = run_probe(monkeypatch, tmp_path, checks_for(assignment)[test_id], namespace)
    assert message and "not implemented yet" in message


@pytest.mark.parametrize("assignment,test_id", CASES)
def test_missing_record_is_reported(assignment, test_id):
    message = verdict(checks_for(assignment)[test_id], None, "cell 3 ran past the 120 s time limit")
    assert "never ran" in message and "cell 3 ran past the 120 s time limit" in message


@pytest.mark.parametrize("junk", [None, 0, "", [], {}, {"$object": {"type": "x", "repr": "y"}},
                                  {"$ndarray": {"dtype": "float64", "shape": [2], "data": [np.nan, 1.0]}},
                                  {"$dict": [["a", 1]]}, {"$tuple": [1, 2]}])
@pytest.mark.parametrize("assignment,test_id", CASES)
def test_judges_never_crash_on_odd_returns(assignment, test_id, junk, tmp_path):
    check = checks_for(assignment)[test_id]
    plan = check.plan()
    raw = {"calls": {c["label"]: {"returned": junk, "args_after": []} for c in plan["calls"]}}
    message = verdict(check, json.loads(json.dumps(raw)))
    assert isinstance(message, str) and message


@pytest.mark.parametrize("raw", [{"calls": []}, {"calls": {"x": 3}}, {}, {"calls": {"sample": {"returned": {
    "$ndarray": {"dtype": "int8", "shape": [1], "data": [999]}}}}}])
@pytest.mark.parametrize("assignment,test_id", CASES)
def test_malformed_records_are_reported(assignment, test_id, raw):
    message = verdict(checks_for(assignment)[test_id], raw)
    assert isinstance(message, str) and message
