"""Grading limits, configurable in nbgrader_config.py (``c.GradingSettings.<name> = ...``)."""
from traitlets import Integer
from traitlets.config import Configurable


class GradingSettings(Configurable):
    """Limits the grader applies to every submission."""

    cell_timeout = Integer(120, help="Seconds any one notebook cell may run before it is interrupted.").tag(config=True)
    call_timeout = Integer(20, help="Seconds any one call the grader makes to a learner's function may run.").tag(config=True)
