"""Hand feedback back through an LMS: one zip per learner of their feedback pages.

nbgrader's release_feedback hands pages back through its exchange (a JupyterHub). A class on an
LMS gets, from ``feedback_zips``, ``feedback-zips/<assignment>/<student>.zip`` in the course
directory, holding ``<assignment>/<notebook>.html`` from ``feedback/<student>/<assignment>/``, to
attach to that learner's submission. A zip is rewritten only when one of its pages was, and the
zip of a learner who no longer has a page is removed.
"""
import io
import time
import zipfile
from pathlib import Path

from .course_directory import write_if_changed


def feedback_zips(out, assignment):
    """Write the zips of ``assignment`` in the course directory ``out``; return their paths, sorted."""
    out = Path(out)
    folder = out / "feedback-zips" / assignment
    written = []
    for student_dir in sorted(p for p in (out / "feedback").glob(f"*/{assignment}") if p.is_dir()):
        pages = sorted(student_dir.glob("*.html"))
        if not pages:
            continue
        data = io.BytesIO()
        with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
            for page in pages:  # each entry dated by its page, so unchanged pages give the same bytes
                info = zipfile.ZipInfo(f"{assignment}/{page.name}", time.gmtime(page.stat().st_mtime)[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, page.read_bytes())
        path = folder / f"{student_dir.parent.name}.zip"
        write_if_changed(path, data.getvalue())
        written.append(path)
    for stale in set(folder.glob("*.zip")) - set(written) if folder.is_dir() else ():
        stale.unlink()
    return written
