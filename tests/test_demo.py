"""The demo, the main job: it grades the examples and writes results and feedback for each."""
import json

from autograder.demo import demo


def test_demo_grades_every_example(built, tmp_path):
    table = demo(tmp_path)
    assert "solution" in table and "release-stub" in table and "mistake:" in table
    results = sorted(tmp_path.rglob("results.json"))
    assert len(results) >= 5
    scores = {p.parent.name: json.loads(p.read_text()) for p in results}
    assert scores["solution"]["score"] == scores["solution"]["extra_data"]["max_score"]
    assert scores["release-stub"]["score"] == 0
    assert all((p.parent / "feedback.html").exists() for p in results)
