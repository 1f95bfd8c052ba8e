"""Bundle: gather exactly what a learner receives, and nothing of the grader.

    OUT/README.md, requirements.txt, pyproject.toml   how to install and start: requirements.txt
                                                       pins every package the notebooks need at
                                                       the grader's versions, then installs
                                                       course_utils from OUT
    OUT/course_utils/                                  the helper package
    OUT/datasets/                                      digits.h5 and its SHA256SUMS
    OUT/<assignment>/<assignment>.ipynb                the release notebooks
"""
import shutil

from .course import ROOT, available_assignments
from .pins import pinned

# What a learner runs: Jupyter with nbgrader's Validate button, and the notebooks' libraries.
LEARNER_PACKAGES = ("jupyter", "jupyterlab", "notebook", "nbgrader", "numpy", "matplotlib", "h5py", "tensorflow-cpu")

README = """# Deep learning, week 3: your notebooks

1. In this folder, install the grader's exact versions of every package and the course's helpers
   (`course_utils`), with Python 3.11:

       python3.11 -m venv .venv && .venv/bin/pip install -r requirements.txt

2. Start Jupyter and open an assignment: `.venv/bin/jupyter lab`

Write your code where a function says `# YOUR CODE HERE`, and run the check cell after it.
"""

PYPROJECT = """[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "course-utils"
version = "0.1.0"
requires-python = ">=3.11"

[tool.setuptools]
packages = ["course_utils"]
"""


def learner_requirements(root=ROOT):
    """requirements.txt: LEARNER_PACKAGES and everything they require at requirements.lock's
    versions (``pins.pinned``), then ``-e .``, the course_utils of the bundle itself."""
    return ("# The grader's versions of everything the notebooks need, then course_utils from this folder.\n"
            "# In this folder: python3.11 -m venv .venv && .venv/bin/pip install -r requirements.txt\n"
            + pinned(LEARNER_PACKAGES, root) + "-e .\n")


def bundle(out_dir, root=ROOT):
    """Write the learner bundle into ``out_dir`` (which must not exist yet); return its files."""
    if out_dir.exists():
        raise FileExistsError(f"{out_dir} already exists; choose a new directory")
    out_dir.mkdir(parents=True)
    (out_dir / "README.md").write_text(README)
    (out_dir / "requirements.txt").write_text(learner_requirements(root))
    (out_dir / "pyproject.toml").write_text(PYPROJECT)
    shutil.copytree(root / "course_utils", out_dir / "course_utils", ignore=shutil.ignore_patterns("__pycache__"))
    (out_dir / "datasets").mkdir()
    for name in ("digits.h5", "SHA256SUMS"):
        shutil.copy(root / "datasets" / name, out_dir / "datasets" / name)
    for assignment in available_assignments(root):
        (out_dir / assignment).mkdir()
        shutil.copy(root / "release" / assignment / f"{assignment}.ipynb", out_dir / assignment)
    return sorted(p for p in out_dir.rglob("*") if p.is_file())
