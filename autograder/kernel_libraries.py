"""Which installed libraries a graded kernel may import.

The sandbox shows only part of the virtual environment's site-packages: the distributions that
run the kernel and the runner (ipykernel, nbclient, ...), those that ``course_utils`` imports,
and those that the assignment's own source notebook imports, each with everything it requires.
Every other distribution is absent from the kernel's file system: scipy and scikit-learn for
every assignment, TensorFlow and Keras for the numpy assignments. No import, alias, private path
or string built at run time can reach what is not there, and nothing the kernel does can bring
it back.
"""
import ast
import functools
import importlib.metadata
import sys
import sysconfig
from pathlib import Path

import nbformat
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .course import ROOT

RUNNER = ("ipykernel", "nbclient", "nbformat", "jupyter_client")  # what runs the notebook in the sandbox
COURSE_PACKAGES = {"course_utils", "autograder"}   # the course's own code: bound from the course itself


def site_packages():
    """The virtual environment's site-packages directory."""
    return Path(sysconfig.get_paths()["purelib"]).resolve()


def imported_modules(sources):
    """The top-level module names that Python sources import."""
    names = set()
    for source in sources:
        try:
            tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def course_imports(assignment=None, root=ROOT):
    """What course_utils and the assignment's source notebook import (top-level module names)."""
    sources = [path.read_text() for path in sorted((root / "course_utils").glob("*.py"))]
    notebook = root / "source" / str(assignment) / f"{assignment}.ipynb"
    if assignment and notebook.exists():
        sources += [cell.source for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"]
    return imported_modules(sources) - set(sys.stdlib_module_names) - COURSE_PACKAGES


@functools.lru_cache(maxsize=None)
def _installed():
    return {canonicalize_name(d.metadata["Name"]): d for d in importlib.metadata.distributions()}


@functools.lru_cache(maxsize=None)
def _providers():
    return importlib.metadata.packages_distributions()


def required_distributions(roots):
    """The installed distributions that ``roots`` name (requirement strings: "nbgrader",
    "h5py<3.15", "dask[distributed]") and, recursively, everything they require, with the extras
    each requirement asks for, as this interpreter's markers decide; {canonical name: Distribution}.
    A requirement that is not installed is left out."""
    installed = _installed()
    wanted, seen, todo = {}, set(), [Requirement(root) for root in roots]
    while todo:
        requirement = todo.pop()
        name, extras = canonicalize_name(requirement.name), frozenset(requirement.extras)
        if (name, extras) in seen or name not in installed:
            continue
        seen.add((name, extras))
        wanted[name] = installed[name]
        for text in installed[name].requires or []:
            needed = Requirement(text)
            if needed.marker is None or any(needed.marker.evaluate({"extra": extra}) for extra in {"", *extras}):
                todo.append(needed)
    return wanted


@functools.lru_cache(maxsize=None)
def visible_entries(assignment=None, root=ROOT):
    """The names of the site-packages entries (packages, modules, .dist-info folders) a kernel
    grading ``assignment`` may see (with no assignment: what course_utils needs), sorted."""
    providers = _providers()
    modules = course_imports(assignment, root)
    roots = list(RUNNER) + [dist for module in modules for dist in providers.get(module, [])]
    site = site_packages()
    entries = set()
    for dist in required_distributions(roots).values():
        for file in dist.files or []:
            parts = Path(file).parts
            if parts and parts[0] not in ("..", "__pycache__"):
                entries.add(parts[0])
    return tuple(sorted(entry for entry in entries if (site / entry).exists()))


@functools.lru_cache(maxsize=None)
def importable_modules(assignment=None, root=ROOT):
    """The top-level modules a kernel grading ``assignment`` can import: the standard library,
    course_utils, and the packages and modules among its visible entries."""
    entries = {entry.split(".")[0] for entry in visible_entries(assignment, root)
               if not entry.endswith((".dist-info", ".libs", ".pth"))}
    return frozenset(entries | set(sys.stdlib_module_names) | {"course_utils"})
