"""nbgrader configuration for the course, read by nbgrader's own commands and by `python -m autograder`."""
import os

from autograder.chain import use_course_chain

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "dl-tuning-course"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))

# Every nbgrader door (autograde, generate_feedback, formgrader's buttons) runs the course's steps:
# the notebook runs in the sandbox and the hidden checks are judged outside it (autograder/chain.py).
use_course_chain(c)

# What a learner sees in place of a solution.
c.ClearSolutions.code_stub = {
    "python": '# YOUR CODE HERE\nraise NotImplementedError("Not implemented yet: replace this line with your code.")'
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Grading limits used by `python -m autograder` (autograder/settings.py documents each one);
# `python -m autograder grade --help` lists the flags that override them for one run.
c.GradingSettings.cell_timeout = 120          # seconds for any one cell
c.GradingSettings.notebook_timeout = 600      # seconds for the whole notebook
c.GradingSettings.call_timeout = 20           # seconds for any one call the grader makes to a learner's function
c.GradingSettings.memory = 3 * 2**30          # bytes for the whole sandbox
c.GradingSettings.processes = 256             # processes and threads of the kernel
c.GradingSettings.max_output = 32 * 2**20     # bytes of output kept from a notebook

# Late submissions (a timestamp.txt after the assignment's due date in the gradebook) lose 10 % of
# their score per started day late; autograder/late.py is the plugin.
c.AssignLatePenalties.plugin_class = "autograder.late.PenaltyPerDay"
c.PenaltyPerDay.fraction_per_day = 0.1
