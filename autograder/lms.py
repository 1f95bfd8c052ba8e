"""An LMS's download, read by nbgrader's zip_collect in the class's course directory.

zip_collect's FileNameCollectorPlugin finds each learner and time in a file's path with
``named_regexp``; the course directory's configuration sets it to ``BLACKBOARD_NAMES`` and the
collector to ``BlackboardFileNames``, because nbgrader's date parser misreads Blackboard's times:
``2026-11-19-21-15-00`` becomes 21:00, so a submission could lose or gain its lateness.
"""
import re

from nbgrader.plugins import FileNameCollectorPlugin

# <assignment>_<student>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>, matched against the whole path.
BLACKBOARD_NAMES = r".*_(?P<student_id>[^_/]+)_attempt_(?P<timestamp>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)_(?P<file_id>[^/]+)$"


class BlackboardFileNames(FileNameCollectorPlugin):
    """nbgrader's collector, with a Blackboard time (YYYY-MM-DD-HH-MM-SS) handed on as
    "YYYY-MM-DD HH:MM:SS", which nbgrader reads right. Any other time is handed on as it is."""

    def collect(self, submitted_file):
        info = super().collect(submitted_file)
        when = re.fullmatch(r"(\d{4}-\d\d-\d\d)-(\d\d)-(\d\d)-(\d\d)", (info or {}).get("timestamp") or "")
        if when:
            info["timestamp"] = f"{when[1]} {when[2]}:{when[3]}:{when[4]}"
        return info
