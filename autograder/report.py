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


def results(db_url, assignment, student, judged_notebook, execution_time):
    """Gradescope results: one test per autograded cell, manual cells under extra_data.

    Inputs:
        db_url: the gradebook holding this submission's grades
        judged_notebook: path of nbgrader's autograded copy (test outputs hold the verdicts)
        execution_time: seconds spent grading
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
    score = sum(t["score"] for t in tests)
    max_score = sum(t["max_score"] for t in tests)
    passed = sum(t["status"] == "passed" for t in tests)
    return {
        "score": score,
        "execution_time": round(execution_time, 2),
        "output": f"{passed} of {len(tests)} tests passed: {score:g} of {max_score:g} autograded points."
                  + (f" {len(manual)} written answer(s) will be graded by your instructor." if manual else ""),
        "tests": tests,
        "extra_data": {"assignment": assignment, "max_score": max_score, "manually_graded": manual},
    }


def apply_late_penalty(results, late):
    """Subtract nbgrader's late-submission penalty from the score, keeping the raw score beside it."""
    if late.get("penalty"):
        results["extra_data"]["raw_score"] = results["score"]
        results["extra_data"]["late"] = late
        results["score"] = max(0.0, results["score"] - late["penalty"])
        hours = late["seconds_late"] / 3600
        results["output"] += (f" Submitted {hours:.1f} hours after the due date: {late['penalty']:g} points "
                              "deducted by the late-submission policy.")


def write_json(data, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
