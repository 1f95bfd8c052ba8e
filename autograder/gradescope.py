"""Gradescope: package the grader as a Gradescope autograder, and run inside one.

``build_archive`` writes the zip Gradescope asks for: ``setup.sh`` and ``run_autograder`` at its
root and the course beside them (the grader, course_utils, datasets, the assignment's source, a
``requirements.lock`` of what grading needs, cut from the course's lock by ``pins.pinned``, and the
course secret behind the hidden inputs, so that Gradescope draws the same hidden inputs as
grade-batch; the archive is the instructor's, never the learners'). Gradescope unpacks it into
``/autograder/source``, runs ``setup.sh`` once (on Gradescope's default image,
gradescope/autograder-base:ubuntu-22.04, the only one whose archive has Python 3.11), then
``run_autograder`` per submission, which calls ``run`` below. ``run`` always leaves a
``results/results.json``: a submission that cannot be graded gets a score of 0 and one line that
says why; a grader fault says so and exits 1, so Gradescope flags the run.
"""
import zipfile
from pathlib import Path

from .course import ROOT, BadInput, check_assignment
from .grade import grade_notebook
from .hidden_inputs import SECRET_FILE, course_secret
from .pins import BUILD_TOOLS, pinned, runtime_requirements
from .report import write_json

TEMPLATES = Path(__file__).with_name("templates")
COURSE_FILES = ("autograder", "course_utils", "datasets", "nbgrader_config.py", "pyproject.toml")
LOCK_HEADER = ("# What grading needs (pyproject.toml's dependencies and the build tools of the editable\n"
               "# install) and everything they require, at the course's requirements.lock versions.\n")


def runtime_lock(root=ROOT):
    """The archive's requirements.lock: the grader's runtime, pinned (no cluster, no dev tools)."""
    return LOCK_HEADER + pinned([*runtime_requirements(root), *BUILD_TOOLS], root)


def build_archive(out, assignment, root=ROOT):
    """Write the Gradescope autograder zip for ``assignment`` to ``out``; return the member names."""
    check_assignment(assignment, root)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    members = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, template in (("setup.sh", "gradescope_setup.sh"), ("run_autograder", "gradescope_run_autograder")):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16  # executable, as Gradescope requires
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (TEMPLATES / template).read_text().replace("@ASSIGNMENT@", assignment))
            members.append(name)
        paths = [root / name for name in COURSE_FILES] + [root / "source" / assignment]
        for path in paths:
            for file in sorted([path] if path.is_file() else path.rglob("*")):
                if file.is_file() and "__pycache__" not in file.parts and not file.name.endswith(".pyc"):
                    archive.write(file, file.relative_to(root).as_posix())
                    members.append(file.relative_to(root).as_posix())
        archive.writestr("requirements.lock", runtime_lock(root))
        archive.writestr(SECRET_FILE, course_secret(root) + "\n")
        members += ["requirements.lock", SECRET_FILE]
    return members


def find_submission(submission_dir, assignment):
    """The submitted notebook: ``<assignment>.ipynb`` anywhere in the upload, else the only notebook."""
    notebooks = sorted(p for p in Path(submission_dir).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    named = [p for p in notebooks if p.name == f"{assignment}.ipynb"]
    if named:
        return named[0]
    if len(notebooks) == 1:
        return notebooks[0]
    if not notebooks:
        raise BadInput(f"no notebook was submitted: upload {assignment}.ipynb")
    raise BadInput(f"{len(notebooks)} notebooks were submitted and none is named {assignment}.ipynb: "
                   f"upload {assignment}.ipynb alone")


def refusal(message):
    """The results.json of a submission that could not be graded."""
    return {"score": 0.0, "output": f"Your submission could not be graded: {message}", "tests": [],
            "extra_data": {"refused": message}}


def run(root, assignment):
    """Grade ``root``/submission for Gradescope; write ``root``/results/results.json. Returns the exit code."""
    root = Path(root)
    results = root / "results" / "results.json"
    try:
        grade_notebook(find_submission(root / "submission", assignment), assignment, results)
        return 0
    except BadInput as error:
        write_json(refusal(str(error)), results)
        return 0
    except Exception as error:  # noqa: BLE001 - the learner must still get a results.json
        write_json({"score": 0.0, "tests": [], "output": "The autograder failed on this submission; this is not "
                    "your fault. Your instructor can see the error and will regrade it.",
                    "extra_data": {"grader_fault": f"{type(error).__name__}: {error}"}}, results)
        return 1
