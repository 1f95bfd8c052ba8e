"""Demo: build release/ if it is stale, grade the bundled example submissions, print a score table.

For each assignment it grades the solution (the source notebook), the untouched release stub,
and a few typical mistakes from tests/mistakes, writing results.json and feedback.html for each
under ``demo-output/<assignment>/<submission>/``.
"""
import nbformat

from .build import ensure_built
from .course import ROOT, available_assignments
from .examples import catalog, source_notebook, with_replacements
from .grade import grade_notebook
from .sandbox import check_sandbox
from .table import format_table, shorten

MISTAKES_PER_ASSIGNMENT = 3


def example_submissions(assignment, root=ROOT):
    """[(name, notebook)] for the demo: solution, release stub, and a few mistakes."""
    examples = [("solution", source_notebook(assignment, root)),
                ("release-stub", nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", as_version=4))]
    source = source_notebook(assignment, root)
    mistakes = catalog("mistakes", assignment, root)
    step = max(1, len(mistakes) // MISTAKES_PER_ASSIGNMENT)
    for mistake in mistakes[::step][:MISTAKES_PER_ASSIGNMENT]:
        examples.append((f"mistake:{mistake.name}", with_replacements(source, [mistake])))
    return examples


def demo(out_dir, root=ROOT):
    """Grade the examples into ``out_dir`` (building first if source/ changed); return the table text.
    Raises SandboxUnavailable, before grading anything, when the sandbox cannot start here."""
    check_sandbox()
    ensure_built(root)
    rows = []
    for assignment in available_assignments(root):
        for name, nb in example_submissions(assignment, root):
            folder = out_dir / assignment / name.replace(":", "-")
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / "submission.ipynb")
            result = grade_notebook(folder / "submission.ipynb", assignment,
                                    folder / "results.json", folder / "feedback.html")
            failed = [t for t in result["tests"] if t["status"] == "failed"]
            first = f"{failed[0]['name']}: {failed[0]['output']}" if failed else ""
            rows.append([assignment, name, f"{result['score']:g}/{result['extra_data']['max_score']:g}",
                         f"{len(failed)}", f"{result['execution_time']:.1f}s", shorten(first, 90)])
    return format_table(["assignment", "submission", "score", "failed", "time", "first failure"], rows)
