"""What the course's pages add to nbgrader's: output that wraps, figures that fit, and MathJax from
installed packages, so that a page reads the same without a network.

nbgrader's feedback and formgrade templates show output in boxes that scroll sideways, and their
``<head>`` calls nbconvert's ``mathjax()`` macro, which loads MathJax 2 from a CDN. ``chain``'s
``use_inert_pages`` puts the course's page templates (``chain.PAGE_TEMPLATES``, in
autograder/templates/pages/) before nbgrader's, so that each of these templates finds the course's
``mathjax.html.j2`` first (in a folder named after the template); both include
``base/readable.css``.

* A feedback page is a file a learner opens on their own machine, offline, after release_feedback
  has copied it alone: MathJax 3's ``tex-svg-full`` component (its fonts are in it, as SVG paths)
  and its ``ui/safe`` filter are inlined in the page by ``mathjax_script``.
* formgrader's page loads MathJax 2, the version formgrader's own script drives, from the files of
  jupyter-server-mathjax, which the Jupyter server serves.

A submission's math is typeset by the course's script, never run as one: both pages use MathJax's
safe mode (``ui/safe``, MathJax 2's ``Safe``), which drops ``javascript:`` and ``data:`` links,
styles that could load anything, and classes and ids that are not MathJax's; and a feedback page
never loads a component, so ``\\require`` is not defined there.
"""
import functools
from pathlib import Path

import mathjax  # django-static-mathjax: MathJax 3.2.2 as released, under mathjax/static/mathjax

MATHJAX = Path(mathjax.__file__).parent / "static" / "mathjax"


@functools.lru_cache(maxsize=None)
def mathjax_script(component):
    """A ``<script>`` holding MathJax's installed ``component`` (a path under its ``es5/`` folder).

    The feedback template's filter of the same name: inlined, the component needs neither a network
    nor a file beside the page."""
    code = (MATHJAX / "es5" / component).read_text(encoding="utf-8")
    if "</script" in code.lower():
        raise ValueError(f"MathJax's {component} holds '</script', which would end its inline script early")
    return f"<script>\n{code}\n</script>"
