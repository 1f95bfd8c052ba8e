"""Inert pages: what a submission wrote or displayed is shown, never run.

nbconvert renders markdown cells and HTML outputs as they are, so a submission's
``display(HTML("<script>…"))``, a markdown ``<img src=x onerror=…>`` or ``[link](javascript:…)``
would run in the learner's feedback page and in formgrader, where the instructor is logged in and
a script can enter scores. ``MakeInert`` cleans them with bleach, as nbconvert's ``SanitizeHTML``
and ``clean_html`` do, but with an allow-list that keeps the formatting of legitimate output
(nbconvert's escapes paragraphs, headings and table headers). It runs twice: in the autograde
chain, so the stored notebook that formgrader opens is inert whatever its server's
configuration, and in every HTML exporter the course configures (``chain.PAGES``), so any page
made from any notebook is inert.

* Outputs keep plain text, LaTeX, PNG and JPEG images, HTML cleaned to formatting and markdown
  that is formatting only. JavaScript, widgets, SVG and every other kind of output are left out,
  and an output's metadata keeps only an image's width and height.
* A markdown cell is shown as it is when what nbconvert renders from it is formatting only.
  Otherwise (a script, an event handler, a ``javascript:`` link, an iframe, a remote image), or
  when nbconvert cannot render it (a missing attachment), or when it is longer than
  ``max_cell_chars``, or past ``max_notebook_chars`` of markdown, its text is shown in a code block.
* A raw cell is cut to ``max_cell_chars``: the templates clean the raw cells they show.

Each cell that lost something says so in one line.
"""
import functools
import re

import bleach
import nbformat
from bs4 import BeautifulSoup
from bleach.css_sanitizer import CSSSanitizer
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Integer

# Formatting a page may show: what markdown and pygments produce, and simple HTML tables.
TAGS = ["a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details",
        "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd",
        "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "summary",
        "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var"]
ATTRIBUTES = {"*": {"title", "align"}, "a": {"href"}, "img": {"src", "alt", "width", "height"},
              "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
              "table": {"border"}, "td": {"colspan", "rowspan", "style"}, "th": {"colspan", "rowspan", "style"},
              "tr": {"style"}, "span": {"style"}, "div": {"style"}, "p": {"style"},
              "input": {"type", "checked", "disabled"}, "ol": {"start"}}
# CSS properties whose values cannot load anything (no url()) or move anything over the page.
STYLES = ["color", "background-color", "text-align", "vertical-align", "font-weight", "font-style",
          "text-decoration", "border-collapse", "white-space"]
# Class names nbconvert's renderer and pygments give (anchor links, highlighted code, task lists),
# never formgrader's own (score, tabbable, …), whose scripts find elements by class.
CLASS = re.compile(r"[a-z]{1,3}[0-9]?|highlight|anchor-link|dataframe|task-list-item(-checkbox)?|language-[\w-]{1,40}")
# Links to web pages, mail and the page's own headings; images only from the notebook itself.
LINK = re.compile(r"(https?://|mailto:|#)", re.I)
IMAGE = re.compile(r"data:image/(png|jpeg|gif);base64,", re.I)

SAFE_OUTPUTS = {"text/plain", "text/latex", "image/png", "image/jpeg", "application/json"}
IMAGE_SIZE = ("width", "height")


def allowed_attribute(tag, name, value):
    """bleach's attribute test: an allow-list, checked on the attribute's text as written (so an
    entity-encoded ``&#100;ata:`` or ``java&#x09;script:`` never matches and is dropped)."""
    if name == "class":
        return all(CLASS.fullmatch(word) for word in value.split())
    if (tag, name) == ("a", "href"):
        return bool(LINK.match(value))
    if (tag, name) == ("img", "src"):
        return bool(IMAGE.match(value))
    if (tag, name) == ("input", "type"):
        return value == "checkbox"
    return name in ATTRIBUTES["*"] or name in ATTRIBUTES.get(tag, ())


_cleaner = bleach.Cleaner(tags=TAGS, attributes=allowed_attribute, protocols=["http", "https", "mailto", "data"],
                          css_sanitizer=CSSSanitizer(allowed_css_properties=STYLES), strip=False)


def clean_html(html):
    """``html`` with everything but formatting escaped or removed (bleach, the course's allow-list).

    Also the ``clean_html`` filter of the course's pages (``chain.use_course_chain``), in place of
    nbconvert's, which escapes the paragraphs, headings and table headers of legitimate output."""
    return _cleaner.clean(html.decode() if isinstance(html, bytes) else str(html))


def inert_html(html):
    """(``html`` cleaned, whether cleaning changed anything a browser would see)."""
    cleaned = clean_html(html)
    return cleaned, _normalized(cleaned) != _normalized(html)


def _normalized(html):
    """``html`` parsed and written back, with its inline styles spelled one way."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(style=True):
        tag["style"] = re.sub(r"\s*([:;])\s*", r"\1", tag["style"]).strip(" ;")
    return soup.decode()


def render_markdown(source, attachments=None):
    """The HTML nbconvert's HTMLExporter renders from markdown (its renderer and math parser)."""
    return MarkdownWithMath(renderer=IPythonRenderer(escape=False, attachments=attachments or {})).render(source)


def rendering_problem(source, attachments=None):
    """None when the markdown ``source`` renders to formatting only, else why it must be shown as text."""
    try:
        html = render_markdown(source, attachments)
    except Exception as error:  # noqa: BLE001 - whatever a learner wrote, the cell is still shown
        return f"nbconvert cannot render it as markdown ({_one_line(error)})"
    if inert_html(html)[1]:
        return ("it holds HTML other than formatting, and pages never show scripts, event handlers, frames "
                "or remote images")
    return None


# The course's own markdown comes back in every submission: each grading process checks it once.
_rendering_problem_cached = functools.lru_cache(maxsize=4096)(rendering_problem)


def code_block(text):
    """Markdown that shows ``text`` verbatim: a fence longer than any run of tildes in it."""
    fence = "~" * max(3, 1 + max((len(run) for run in re.findall("~+", text)), default=0))
    return f"{fence}\n{text}\n{fence}\n"


def as_text(source, why, cut=0):
    """Markdown that shows ``source`` verbatim in a code block, after one line saying ``why``, and
    ends with how many characters were ``cut`` from it."""
    tail = f"\n… {cut:,} characters cut" if cut else ""
    return f"*(The grader's pages show this cell as text: {why}.)*\n\n{code_block(source + tail)}"


def fit_as_text(source, why, room):
    """``as_text`` of as much of ``source`` as fits in ``room`` characters, or None if nothing does."""
    keep = min(len(source), room)
    while keep > 0:
        shown = as_text(source[:keep], why, len(source) - keep)
        if len(shown) <= room:
            return shown
        keep -= len(shown) - room
    return None


class MakeInert(Preprocessor):
    """Leave only what a browser shows without running anything (see the module doc)."""

    enabled = Bool(True, help="nbconvert runs a preprocessor only when it is enabled; this one always is."
                   ).tag(config=True)
    max_cell_chars = Integer(10_000, help="Longest markdown cell, in characters, that pages render as "
                                          "markdown; a longer one is shown as text.").tag(config=True)
    max_notebook_chars = Integer(200_000, help="Characters of markdown a page renders from one notebook; "
                                               "cells past them are shown as text.").tag(config=True)

    def preprocess(self, nb, resources):
        self._markdown_left = self.max_notebook_chars
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            left_out = self.inert_outputs(cell)
            if left_out:
                cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=(
                    "\n(The grader's pages show this cell's output without what could run in a browser: "
                    f"{', '.join(left_out)}.)\n")))
        elif cell.cell_type == "markdown":
            source = self.inert_markdown(cell.source, cell.get("attachments"))
            if source is not cell.source:  # shown as text: its attachments are no longer used
                cell.source = source
                cell.pop("attachments", None)
        elif cell.cell_type == "raw" and len(cell.source) > self.max_cell_chars:
            keep = self.max_cell_chars - 40  # room for the line below
            cell.source = cell.source[:keep] + f"\n… {len(cell.source) - keep:,} characters cut"
        return cell, resources

    def inert_markdown(self, source, attachments=None):
        """``source`` itself when it renders to formatting only, else markdown that shows it as text.

        What is shown never exceeds ``max_cell_chars`` nor what is left of the notebook's
        ``max_notebook_chars``, so a second pass over the result changes nothing."""
        room = min(self.max_cell_chars, self._markdown_left)
        if len(source) <= room:
            why = rendering_problem(source, attachments) if attachments else _rendering_problem_cached(source)
            if not why:
                self._markdown_left -= len(source)
                return source
        elif room == self.max_cell_chars:
            why = f"it is longer than the {self.max_cell_chars:,} characters pages show of a cell"
        else:
            why = f"the notebook holds more than the {self.max_notebook_chars:,} characters of markdown pages show"
        shown = fit_as_text(source, why, room)
        if shown is None:
            self._markdown_left = 0
            return f"*(The grader's pages do not show this cell: {why}.)*"
        self._markdown_left -= len(shown)
        return shown

    def inert_outputs(self, cell):
        """Make a code cell's outputs inert in place; return what was left out, in words."""
        left_out = []
        for output in cell.outputs:
            if output.output_type not in ("display_data", "execute_result"):
                continue
            data = {}
            for kind, value in output.data.items():
                value = "".join(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else value
                if kind in SAFE_OUTPUTS:
                    data[kind] = value
                elif kind == "text/html" and isinstance(value, str):
                    data[kind], changed = inert_html(value)
                    if changed:
                        left_out.append("the parts of its HTML other than formatting")
                elif kind == "text/markdown" and isinstance(value, str) and self.inert_markdown(value) is value:
                    data[kind] = value
                else:
                    left_out.append(f"an output of type {kind}")
            if not data:
                data["text/plain"] = ""
            output.data = nbformat.from_dict(data)
            output.metadata = nbformat.from_dict(_image_sizes(output.get("metadata", {})))
        return list(dict.fromkeys(left_out))


def _image_sizes(metadata):
    """The only output metadata a page uses: {image type: {"width": n, "height": n}}."""
    sizes = {}
    for kind in ("image/png", "image/jpeg"):
        given = metadata.get(kind) if isinstance(metadata, dict) else None
        if isinstance(given, dict):
            size = {k: given[k] for k in IMAGE_SIZE if isinstance(given.get(k), int) and not isinstance(given[k], bool)}
            if size:
                sizes[kind] = size
    return sizes


def _one_line(error):
    text = " ".join(str(error).split())[:120]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
