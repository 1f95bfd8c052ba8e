"""Grading limits, configurable in nbgrader_config.py (``c.GradingSettings.<name> = ...``) or by
the flags of ``python -m autograder grade`` (``--cell-timeout 60``, ``--memory 2G``, ...).

The defaults suit this course: a TensorFlow notebook needs about 1 GiB and a numpy one far less,
while no submission can touch 6 GiB of memory, start 300 processes, keep a cell running for
5 minutes, or write 300 MB of output. The character limits bound what the pages convert (a page
costs milliseconds per kilobyte of coloured or tagged text), so no output costs minutes to show.
"""
import re

from traitlets import Float, Integer, Unicode
from traitlets.config import Configurable

from .sandbox import Limits

GiB, MiB = 1 << 30, 1 << 20


class GradingSettings(Configurable):
    """Limits the grader applies to every submission."""

    cell_timeout = Float(120, help="Seconds any one notebook cell may run before it is stopped.").tag(config=True)
    notebook_timeout = Float(600, help="Seconds the whole notebook may run.").tag(config=True)
    call_timeout = Float(20, help="Seconds any one call the grader makes to a learner's function may run.").tag(config=True)
    memory = Integer(3 * GiB, help="Bytes of memory for the whole sandbox (cgroup), where the machine allows it.").tag(config=True)
    address_space = Integer(4 * GiB, help="Bytes of virtual address space per process (RLIMIT_AS).").tag(config=True)
    processes = Integer(256, help="Processes and threads the kernel may run at once.").tag(config=True)
    max_output = Integer(32 * MiB, help="Bytes of output kept from a whole notebook.").tag(config=True)
    max_cell_output = Integer(2 * MiB, help="Bytes of output kept from any one cell.").tag(config=True)
    max_output_chars = Integer(500_000, help="Characters of text output the graded notebook keeps from the whole "
                                             "notebook (images not counted).").tag(config=True)
    max_cell_output_chars = Integer(100_000, help="Characters of text output the graded notebook keeps from any "
                                                  "one cell (images not counted).").tag(config=True)
    feedback_timeout = Float(60, help="Seconds nbgrader may spend writing one feedback page; past them the page "
                                      "is written again without the submission's outputs.").tag(config=True)
    disk = Integer(256 * MiB, help="Bytes the notebook may write to its scratch directory.").tag(config=True)
    file_size = Integer(64 * MiB, help="Largest file, in bytes, the notebook may write (RLIMIT_FSIZE).").tag(config=True)
    secret = Unicode("", help="The course secret behind the hidden inputs (autograder/hidden_inputs.py); empty: "
                              "COURSE_GRADER_SECRET or .grader-secret at the course root. Never release it.")

    def limits(self):
        return Limits(cell_timeout=self.cell_timeout, notebook_timeout=self.notebook_timeout,
                      memory_bytes=self.memory, address_space_bytes=self.address_space,
                      processes=self.processes, max_output_bytes=self.max_output,
                      max_cell_output_bytes=self.max_cell_output, disk_bytes=self.disk,
                      file_size_bytes=self.file_size)


def parse_size(text):
    """'3G', '512M', '100k', '2GiB' or a plain number of bytes -> int bytes."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kmg]?)(?:i?b)?\s*", str(text).lower())
    if not match:
        raise ValueError(f"not a size: {text!r} (use e.g. 3G, 512M or a number of bytes)")
    number, unit = match.groups()
    return int(float(number) * {"": 1, "k": 1 << 10, "m": MiB, "g": GiB}[unit])
