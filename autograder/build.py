"""Build: regenerate release/ and the course gradebook from source/ with nbgrader."""
import fcntl

import nbformat

from .course import ROOT, available_assignments, course_config, gradebook_path, nbgrader_api, nbgrader_failure


class BuildError(Exception):
    """nbgrader could not generate an assignment."""


def build(root=ROOT):
    """Run nbgrader's generate_assignment for every assignment; return the release notebook paths.

    Running it twice changes nothing on disk: nbgrader's output is normalised by ``_normalise``.
    """
    api = nbgrader_api(root, course_config(root))
    released = []
    for name in available_assignments(root):
        result = api.generate_assignment(name, force=True)
        if not result["success"]:
            raise BuildError(f"nbgrader could not generate {name}: {nbgrader_failure(result)}")
        path = root / "release" / name / f"{name}.ipynb"
        _normalise(path)
        released.append(path)
    return released


def _normalise(path):
    """Rewrite a notebook in nbformat's canonical form, so that rebuilding gives identical bytes."""
    nb = nbformat.read(path, as_version=4)
    nbformat.write(nb, path)


def is_stale(root=ROOT):
    """True when the gradebook is missing or older than a source notebook."""
    db = gradebook_path(root)
    if not db.exists():
        return True
    return any(p.stat().st_mtime > db.stat().st_mtime for p in (root / "source").glob("*/*.ipynb"))



def ensure_built(root=ROOT):
    """Build when the gradebook is stale, holding a lock so that concurrent processes (parallel
    test workers, say) build once and never read a gradebook half written."""
    with open(root / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_stale(root):
            build(root)
