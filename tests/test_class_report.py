"""The class report groups the same mistake across learners and draws its plots."""
from autograder.class_report import mistake_key, render, score_figure


def results(score, failures):
    tests = [{"name": "test_a", "status": "failed" if "test_a" in failures else "passed", "output": failures.get("test_a", ""),
              "score": 0, "max_score": 2},
             {"name": "test_b", "status": "failed" if "test_b" in failures else "passed", "output": failures.get("test_b", ""),
              "score": 0, "max_score": 2}]
    return {"score": score, "tests": tests, "extra_data": {"max_score": 4}}


def test_mistake_key_masks_numbers_only():
    assert mistake_key("expected 106.485, found 2.5e-3 at index (0, 12)") == "expected #, found # at index (#, #)"
    assert mistake_key("sum instead of mean") == "sum instead of mean"


def test_report_counts_one_mistake_with_different_values_once_and_names_the_weakest_test():
    entries = [("ann", "softmax", results(2, {"test_a": "expected 1.5, found 3.0: the mean"}), 4.0),
               ("bob", "softmax", results(2, {"test_a": "expected 1.5, found 7.25: the mean"}), 5.0),
               ("cat", "softmax", results(4, {}), 3.0)]
    page = render(entries)
    assert page.count("<img") == 3
    assert "<tr><td>2</td><td>softmax</td><td>test_a</td>" in page
    assert "<b>test_a</b>, passed by 1 of 3" in page
    assert "test_b</b>" not in page  # passed by everyone, so not among what the class is missing
    assert "No graded submissions" in render([])


def test_report_gives_wall_time_and_worker_time_apart_and_counts_in_whole_numbers():
    entries = [("ann", "softmax", results(2, {}), 4.0), ("bob", "softmax", results(4, {}), 8.0)]
    page = render(entries, runs=[6.0])
    assert "6 s of wall time (1 run)" in page and "the workers spent 12 s grading them, 6.0 s per submission" in page
    figure = score_figure({"softmax": [0.5], "batch_norm": [0.25, 1.0]})
    for ax in figure.axes:
        low, high = ax.get_ylim()
        ticks = [tick for tick in ax.get_yticks() if low <= tick <= high]
        assert ticks and all(float(tick).is_integer() for tick in ticks), ticks
