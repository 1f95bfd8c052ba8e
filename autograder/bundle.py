"""Bundle: gather exactly what a learner receives, and nothing of the grader.

    OUT/README.md, requirements.txt, pyproject.toml   how to install and start
    OUT/course_utils/                                  the helper package
    OUT/datasets/                                      digits.h5 and its SHA256SUMS
    OUT/<assignment>/<assignment>.ipynb                the release notebooks
"""
import re
import shutil

from .course import ROOT, available_assignments

LEARNER_PACKAGES = ("jupyter", "jupyterlab", "notebook", "nbgrader", "numpy", "matplotlib", "h5py", "tensorflow-cpu")

README = """# Deep learning, week 3: your notebooks

1. Install the pinned packages and the course's helpers (Python 3.11):

       python -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/pip install -e .

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
    """Pinned versions of the packages a learner needs, taken from requirements.lock."""
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (root / "requirements.lock").read_text(), re.M))
    pins = {name.lower().replace("_", "-"): version for name, version in pins.items()}
    return "".join(f"{name}=={pins[name]}\n" for name in LEARNER_PACKAGES if name in pins)


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
