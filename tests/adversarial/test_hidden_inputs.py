"""Knowing the hidden inputs does not help: a learner who prints the grader's plan from the kernel and
hard-codes the answers for those inputs in the next submission gets other inputs, because the
inputs are drawn per submission from a secret the kernel never sees."""
import copy
import json
import re

import nbformat
import numpy as np
from nbformat.v4 import new_code_cell

from autograder.examples import source_notebook
from autograder.grade import grade_submission
from autograder.reference import softmax as reference
from course_utils.grading import decode

PRINT_PLAN = ("import os\nprint('PLAN', open(os.path.join(os.environ.get('COURSE_PROBE_DIR', '.'), "
              "'test_softmax.plan.json')).read())")
LOOKUP = '''import json
import numpy as np
from course_utils.grading import decode, encode
_ANSWERS = json.loads({answers!r})

def softmax(Z):
    """Right for the inputs the last grading used, wrong for any other."""
    for z, answer in _ANSWERS:
        if np.array_equal(decode(z), Z):
            return decode(answer)
    return Z
'''


def graded(nb):
    return grade_submission(nb, "softmax", student="mallory", feedback=False)


def printed_plan(result):
    """The plan of test_softmax as the spy cell printed it in the judged notebook."""
    printed = "".join(out.get("text", "") for cell in nbformat.reads(result.autograded, as_version=4).cells
                      for out in cell.get("outputs", []) if "PLAN" in out.get("text", ""))
    return json.loads(re.search(r"PLAN (\{.*\})", printed).group(1))


def test_answers_hard_coded_for_printed_inputs_fail_the_next_grading(built):
    spy = copy.deepcopy(source_notebook("softmax"))
    spy.cells.append(new_code_cell(PRINT_PLAN))
    inputs = [call["args"][0] for call in printed_plan(graded(spy))["calls"]]
    answers = [[z, {"$ndarray": {"dtype": "float64", "shape": list(decode(z).shape),
                                 "data": reference.softmax(decode(z)).ravel().tolist()}}] for z in inputs]

    cheat = copy.deepcopy(spy)
    cell = next(c for c in cheat.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax")
    cell.source = LOOKUP.format(answers=json.dumps(answers))
    once, twice = graded(cheat), graded(cheat)

    tests = {t["name"]: t for t in once.results["tests"]}
    assert tests["test_softmax"]["status"] == "failed", tests["test_softmax"]["output"]
    assert once.results["tests"] == twice.results["tests"], "grading the same submission twice differed"
    assert printed_plan(once) == printed_plan(twice)
    assert not np.array_equal(decode(printed_plan(once)["calls"][0]["args"][0]), decode(inputs[0]))
