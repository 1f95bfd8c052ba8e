"""Where the course lives on disk, its nbgrader configuration, and the nbgrader API over it."""
import logging
import re
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ("hyperparameter_search", "batch_norm", "softmax", "gradient_tape", "input_pipeline")


class BadInput(Exception):
    """The user's input cannot be graded; the message is one line that says why."""


def course_config(root=ROOT):
    """The course's nbgrader_config.py, loaded as a traitlets Config."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    return config


def available_assignments(root=ROOT):
    """Course assignments, in course order, that have a source notebook."""
    return [name for name in ASSIGNMENTS if (root / "source" / name / f"{name}.ipynb").exists()]


def check_assignment(name, root=ROOT):
    """Raise BadInput unless ``name`` is an assignment of this course with a source notebook."""
    known = available_assignments(root)
    if name not in known:
        raise BadInput(f"unknown assignment {name!r}; this course has: {', '.join(known)}")


def nbgrader_api(root, config):
    """An NbGraderAPI on the course directory ``root``, logging only errors."""
    coursedir = CourseDirectory(config=config)
    coursedir.root = str(root)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    api.log.setLevel(logging.ERROR)
    return api


def nbgrader_failure(outcome):
    """The root exception in the log of a failed NbGraderAPI call, in one line."""
    text = "\n".join(filter(None, (outcome.get("log"), outcome.get("error"))))
    causes = [line.strip() for line in text.splitlines()
              if re.match(r"\s*[\w.]+(Error|Exception|Unavailable|Fault): ", line) and "NbGraderException" not in line]
    return re.sub(r"^(?:\w+\.)+(?=\w+: )", "", causes[-1]) if causes else "no details in nbgrader's log"


def gradebook_path(root=ROOT):
    return root / "gradebook.db"
