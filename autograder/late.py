"""The course's late-submission policy, as an nbgrader late-submission plugin.

nbgrader's ``AssignLatePenalties`` step calls the plugin with the score of each notebook submitted
after the assignment's due date (from the submission's ``timestamp.txt`` and the gradebook's
``duedate``). The built-in plugin offers no penalty or a zero; this one takes a fraction of the
score per started day late. nbgrader_config.py selects it and sets the fraction.

nbgrader calls it when it autogrades, before any written answer is scored, so with the autograded
points only; grade-batch calls it again at every run with the notebook's total score, written
answers included (``record.ClassGradebook.settle``). The penalty is therefore a fraction of the
total: 2 started days late with 15 autograded and 2.5 written points, 0.2 x 17.5 = 3.5.
"""
import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

SECONDS_PER_DAY = 24 * 3600


class PenaltyPerDay(LateSubmissionPlugin):
    """Penalty = score x fraction_per_day x (started days late), at most the whole score."""

    fraction_per_day = Float(0.1, help="Fraction of the notebook's score lost per started day late.").tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        if total_seconds_late <= 0:
            return 0.0
        days = math.ceil(total_seconds_late / SECONDS_PER_DAY)
        return min(score, score * self.fraction_per_day * days)
