"""A submission whose outputs, markdown cells and written answer hold HTML that would run in a page.

Each payload, if it ran, would add its name to ``window.PWNED`` and set the page's title to
"PWNED". Beside them the submission holds legitimate formatting (a heading, math, a table, an HTML
table output) that the pages must still show. ``live_payloads`` finds, in a page's HTML, every
place a payload could run: a script or style holding the marker, or any attribute holding it (an
event handler, a ``javascript:`` link, an iframe's ``srcdoc``); text that merely shows a payload
is not a place it can run.
"""
import copy

import nbformat
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_raw_cell

from autograder.examples import source_notebook

ASSIGNMENT = "softmax"
ANSWER = "softmax_derivative_proof"   # softmax's written answer, graded in formgrader
MARK = "PWNED"


def run(name):
    """JavaScript that leaves a trace if it runs (single quotes only, so it fits in attributes; an
    expression of no value, so a ``javascript:`` link that runs it does not replace the page)."""
    return f"void(window.{MARK}=(window.{MARK}||[]).concat('{name}'),document.title='{MARK}')"


HTML_PAYLOADS = {
    "script": f"<script>{run('script')}</script>",
    "img onerror": f'<img src="x" onerror="{run("img")}">',
    "javascript: link": f'<a href="javascript:{run("link")}">click me {MARK}</a>',
    "iframe srcdoc": (f'<iframe srcdoc="<script>parent.{MARK}=(parent.{MARK}||[]).concat(\'iframe\');'
                      f'parent.document.title=\'{MARK}\'</script>"></iframe>'),
    "svg onload": f'<svg onload="{run("svg")}"><circle r="5"/></svg>',
    "details ontoggle": f'<details open ontoggle="{run("details")}"><summary>{MARK} details</summary>x</details>',
    "object data": f'<object data="javascript:{run("object")}"></object>',
}
MARKDOWN_PAYLOADS = {"markdown javascript: link": f"[click me {MARK} md](javascript:{run('mdlink')})"}
JAVASCRIPT_OUTPUT = run("javascript output")

# Math that MathJax, rendering it as written, would make a link that runs script or shows data, a
# style or box that loads an image, a package it fetches, or ids and classes that pose as the page's
# own (formgrader's script finds its score fields by class); beside a link to a web page, which
# MathJax keeps.
MATH_PAYLOADS = {
    "math javascript: link": rf"$\href{{javascript:{run('math link')}}}{{x}}$",
    "math data: link": rf"$\href{{data:text/html;base64,{MARK}}}{{y}}$",
    "math style": r"$\style{background-image: url(https://example.invalid/style.png)}{z}$",
    "math bbox": r"$\bbox[background-image: url(https://example.invalid/bbox.png)]{w}$",
    "math require": r"$\require{https://example.invalid/require.js}$",
    "math class and id": rf"$\class{{score tabbable}}{{v}} \cssId{{{MARK}}}{{u}}$",
}
MATH_LINK = "https://example.org/"


def math_markdown():
    """A markdown cell with each of MATH_PAYLOADS, and the legitimate link, on a line of its own."""
    lines = [f"{name}: {math}" for name, math in MATH_PAYLOADS.items()]
    return "\n\n".join(lines + [rf"a link: $\href{{{MATH_LINK}}}{{\text{{the course}}}}$"])


LEGIT_HTML = "<table><tr><th>learning rate</th><th>loss</th></tr><tr><td>0.1</td><td>0.25</td></tr></table>"
LEGIT_MARKDOWN = ("## Legit heading\n\nThe loss is $L = -\\sum_i y_i \\log a_i$ and $a < b$.\n\n"
                  "| rate | loss |\n|---|---|\n| 0.1 | 0.25 |\n")
PROOF = (r"By the quotient rule, $\frac{\partial a_i}{\partial z_j} = a_i(\delta_{ij} - a_j)$, so "
         r"$\frac{\partial L}{\partial z_j} = a_j - y_j$.")


def all_html():
    return "\n".join(HTML_PAYLOADS.values())


def all_markdown():
    return all_html() + "\n\n" + "\n\n".join(MARKDOWN_PAYLOADS.values())


DISPLAY_CELL = f"""from IPython.display import HTML, Javascript, display
display(HTML({LEGIT_HTML!r}))
display(HTML({all_html()!r}))
display(Javascript({JAVASCRIPT_OUTPUT!r}))
display({{"text/markdown": {all_markdown()!r}, "text/plain": "markdown output"}}, raw=True)
"""


def hostile_submission():
    """softmax's solved notebook with the payloads in an output cell, a markdown cell, a raw HTML
    cell and the written answer, and legitimate formatting beside them."""
    nb = copy.deepcopy(source_notebook(ASSIGNMENT))
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == ANSWER)
    answer.source = PROOF + "\n\n" + all_markdown()
    nb.cells.insert(1, new_markdown_cell(LEGIT_MARKDOWN))
    nb.cells.insert(2, new_markdown_cell(all_markdown()))
    nb.cells.insert(3, new_raw_cell(all_html(), metadata={"raw_mimetype": "text/html"}))
    nb.cells.append(new_code_cell(DISPLAY_CELL))
    return nb


def with_raw_outputs(graded):
    """The graded notebook ``graded`` as a grader without the course's chain would leave it: the
    display cell's outputs as the kernel made them, the markdown as the learner wrote it."""
    nb = nbformat.from_dict(copy.deepcopy(graded))
    display = next(c for c in nb.cells if c.cell_type == "code" and c.source == DISPLAY_CELL)
    display.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": LEGIT_HTML, "text/plain": "table"}),
        nbformat.v4.new_output("display_data", data={"text/html": all_html(), "text/plain": "html"}),
        nbformat.v4.new_output("display_data", data={"application/javascript": JAVASCRIPT_OUTPUT, "text/plain": "js"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": all_markdown(), "text/plain": "md"})]
    hostile = hostile_submission()
    sources = [c.source for c in hostile.cells if c.cell_type == "markdown" and MARK in c.source]
    for cell in (c for c in nb.cells if c.cell_type == "markdown" and MARK in c.source):
        cell.source = sources.pop(0)
    return nb


def live_payloads(html):
    """Every element of the page ``html`` where a payload could run, as short descriptions."""
    found = []
    for tag in BeautifulSoup(html, "html.parser").find_all(True):
        if tag.name in ("script", "style") and MARK in tag.get_text():
            found.append(f"<{tag.name}> {tag.get_text()[:60]}")
        found += [f"<{tag.name} {name}=…>" for name, value in tag.attrs.items() if MARK in str(value)]
    return found
