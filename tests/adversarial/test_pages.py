"""Attacks on the pages made from a submission: the feedback page, formgrader's and the class report.

* Script: HTML in outputs, markdown cells and the written answer (hostile_html.py) must be shown
  inert in the graded notebook formgrader opens and in the feedback page, legitimate formatting
  kept, with one line where something was left out.
* Stall: one line of output, ``'\\x1b[' + ';' * 1_000_000 + 'm'``, made nbconvert's ANSI conversion
  take 41 s; output is bounded in characters and such sequences made plain text before any
  conversion, and the feedback step runs under a time limit, after which a reduced page is written.
* Fault: text that made nbgrader's feedback step raise (a missing or empty attachment, malformed
  output metadata, a widget without its model, lone surrogates) must be graded, with its page, and
  one line saying what was left out.
"""
import json
import re
import time
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell
from traitlets.config.loader import PyFileConfigLoader

import hostile_html
from autograder import feedback
from autograder.batch import grade_batch
from autograder.class_report import render
from autograder.course_directory import write_course_directory
from autograder.examples import source_notebook
from autograder.grade import grade_notebook, grade_submission
from autograder.inert import render_markdown
from autograder.jupyter import prepare_formgrader
from nbconvert.exporters import HTMLExporter
from nbgrader.server_extensions.formgrader import handlers
from traitlets.config import Config

ESCAPE = "\x1b["


def graded_page(nb, assignment, **limits):
    """(results, graded notebook, feedback page) of ``nb`` graded with a feedback page."""
    started = time.monotonic()
    graded = grade_submission(nb, assignment, limits=limits or None)
    print(f"graded with its feedback page in {time.monotonic() - started:.1f} s")
    assert not graded.feedback_failure
    return graded.results, nbformat.reads(graded.autograded, as_version=4), graded.feedback


def full_marks(results):
    return results["score"] == results["extra_data"]["max_score"]


@pytest.fixture(scope="module")
def hostile(built):
    return graded_page(hostile_html.hostile_submission(), hostile_html.ASSIGNMENT)


def test_the_graded_notebook_formgrader_opens_holds_no_live_html(hostile):
    results, nb, _ = hostile
    assert full_marks(results)
    kinds = {kind for cell in nb.cells for output in cell.get("outputs", []) for kind in output.get("data", {})}
    assert kinds <= {"text/plain", "text/html", "image/png"}, kinds  # no JavaScript, markdown with scripts
    for cell in nb.cells:
        texts = [cell.source] if cell.cell_type == "markdown" else [
            o.data["text/html"] for o in cell.get("outputs", []) if "text/html" in o.get("data", {})]
        for text in texts:
            html = render_markdown(text) if cell.cell_type == "markdown" else text
            assert not hostile_html.live_payloads(html), (cell.source[:80], hostile_html.live_payloads(html))


def test_the_feedback_page_shows_the_payloads_as_text_and_keeps_legitimate_formatting(hostile):
    _, _, page = hostile
    assert not hostile_html.live_payloads(page)
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find(lambda tag: tag.name == "h2" and "Legit heading" in tag.get_text()), "markdown is rendered"
    assert soup.find("th", string="learning rate"), "a legitimate HTML table output is kept"
    text = soup.get_text()
    assert "click me PWNED" in text, "what the learner wrote is shown, as text"
    assert text.count("The grader's pages show this cell as text: it holds HTML other than formatting") == 2
    assert ("The grader's pages show this cell's output without what could run in a browser: the parts of its "
            "HTML other than formatting, an output of type application/javascript") in text


def formgrader_page(nb, config):
    """The page formgrader's exporter makes of ``nb`` with ``config`` (its template and resources)."""
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {"assignment_id": "softmax", "notebook_id": "softmax", "submission_id": "1", "index": 0, "total": 1,
                 "base_url": "", "student": "ada", "last_name": "", "first_name": "", "notebook_path": ""}
    return HTMLExporter(config=config).from_notebook_node(nb, resources=resources)[0]


def test_formgrader_renders_a_raw_graded_notebook_inert(hostile, tmp_path):
    """The render-time half: formgrader's exporter, configured by the course directory's
    nbgrader_config.py that grade-batch writes (what reaches it, whatever the server's flags), on
    a graded notebook a grader without the course's chain would leave."""
    _, nb, _ = hostile
    raw = hostile_html.with_raw_outputs(nb)
    assert hostile_html.live_payloads(formgrader_page(raw, Config()))
    write_course_directory(tmp_path, [])
    config = PyFileConfigLoader("nbgrader_config.py", path=str(prepare_formgrader(tmp_path))).load_config()
    page = formgrader_page(raw, config)
    assert not hostile_html.live_payloads(page)
    assert BeautifulSoup(page, "html.parser").find("th", string="learning rate")


def test_a_hostile_escape_sequence_is_cut_and_made_plain_text_before_any_conversion(built):
    nb = source_notebook("hyperparameter_search")
    nb.cells.insert(3, new_code_cell("print('\\x1b[' + ';' * 1_000_000 + 'm')"))
    nb.cells.insert(4, new_code_cell("print('\\x1b[31mred\\x1b[0m ' * 50_000)"))
    results, graded, page = graded_page(nb, "hyperparameter_search")
    assert full_marks(results)
    hostile_text, colours = (cell.outputs for cell in graded.cells[3:5])
    for outputs in (hostile_text, colours):
        text = "".join(o.get("text", "") for o in outputs)
        assert len(text) < 100_000 + 200
        assert re.search(r"… [\d,]+ characters cut: the grader keeps at most 100,000 characters", text)
        assert not re.search(r"\x1b(?!\[[0-9;]{0,32}[@-~])", text), "only short colour codes are kept"
    assert ESCAPE + ";" not in "".join(o.text for o in hostile_text), "the long sequence is plain text"
    assert "\x1b[31m" in colours[0].text, "colours are kept"
    assert "characters cut" in page


class StallingNbgrader:
    """nbgrader, but a full page either never finishes ("hangs") or cannot be rendered ("fails"),
    as a page of some text nbconvert chokes on would; reduced pages (made in a scratch folder
    named "feedback-…") are nbgrader's own."""
    real = staticmethod(feedback.nbgrader_api)

    def __init__(self, how):
        self.how = how

    def __call__(self, root, config):
        self.api, self.full = self.real(root, config), not Path(root).name.startswith("feedback-")
        return self

    def generate_feedback(self, assignment, student):
        if self.full and self.how == "hangs":
            time.sleep(3600)
        if self.full:
            return {"success": False, "log": "ValueError: a page nbgrader cannot render"}
        return self.api.generate_feedback(assignment, student)


def test_a_page_that_takes_too_long_is_written_again_without_outputs_and_says_so(built, monkeypatch):
    monkeypatch.setattr(feedback, "nbgrader_api", StallingNbgrader("hangs"))
    nb = source_notebook("hyperparameter_search")
    nb.cells.insert(3, new_code_cell("print('my', 'output')\n" + "x = 1\n" * 1000))
    results, _, page = graded_page(nb, "hyperparameter_search", feedback_timeout=10)
    assert full_marks(results)
    text = BeautifulSoup(page, "html.parser").get_text()
    assert ("Part of this page is left out. The full page could not be made: making it took longer than the 10 s "
            "limit for a feedback page.") in text
    assert "my output" not in text, "the outputs are left out"
    assert "test_grid_search: passed" in text, "the grader's verdicts are on the page"
    assert re.search(r"# … [\d,]+ characters cut", text), "long cells are cut"


def test_a_page_nbgrader_cannot_render_is_written_again_and_says_why(built, tmp_path, monkeypatch):
    monkeypatch.setattr(feedback, "nbgrader_api", StallingNbgrader("fails"))
    out = tmp_path / "grading"
    (tmp_path / "submitted" / "ada" / "softmax").mkdir(parents=True)
    nbformat.write(source_notebook("softmax"), tmp_path / "submitted" / "ada" / "softmax" / "softmax.ipynb")
    rows = grade_batch(tmp_path / "submitted", out, assignments=["softmax"], jobs=1)
    assert [r.status for r in rows] == ["graded"]
    page = (out / "feedback" / "ada" / "softmax" / "softmax.html").read_text()
    assert ("The full page could not be made: nbgrader could not render it (ValueError: a page nbgrader cannot "
            "render)") in BeautifulSoup(page, "html.parser").get_text()


ATTACHED = "A figure of my results: ![my plot](attachment:plot.png)"
RAW = "from IPython.display import display\ndisplay({data}, raw=True{extra})"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
FAULTS = {
    "a missing attachment": (new_markdown_cell(ATTACHED),
                             "nbconvert cannot render it as markdown (InvalidNotebook: missing attachment: plot.png)"),
    "an empty attachment": (new_markdown_cell(ATTACHED, attachments={"plot.png": {}}),
                            "nbconvert cannot render it as markdown (RuntimeError: generator raised StopIteration)"),
    "an attachment in a markdown output": (
        new_code_cell(RAW.format(data={"text/markdown": ATTACHED, "text/plain": "md"}, extra="")),
        "an output of type text/markdown"),
    "a widget without its model": (
        new_code_cell(RAW.format(data={"application/vnd.jupyter.widget-view+json": "x", "text/plain": "w"}, extra="")),
        "an output of type application/vnd.jupyter.widget-view+json"),
    "malformed image metadata": (
        new_code_cell(RAW.format(data={"image/png": PNG, "text/plain": "png"}, extra=", metadata={'image/png': 'x'}")),
        None),
}


@pytest.mark.parametrize("text", FAULTS, ids=str)
def test_text_that_made_the_feedback_step_fault_is_graded_and_the_page_says_what_was_left_out(built, tmp_path, text):
    cell, note = FAULTS[text]
    nb = source_notebook("hyperparameter_search")
    nb.cells.insert(3, cell)
    nbformat.write(nb, tmp_path / "submission.ipynb")
    results = grade_notebook(tmp_path / "submission.ipynb", "hyperparameter_search", tmp_path / "results.json",
                             tmp_path / "feedback.html")
    assert full_marks(results) and json.loads((tmp_path / "results.json").read_text()) == results
    page = (tmp_path / "feedback.html").read_text()
    assert "Part of this page is left out" not in page
    if note:
        assert BeautifulSoup(page, "html.parser").get_text().count(note) == 1, note
    else:
        assert 'src="data:image/png;base64,' + PNG in page


def test_lone_surrogates_are_graded_with_one_line_saying_so(built, tmp_path):
    nb = source_notebook("hyperparameter_search")
    nb.cells.insert(3, new_markdown_cell("My notes: SURROGATE"))
    (tmp_path / "submission.ipynb").write_text(nbformat.writes(nb).replace("SURROGATE", "\\ud800"))
    results = grade_notebook(tmp_path / "submission.ipynb", "hyperparameter_search", tmp_path / "results.json",
                             tmp_path / "feedback.html")
    assert full_marks(results)
    assert "1 character(s) of your notebook are not valid Unicode (lone surrogates)" in results["output"]
    assert "My notes: \N{REPLACEMENT CHARACTER}" in (tmp_path / "feedback.html").read_text()


def test_the_class_report_shows_learner_text_as_text():
    message = "expected 1.0, found " + hostile_html.all_html()
    tests = [{"name": "test_softmax", "status": "failed", "output": message, "score": 0, "max_score": 2}]
    page = render([("ada", "softmax", {"score": 0, "tests": tests, "extra_data": {"max_score": 2}}, 1.0)])
    assert not hostile_html.live_payloads(page)
    assert "click me PWNED" in BeautifulSoup(page, "html.parser").get_text()
