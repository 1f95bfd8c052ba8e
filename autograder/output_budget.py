"""Output bounded in characters, with hostile control sequences neutralised, before anything converts it.

The sandbox bounds a notebook's output in bytes (``max_cell_output``, ``max_output``), but what
turns output into a page costs far more per character than storing it: nbconvert's ANSI-to-HTML
conversion is quadratic in the parameters of one escape sequence (``'\\x1b[' + ';' * 1_000_000 +
'm'`` took 41 s), and every colour span, tag or token costs a tag in the page. So the outputs
``SandboxedExecute`` copies onto the graded notebook are bounded here in characters, per cell and
per notebook, with one line saying how much was cut, and every escape sequence but a short one is
made plain text. Images are not counted: they are stored and shown, never converted.
"""
import re

import nbformat

# An escape sequence nbconvert turns into colour: CSI with at most 32 parameter characters. Any
# other ESC is dropped, so what follows it shows as plain text.
_ESCAPE_NOT_KEPT = re.compile(r"\x1b(?!\[[0-9;]{0,32}[@-~])")
NOT_COUNTED = ("image/png", "image/jpeg", "image/gif")


def neutral(text):
    """``text`` with every escape sequence longer than a colour code made plain text."""
    return _ESCAPE_NOT_KEPT.sub("", text)


class OutputBudget:
    """Characters of output kept from one notebook (``per_notebook``) and from each of its cells
    (``per_cell``); ``bound`` spends them cell by cell."""

    def __init__(self, per_notebook, per_cell):
        self.per_notebook, self.per_cell = per_notebook, per_cell
        self.left = per_notebook

    def bound(self, outputs):
        """A cell's outputs (nbformat nodes) bounded in characters and neutralised, in place, with a
        last output saying how many characters were cut. Returns the list."""
        allowance = min(self.per_cell, self.left)
        spent, cut = 0, 0
        kept = []
        for output in outputs:
            room = allowance - spent
            before = _size(output)
            if before and room <= 0:
                cut += before
                continue
            used = _bound_output(output, room)
            _neutralise(output)  # after cutting, so a sequence cut in two is plain text too
            spent += used
            cut += before - used
            kept.append(output)
        self.left -= spent
        if cut:
            limit = (f"{self.per_cell:,} characters of output from one cell" if allowance == self.per_cell
                     else f"{self.per_notebook:,} characters of output from the whole notebook")
            kept.append(nbformat.v4.new_output("stream", name="stdout", text=(
                f"\n… {cut:,} characters cut: the grader keeps at most {limit}.\n")))
        return kept


def _texts(output):
    """[(container, key)] of the counted text fields of an output."""
    kind = output.get("output_type")
    if kind == "stream":
        return [(output, "text")]
    if kind == "error":
        return [(output, "ename"), (output, "evalue")] + [(output.traceback, i) for i in range(len(output.traceback))]
    return [(output.data, key) for key, value in output.get("data", {}).items()
            if isinstance(value, str) and key not in NOT_COUNTED]


def _size(output):
    return sum(len(container[key]) for container, key in _texts(output))


def _neutralise(output):
    for container, key in _texts(output):
        container[key] = neutral(container[key])


def _bound_output(output, room):
    """Cut the output's text fields to ``room`` characters in all; return how many it keeps."""
    used = 0
    for container, key in _texts(output):
        text = container[key]
        take = max(0, min(len(text), room - used))
        container[key] = text[:take] + ("…" if take < len(text) else "")
        used += take
    if output.get("output_type") == "error":
        output.traceback = [line for line in output.traceback if line]
    return used
