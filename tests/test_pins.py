"""The pinned sets cut from requirements.lock (issue 13): the learner bundle's requirements.txt and
the Gradescope archive's lock pin every package their roots need, at the lock's versions, and
nothing of the grader's cluster or development stack."""
import importlib.metadata
import re
import zipfile

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograder.bundle import LEARNER_PACKAGES, bundle
from autograder.course import ROOT
from autograder.gradescope import build_archive

LOCK = {canonicalize_name(name): version
        for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (ROOT / "requirements.lock").read_text(), re.M)}
NEVER = {"pytest", "pytest-xdist", "playwright", "dask", "distributed", "psycopg2-binary", "scikit-learn", "scipy"}


def pins(lines):
    """{canonical name: version} of the "name==version" lines."""
    return {canonicalize_name(name): version for name, version in (line.split("==") for line in lines)}


def unpinned_requirements(pinned):
    """(package, requirement) for each requirement of a pinned package that holds here (its
    marker, with the extras that pinned packages ask of it) and names a locked package left unpinned."""
    asked, missing, changed = {name: set() for name in pinned}, set(), True
    while changed:
        changed = False
        for name in pinned:
            for text in importlib.metadata.distribution(name).requires or []:
                requirement, needed = Requirement(text), canonicalize_name(Requirement(text).name)
                if requirement.marker and not any(requirement.marker.evaluate({"extra": extra})
                                                  for extra in {"", *asked[name]}):
                    continue
                if needed in pinned and not requirement.extras <= asked[needed]:
                    asked[needed] |= requirement.extras
                    changed = True
                elif needed in LOCK and needed not in pinned:
                    missing.add((name, text))
    return sorted(missing)


def test_the_learner_bundle_pins_everything_its_packages_need_at_the_locks_versions(tmp_path):
    bundle(tmp_path / "bundle")
    lines = [line for line in (tmp_path / "bundle" / "requirements.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines[-1] == "-e ."  # `pip install -r requirements.txt` installs course_utils too
    pinned = pins(lines[:-1])
    assert {canonicalize_name(name) for name in LEARNER_PACKAGES} <= set(pinned)
    assert pinned["ml-dtypes"] == LOCK["ml-dtypes"] == "0.6.0"  # the bfloat16 exercise's library
    assert {name: version for name, version in pinned.items() if LOCK.get(name) != version} == {}
    assert not unpinned_requirements(pinned)
    assert not NEVER & set(pinned)


def test_the_gradescope_archive_installs_the_graders_runtime_only(tmp_path):
    build_archive(tmp_path / "a.zip", "softmax")
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        text = archive.read("requirements.lock").decode()
    pinned = pins(line for line in text.splitlines() if line and not line.startswith("#"))
    assert {"nbgrader", "nbclient", "nbformat", "ipykernel", "numpy", "tensorflow-cpu", "ml-dtypes", "h5py",
            "matplotlib", "setuptools", "wheel"} <= set(pinned)
    assert {name: version for name, version in pinned.items() if LOCK.get(name) != version} == {}
    assert not unpinned_requirements(pinned)
    assert not NEVER & set(pinned)
