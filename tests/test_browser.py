"""The learner's and the instructor's pages, used as a person would: in a real browser.

Playwright drives Debian's chromium (``make test-tools`` installs it; Playwright's own browser
download does not work offline). Screenshots go to test-artifacts/screenshots/.
"""
import csv
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import nbformat
import pytest

from nbgrader.api import Gradebook

from autograder.batch import grade_batch
from autograder.course import ROOT, available_assignments
from autograder.examples import catalog, source_notebook, with_replacements
from autograder.jupyter import prepare_formgrader, prepare_lab
from jupyter_servers import JupyterServer  # noqa: E402 - tests/ is on sys.path

sys.path.insert(0, str(Path(__file__).with_name("adversarial")))
import hostile_html  # noqa: E402

pytestmark = pytest.mark.xdist_group("browser")  # one worker runs them all, one server at a time

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
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


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a learner workspace (the bundle), with each solved notebook beside its stub."""
    workspace = prepare_lab(tmp_path_factory.mktemp("learner") / "lab")
    for assignment in available_assignments():
        nbformat.write(source_notebook(assignment), workspace / assignment / f"{assignment}_solved.ipynb")
    server = JupyterServer(workspace, "/lab", learner=True)
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
        dismiss_dialog(page, path)
        not_run.first.click()
        page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        page.click(".lm-Menu-itemLabel:text-is('Run Selected Cell and All Below')")
    else:
        pytest.fail(f"{path}: running every cell did not finish within {RUN_ALL_SECONDS} s")
    page.keyboard.press("Control+s")
    page.wait_for_timeout(1500)
    return nbformat.read(server.root / path, as_version=4)


def dismiss_dialog(page, path):
    """Close a dialog JupyterLab opened on its own (it would catch the next click); a kernel that
    died fails the test with the dialog's words."""
    dialog = page.locator(".jp-Dialog")
    if not dialog.count():
        return
    text = " ".join(dialog.first.inner_text().split())
    page.screenshot(path=str(SCREENSHOTS / f"dialog-{Path(path).stem}.png"))
    assert "died" not in text.lower(), f"{path}: {text}"
    print(f"{path}: dismissed a dialog: {text}")
    page.keyboard.press("Escape")
    dialog.first.wait_for(state="detached", timeout=10000)


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
    server = JupyterServer(prepare_formgrader(out), "/formgrader", learner=False)
    try:
        page = server.page(browser, "/formgrader/gradebook/softmax/softmax")
        page.click("td a:text-is('Submission #1')")  # formgrader hides names until asked
        score = page.wait_for_selector("input#softmax_derivative_proof", timeout=30000)
        score.scroll_into_view_if_needed()
        score.fill("2.5")
        with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT",
                                  timeout=60000) as saved:
            page.keyboard.press("Tab")  # formgrader saves a score when the field loses focus
        assert saved.value.ok, saved.value.status
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


def payload_traces(page):
    """What the payloads of hostile_html would have left in a loaded page if any had run: the
    names they add to window.PWNED, a "PWNED" title, and elements whose attributes hold one."""
    page.wait_for_timeout(1500)  # onload, onerror, ontoggle and iframes fire by then
    for text in page.get_by_text(f"click me {hostile_html.MARK}").all():
        text.click()
    page.wait_for_timeout(500)
    return {"ran": page.evaluate(f"window.{hostile_html.MARK} || []"),
            "title": page.title() if hostile_html.MARK in page.title() else "",
            "live elements": page.evaluate(f"""() => [...document.querySelectorAll('*')]
                .filter(e => [...e.attributes].some(a => a.value.includes('{hostile_html.MARK}')))
                .map(e => e.tagName)""")}


def watched_page(page, events):
    """``page`` with its dialogs (dismissed) and console messages that mention the marker kept in ``events``."""
    page.on("dialog", lambda dialog: (events.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("console", lambda message: hostile_html.MARK in message.text and events.append(f"console: {message.text}"))
    return page


def expect_inert(page, events, name):
    traces = payload_traces(page)
    assert traces == {"ran": [], "title": "", "live elements": []} and not events, (name, traces, events)
    shown = page.get_by_text(f"click me {hostile_html.MARK}").all()
    assert shown and all(text.is_visible() for text in shown), f"{name}: what the learner wrote is not shown as text"
    for where, text in zip(("markdown", "answer", "output"), shown):  # in the order of the notebook
        scroll_to(page, text)
        page.screenshot(path=str(SCREENSHOTS / f"inert-{name}-{where}.png"))


def test_a_submissions_scripts_never_run_in_its_feedback_page_or_in_formgrader(browser, tmp_path):
    """Payloads in a submission's outputs, markdown and written answer (tests/adversarial/hostile_html.py)
    do nothing in the learner's feedback page nor in the instructor's formgrader, whether the graded
    notebook went through the course's chain (ada) or was left raw by a grader without it (bob)."""
    control = browser.new_page()
    control.set_content(f"<html><body>{hostile_html.all_html()}</body></html>")
    assert payload_traces(control)["ran"], "the payloads run in a plain page, so their traces can be seen"
    control.close()
    submitted, out = tmp_path / "submitted", tmp_path / "grading"
    for student in ("ada", "bob"):
        path = submitted / student / "softmax" / "softmax.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(hostile_html.hostile_submission(), path)
    grade_batch(submitted, out, assignments=["softmax"], jobs=1)
    raw = out / "autograded" / "bob" / "softmax" / "softmax.ipynb"
    nbformat.write(hostile_html.with_raw_outputs(nbformat.read(raw, as_version=4)), raw)

    events = []
    page = watched_page(browser.new_page(viewport={"width": 1400, "height": 1000}), events)
    page.goto((out / "feedback" / "ada" / "softmax" / "softmax.html").as_uri())
    expect_inert(page, events, "feedback")
    page.close()
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        ids = {student: gb.find_submission_notebook("softmax", "softmax", student).id for student in ("ada", "bob")}
    server = JupyterServer(prepare_formgrader(out), "/formgrader", learner=False)
    try:
        for student, submission in ids.items():
            events = []
            page = watched_page(server.page(browser, f"/formgrader/submissions/{submission}/"), events)
            page.wait_for_selector(f"input#{hostile_html.ANSWER}", timeout=30000)  # formgrader's own script ran
            expect_inert(page, events, f"formgrader-{student}")
            page.close()
    finally:
        server.stop()


# The end of the failure message of a softmax that overflows (autograder/checks/softmax.py).
OVERFLOW_TAIL = "from Z before exponentiating (it does not change the result)."


@pytest.fixture(scope="module")
def failing_softmax(tmp_path_factory):
    """grade-batch's output folder for one softmax submission that fails with a long message (no
    max shift, so exp overflows), with a figure wider than a page (softmax's own, 13 inches) and
    hostile_html's math payloads in a markdown cell."""
    base = tmp_path_factory.mktemp("readable")
    mistake = next(m for m in catalog("mistakes", "softmax") if m.name == "softmax_no_max_shift")
    nb = with_replacements(source_notebook("softmax"), [mistake])
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(hostile_html.math_markdown()))
    path = base / "submitted" / "ada" / "softmax" / "softmax.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    grade_batch(base / "submitted", base / "grading", assignments=["softmax"], jobs=1)
    return base / "grading"


def offline(page, attempted):
    """Abort every request ``page`` makes that would leave the machine, and add its URL to ``attempted``."""
    def route(route):
        url = urllib.parse.urlsplit(route.request.url)
        if url.scheme in ("file", "data") or url.hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()
    page.route("**/*", route)


def readability(page):
    """What keeps a page from being read without scrolling sideways: output boxes that scroll or
    whose text runs past them, images wider than the page, and the page itself scrolling."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const boxes = [...document.querySelectorAll('div.output_subarea pre')];
        const outside = box => {
            const shown = box.getBoundingClientRect(), text = document.createRange();
            text.selectNodeContents(box);
            return [...text.getClientRects()].some(line => line.right > shown.right + 1 || line.left < shown.left - 1);
        };
        const images = [...document.querySelectorAll('img')];
        return {
            "scrolling boxes": boxes.filter(b => b.scrollWidth > b.clientWidth || outside(b)).map(b => b.textContent.slice(0, 60)),
            "wide images": images.filter(i => i.getBoundingClientRect().right > width + 1).map(i => i.naturalWidth),
            "page scrolls": document.documentElement.scrollWidth > width,
        };
    }""")


def scaled_images(page):
    """How many images the page shows narrower than they are."""
    return page.evaluate("() => [...document.querySelectorAll('img')].filter(i => i.naturalWidth > i.width + 1).length")


def raw_math(page, rendered):
    """Text of the rendered markdown (elements matching ``rendered``) outside typeset math that
    still holds a $ sign, i.e. LaTeX MathJax did not typeset."""
    return page.evaluate("""rendered => {
        const left = [];
        for (const cell of document.querySelectorAll(rendered)) {
            const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                if (node.data.includes('$') && !node.parentElement.closest('mjx-container, .MathJax, script, code, pre'))
                    left.push(node.data.trim().slice(0, 80));
            }
        }
        return left;
    }""", rendered)


def in_math(page, math, selector):
    """Elements matching ``selector`` inside typeset math (elements matching ``math``), each as its
    link's target or its tag name."""
    return page.evaluate("""([math, selector]) => [...document.querySelectorAll(math)]
        .flatMap(m => [...m.querySelectorAll(selector)])
        .map(e => e.getAttribute('href') || e.getAttribute('xlink:href') || e.tagName)""", [math, selector])


def expect_readable(page, name, math, rendered, typeset_at_least):
    """The page ``page`` (loaded, its math typeset) reads without scrolling sideways, shows the end
    of the overflow message, scales its figures to its width and typesets its math safely."""
    assert readability(page) == {"scrolling boxes": [], "wide images": [], "page scrolls": False}, name
    assert scaled_images(page) >= 1, f"{name}: the 13-inch figure is shown at its own width"
    message = page.locator("div.output_error pre", has_text=OVERFLOW_TAIL)
    scroll_to(page, message)
    page.screenshot(path=str(SCREENSHOTS / f"readable-{name}-message.png"))
    scroll_to(page, page.locator("div.output_png img").first)
    page.screenshot(path=str(SCREENSHOTS / f"readable-{name}-figure.png"))
    assert page.locator(math).count() >= typeset_at_least, f"{name}: math was not typeset"
    assert raw_math(page, rendered) == [], name
    # the link, in what is shown and in the MathML kept for screen readers
    assert set(in_math(page, math, "a, [href]")) == {hostile_html.MATH_LINK}, f"{name}: math keeps only its link to a web page"
    assert in_math(page, math, ".score, .tabbable") == [], f"{name}: math poses as formgrader's score fields"
    traces = payload_traces(page)
    assert traces == {"ran": [], "title": "", "live elements": []}, (name, traces)
    page.keyboard.press("Control+Home")
    scroll_to(page, page.get_by_text("math javascript: link"))
    page.screenshot(path=str(SCREENSHOTS / f"readable-{name}-hostile-math.png"))


def test_a_feedback_page_reads_without_scrolling_and_typesets_its_math_offline(browser, failing_softmax):
    """The learner's page, opened as a file with no network: the overflow message wraps and ends
    in view, the figure fits the page, every formula is typeset (MathJax is in the page), the
    hostile math does nothing, and the page asked nothing of any other machine."""
    page, attempted = browser.new_page(viewport={"width": 1200, "height": 900}), []
    offline(page, attempted)
    page.goto((failing_softmax / "feedback" / "ada" / "softmax" / "softmax.html").as_uri())
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")  # the first typesetting of the page is done
    page.screenshot(path=str(SCREENSHOTS / "readable-feedback-top.png"))
    expect_readable(page, "feedback", "mjx-container", "div.text_cell_render", typeset_at_least=30)
    assert attempted == []
    page.close()


def test_formgraders_page_reads_without_scrolling_and_typesets_math_from_the_local_server(browser, failing_softmax):
    """The instructor's page of the same submission: the same reading, and MathJax comes from the
    Jupyter server, so formgrader's own script, which waits for MathJax, runs to its end."""
    with Gradebook(f"sqlite:///{failing_softmax / 'gradebook.db'}") as gb:
        submission = gb.find_submission_notebook("softmax", "softmax", "ada").id
    server, attempted = JupyterServer(prepare_formgrader(failing_softmax), "/formgrader", learner=False), []
    try:
        page = server.page(browser, f"/formgrader/submissions/{submission}/",
                           prepare=lambda page: offline(page, attempted))
        page.wait_for_function("() => window.MathJax && MathJax.loaded && formgrader.loaded", timeout=60000)
        page.wait_for_function("() => !$('body, html').is(':animated')")  # formgrader's scroll once MathJax is done
        page.screenshot(path=str(SCREENSHOTS / "readable-formgrader-top.png"))
        expect_readable(page, "formgrader", ".MathJax", "div.text_cell_render", typeset_at_least=30)
        page.close()
    finally:
        server.stop()
    assert attempted == []
