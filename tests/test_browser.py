"""The learner's and the instructor's pages, used as a person would: in a real browser.

Playwright drives Debian's chromium (``make test-tools`` installs it; Playwright's own browser
download does not work offline). Screenshots go to test-artifacts/screenshots/.
"""
import csv
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from autograder.batch import grade_batch
from autograder.course import ROOT, available_assignments
from autograder.examples import source_notebook
from autograder.jupyter import HOST, jupyter_command, prepare_formgrader, prepare_lab, server_environment

pytestmark = pytest.mark.xdist_group("browser")  # one worker runs them all, one server at a time

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
TOKEN = "course-browser-test"
RUN_ALL_SECONDS = 240


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test-tools` (the Makefile installs Debian's chromium)")
    from playwright.sync_api import sync_playwright
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """A Jupyter server on a free loopback port, started the way `make lab`/`make formgrader` do."""

    def __init__(self, root, default_url, learner):
        self.root, self.port = Path(root), free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log = open(self.root.parent / f"jupyter-{self.port}.log", "w")
        self.process = subprocess.Popen(jupyter_command(self.root, self.port, TOKEN, default_url), cwd=self.root,
                                        env=server_environment(self.root.parent / "jupyter-config", learner),
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/api/status?token={TOKEN}", timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"Jupyter did not start; see {self.log.name}")

    def page(self, browser, path):
        """A logged-in page at ``path`` (the token goes through the login form, as a person types it)."""
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{self.base}/login?next={urllib.request.quote(path)}")
        page.fill("input[type=password]", TOKEN)
        page.click("button[type=submit]")
        return page

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a learner workspace (the bundle), with each solved notebook beside its stub."""
    workspace = prepare_lab(tmp_path_factory.mktemp("learner") / "lab")
    for assignment in available_assignments():
        nbformat.write(source_notebook(assignment), workspace / assignment / f"{assignment}_solved.ipynb")
    server = Server(workspace, "/lab", learner=True)
    yield server
    server.stop()


def open_notebook(server, browser, path):
    page = server.page(browser, f"/lab/tree/{path}?reset")  # a fresh layout: this notebook alone
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60000)
    return page


def run_all_and_save(page, server, path):
    """Run every cell as a person would: Run All Cells, and after a cell that raises (JupyterLab
    stops there), Run Selected Cell and All Below from the next one. Save; return the notebook."""
    not_run = page.locator(".jp-CodeCell .jp-InputPrompt:text-is('[ ]:')")
    deadline = time.monotonic() + RUN_ALL_SECONDS
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    while time.monotonic() < deadline:
        page.wait_for_timeout(700)
        if page.locator(".jp-InputPrompt:has-text('[*]')").count():
            continue
        if not not_run.count():
            break
        not_run.first.click()
        page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        page.click(".lm-Menu-itemLabel:text-is('Run Selected Cell and All Below')")
    else:
        pytest.fail(f"{path}: running every cell did not finish within {RUN_ALL_SECONDS} s")
    page.keyboard.press("Control+s")
    page.wait_for_timeout(1500)
    return nbformat.read(server.root / path, as_version=4)


def outputs_of(cell):
    return "".join(o.get("text", "") + o.get("evalue", "") + "".join(o.get("traceback", []))
                   for o in cell.get("outputs", []))


def graded(nb, kind):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get(kind) and c.cell_type == "code"]


def expect_rendered(page, name):
    """Markdown rendered with its math (MathJax) and at least one plot, shown as a person sees it."""
    page.keyboard.press("Control+Home")
    assert page.locator(".jp-MarkdownOutput h1").count() >= 1, f"{name}: no rendered title"
    assert page.locator(".jp-MarkdownOutput mjx-container").count() >= 3, f"{name}: math was not typeset"
    images = page.locator(".jp-OutputArea-output img")
    assert images.count() >= 1, f"{name}: no plot was drawn"
    page.screenshot(path=str(SCREENSHOTS / f"{name}-top.png"))
    scroll_to(page, images.first)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-plot.png"))


def scroll_to(page, locator):
    """Bring an element to the middle of the view (JupyterLab renders far cells lazily)."""
    locator.evaluate("element => element.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(800)


@pytest.mark.parametrize("assignment", available_assignments())
def test_a_learner_runs_the_release_notebook_and_sees_what_to_implement(lab, browser, assignment):
    path = f"{assignment}/{assignment}.ipynb"
    page = open_notebook(lab, browser, path)
    nb = run_all_and_save(page, lab, path)
    for cell in graded(nb, "grade"):  # each test cell calls a stub, which says what to do
        assert "Not implemented yet: replace this line with your code." in outputs_of(cell), cell.source[:80]
    expect_rendered(page, f"release-{assignment}")
    scroll_to(page, page.locator(".jp-OutputArea-output:has-text('NotImplementedError')").first)
    page.screenshot(path=str(SCREENSHOTS / f"release-{assignment}-not-implemented.png"))
    page.close()


@pytest.mark.parametrize("assignment", available_assignments())
def test_a_solved_notebook_passes_every_public_check_without_errors(lab, browser, assignment):
    path = f"{assignment}/{assignment}_solved.ipynb"
    page = open_notebook(lab, browser, path)
    nb = run_all_and_save(page, lab, path)
    errors = [(c.source[:60], outputs_of(c)[-300:]) for c in nb.cells if c.cell_type == "code"
              and any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert not errors
    for cell in graded(nb, "grade"):
        assert "\N{HEAVY CHECK MARK}" in outputs_of(cell) and "visible checks passed" in outputs_of(cell), cell.source[:80]
    expect_rendered(page, f"solved-{assignment}")
    page.close()


def validate(page, name):
    """Click the notebook's Validate button; return the dialog's text."""
    page.click(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar :text-is('Validate')")
    dialog = page.wait_for_selector(".jp-Dialog-content", timeout=RUN_ALL_SECONDS * 1000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / f"validate-{name}.png"))
    text = dialog.inner_text()
    page.click(".jp-Dialog-button.jp-mod-accept")
    return text


def test_the_validate_button_fails_the_stub_and_passes_the_solution(lab, browser):
    page = open_notebook(lab, browser, "softmax/softmax.ipynb")
    stub = validate(page, "softmax-stub")
    assert "failed" in stub.lower() and "NotImplementedError" in stub
    page.close()
    page = open_notebook(lab, browser, "softmax/softmax_solved.ipynb")
    solved = validate(page, "softmax-solved")
    assert "Success! Your notebook passes all the tests." in solved
    page.close()


def test_an_instructor_grades_the_written_proof_in_formgrader_and_export_has_it(browser, tmp_path):
    submitted = tmp_path / "submitted"
    path = submitted / "ada" / "softmax" / "softmax.ipynb"
    path.parent.mkdir(parents=True)
    nb = source_notebook("softmax")
    proof = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax_derivative_proof"][0]
    proof.source = (r"By the quotient rule, $\frac{\partial a_i}{\partial z_j} = a_i(\delta_{ij} - a_j)$. "
                    r"With $\frac{\partial L}{\partial a_i} = -\frac{y_i}{a_i}$, the chain rule gives "
                    r"$\frac{\partial L}{\partial z_j} = -y_j + a_j \sum_i y_i = a_j - y_j$.")
    nbformat.write(nb, path)
    out = tmp_path / "grading"
    grade_batch(submitted, out, assignments=["softmax"], jobs=1)
    server = Server(prepare_formgrader(out), "/formgrader", learner=False)
    try:
        page = server.page(browser, "/formgrader/gradebook/softmax/softmax")
        page.click("td a:text-is('Submission #1')")  # formgrader hides names until asked
        score = page.wait_for_selector("input#softmax_derivative_proof", timeout=30000)
        score.scroll_into_view_if_needed()
        score.fill("2.5")
        page.keyboard.press("Tab")  # formgrader saves a score when the field loses focus
        page.wait_for_timeout(2000)
        page.screenshot(path=str(SCREENSHOTS / "formgrader-manual-score.png"))
        page.close()
    finally:
        server.stop()
    exported = subprocess.run([str(Path(sys.executable).with_name("nbgrader")), "export"], cwd=out,
                              capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr[-2000:]
    with open(out / "grades.csv") as f:
        row = [r for r in csv.DictReader(f) if r["student_id"] == "ada" and r["assignment"] == "softmax"][0]
    assert float(row["score"]) == 15 + 2.5  # every autograded point, and the written answer's 2.5 of 3
