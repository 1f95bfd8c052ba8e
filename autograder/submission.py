"""Reading a submitted notebook, with one-line errors for input that cannot be graded."""
import json
import logging
import re
import warnings
from pathlib import Path

import nbformat
from nbformat.warnings import DuplicateCellId
from .course import ROOT, BadInput, available_assignments

logging.getLogger("nbformat").setLevel(logging.CRITICAL)


def read_notebook(path):
    """Read a notebook as nbformat v4, raising BadInput with a one-line reason when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"no such notebook file: {path}")
    return parse_notebook(path.read_bytes(), path)


def parse_notebook(data, name):
    """Parse notebook bytes as nbformat v4; ``name`` is how a one-line BadInput refers to them."""
    if not data:
        raise BadInput(f"{name} is empty, not a Jupyter notebook")
    try:
        with warnings.catch_warnings():
            # nbformat renames duplicated cell ids (a copied cell) and says so; that repair is wanted.
            warnings.simplefilter("ignore", DuplicateCellId)
            nb = nbformat.reads(data.decode("utf-8"), as_version=4)
            nbformat.validate(nb)
        return nb
    except UnicodeDecodeError:
        raise BadInput(f"{name} is not UTF-8 text, so it is not a Jupyter notebook") from None
    except (json.JSONDecodeError, nbformat.reader.NotJSONError):
        raise BadInput(f"{name} is not valid JSON, so it is not a Jupyter notebook") from None
    except nbformat.ValidationError as error:
        raise BadInput(f"{name} is not a valid Jupyter notebook: {error.message[:120]}") from None
    except Exception as error:  # noqa: BLE001 - nbformat raises many kinds of error on malformed JSON
        raise BadInput(f"{name} is not a readable Jupyter notebook ({type(error).__name__}: {str(error)[:80]})") from None


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_lone_surrogates(node):
    """Replace, in place, every lone UTF-16 surrogate in the strings of a notebook (JSON allows
    ``"\\ud800"``, but no UTF-8 file or database can hold it) with U+FFFD; return how many."""
    replaced = 0
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in list(items):
        if isinstance(value, str):
            fixed, count = _LONE_SURROGATE.subn("\ufffd", value)
            if count:
                node[key], replaced = fixed, replaced + count
        elif isinstance(value, (dict, list)):
            replaced += replace_lone_surrogates(value)
    return replaced


def grade_id(cell):
    """A cell's nbgrader grade_id, or None when it has none or its metadata is malformed."""
    meta = cell.get("metadata", {}).get("nbgrader")
    value = meta.get("grade_id") if isinstance(meta, dict) else None
    return value if isinstance(value, str) else None


def graded_cell_ids(nb):
    """The nbgrader grade_ids a notebook carries."""
    return {grade_id(cell) for cell in nb.cells} - {None}


def cell_ids_by_assignment():
    """{assignment: the grade_ids of its source notebook}."""
    return {name: graded_cell_ids(nbformat.read(ROOT / "source" / name / f"{name}.ipynb", as_version=4))
            for name in available_assignments()}


def check_belongs(nb, assignment, path):
    """Raise BadInput when the notebook's graded cells are another assignment's, not this one's."""
    ids = graded_cell_ids(nb)
    known = cell_ids_by_assignment()
    if ids & known.get(assignment, set()):
        return
    others = [name for name, cells in known.items() if name != assignment and ids & cells]
    if others:
        raise BadInput(f"{path} is a notebook of assignment {others[0]!r}, not {assignment!r}")
