"""Pinned requirement sets cut from requirements.lock: some distributions and everything they
require, each at the version the lock pins.

Two sets are cut: the learner's (``bundle.py``'s requirements.txt: Jupyter, nbgrader and the
libraries the notebooks import) and the grader's runtime (``gradescope.py``'s archive lock: the
project's dependencies in pyproject.toml, without its ``cluster`` and ``dev`` extras). Which
distribution requires which is read from the installed distributions' metadata
(``kernel_libraries.required_distributions``, the closure the sandbox uses too); the versions
come from the lock, which installed them.
"""
import re
import tomllib

from packaging.utils import canonicalize_name

from .course import ROOT
from .kernel_libraries import required_distributions

# The editable install of the course (pip's --no-build-isolation) builds with these.
BUILD_TOOLS = ("setuptools", "wheel")


def lock_pins(root=ROOT):
    """{canonical name: "Name==version" as requirements.lock spells it}."""
    lines = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (root / "requirements.lock").read_text(), re.M)
    return {canonicalize_name(name): f"{name}=={version}" for name, version in lines}


def runtime_requirements(root=ROOT):
    """What grading needs: the ``[project] dependencies`` of the course's pyproject.toml."""
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]


def pinned(roots, root=ROOT):
    """requirements.txt lines, "Name==version\\n" sorted by name, for ``roots`` (requirement
    strings) and everything they require, at the lock's versions. Raises LookupError naming a
    required distribution that the lock does not pin."""
    pins = lock_pins(root)
    names = sorted(required_distributions(roots))
    missing = [name for name in names if name not in pins]
    if missing:
        raise LookupError(f"requirements.lock pins none of {', '.join(missing)}, which "
                          f"{', '.join(roots)} require: run `make lock`")
    return "".join(f"{pins[name]}\n" for name in sorted(names, key=lambda name: pins[name].lower()))
