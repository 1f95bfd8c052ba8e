"""Report: results.json in Gradescope's format, from nbgrader's gradebook and the judged notebook."""
import json

import nbformat
from nbgrader.api import Gradebook

from .check import is_test_cell


def _message(cell):
    """The verdict text JudgeTestCells left in a test cell's outputs."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output.get("evalue", "")
        if output.get("output_type") == "stream":
            return output.get("text", "").strip()
    return ""


def results(db_url, assignment, student, judged_notebook, execution_time, late=None, replaced=0):
    """Gradescope results: one test per autograded cell, manual cells under extra_data.

    Inputs:
        db_url: the gradebook holding this submission's grades
        judged_notebook: path of nbgrader's autograded copy (test outputs hold the verdicts)
        execution_time: seconds spent grading
        late, replaced: the lateness and the count of invalid characters (see ``rescore``)
    Returns:
        dict with score, execution_time, output, tests and extra_data
    """
    messages, order = {}, []
    if judged_notebook.exists():
        nb = nbformat.read(judged_notebook, as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id:
                order.append(grade_id)
                if is_test_cell(cell):
                    messages[grade_id] = _message(cell)
    tests, manual = [], []
    with Gradebook(db_url) as gb:
        submission = gb.find_submission_notebook(assignment, assignment, student)
        grades = sorted(submission.grades, key=lambda g: order.index(g.name) if g.name in order else len(order))
        for grade in grades:
            if grade.cell.cell_type == "markdown" or grade.needs_manual_grade and grade.auto_score is None:
                manual.append({"name": grade.name, "max_score": grade.max_score, "score": grade.manual_score})
                continue
            score = float(grade.auto_score or 0.0)
            tests.append({
                "name": grade.name,
                "score": score,
                "max_score": float(grade.max_score),
                "status": "passed" if score >= grade.max_score else "failed",
                "output": messages.get(grade.name) or "This test cell is missing from the submission.",
                "visibility": "visible",
            })
    extra = {"assignment": assignment, "max_score": sum(t["max_score"] for t in tests), "manually_graded": manual}
    if replaced:
        extra["replaced_characters"] = replaced
    return rescore({"score": 0.0, "execution_time": round(execution_time, 2), "output": "", "tests": tests,
                    "extra_data": extra}, late=late or {})


def rescore(results, scores=None, late=None):
    """A copy of ``results`` with its score and output made from its parts.

    Inputs:
        scores:   {grade_id: points or None (not graded yet)} of the cells, as the gradebook holds
                  them once formgrader has scored a written answer or changed a test's score
                  (default: the scores ``results`` already holds)
        late:     {"timestamp", "seconds_late" (s), "penalty" (points)} as nbgrader's gradebook
                  holds them (default: the lateness ``results`` already holds)
    The score is the autograded points, plus the written answers' points once graded, minus the
    late penalty: the score nbgrader's CSV export gives. ``extra_data.max_score`` stays the
    autograded points; ``extra_data.raw_score`` (the score before the penalty) is there when late.
    """
    results = json.loads(json.dumps(results))
    extra = results["extra_data"]
    if scores is not None:
        for answer in extra["manually_graded"]:
            answer["score"] = scores.get(answer["name"])
        for test in results["tests"]:
            if scores.get(test["name"]) is not None:
                test["score"] = scores[test["name"]]
                test["status"] = "passed" if test["score"] >= test["max_score"] else "failed"
    late = extra.get("late", {}) if late is None else late
    replaced = extra.get("replaced_characters", 0)
    tests, manual = results["tests"], extra["manually_graded"]
    autograded = sum(t["score"] for t in tests)
    graded = [m for m in manual if m["score"] is not None]
    raw = autograded + sum(m["score"] for m in graded)
    passed = sum(t["status"] == "passed" for t in tests)
    output = f"{passed} of {len(tests)} tests passed: {autograded:g} of {extra['max_score']:g} autograded points."
    if graded:
        output += (f" Written answer(s): {sum(m['score'] for m in graded):g} of "
                   f"{sum(m['max_score'] for m in graded):g} points.")
    if len(graded) < len(manual):
        output += f" {len(manual) - len(graded)} written answer(s) will be graded by your instructor."
    extra.pop("raw_score", None)
    extra.pop("late", None)
    results["score"] = raw
    if late.get("penalty"):
        extra["raw_score"], extra["late"] = raw, dict(late)
        results["score"] = max(0.0, raw - late["penalty"])
        output += (f" Submitted {late['seconds_late'] / 3600:.1f} hours after the due date: {late['penalty']:g} "
                   "points deducted by the late-submission policy.")
    if replaced:
        output += (f" {replaced} character(s) of your notebook are not valid Unicode (lone surrogates); "
                   "they were graded as \N{REPLACEMENT CHARACTER}.")
    results["output"] = output
    return results


def write_json(data, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
