"""No shortcuts: find a library function that computes what an exercise asks the learner to build.

The scan reads the submission's code in the grader's process (never in the kernel). Uses are
looked for in the function's own cell; imports and their aliases count from every cell, so
``import scipy.special as sp`` at the top and ``sp.softmax(Z)`` in the cell is found. A forbidden
name such as ``sklearn.model_selection.ParameterGrid`` is found

* when the cell imports it, or uses a name or attribute chain that resolves to it through the
  notebook's imports (``ms.ParameterGrid`` after ``import sklearn.model_selection as ms``);
* or, when its last part is a class name (capitalised, such as ``ParameterGrid``), wherever that
  name appears in the cell as a name, an attribute or a whole word inside a string; string
  constants joined by ``+`` are folded, so ``getattr(m, 'Parameter' + 'Grid')`` is found too.
  Lower-case function names (``scale``, ``grad``) are common words, so they count only when an
  import makes them the library's; docstrings never count.

Code built at run time from pieces that are not constants is beyond a static scan.
"""
import ast
import re


def _fold(node):
    """The string a constant expression evaluates to (str constants joined by +), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _fold(node.left), _fold(node.right)
        if left is not None and right is not None:
            return left + right
    if isinstance(node, ast.JoinedStr):
        parts = [_fold(v) if not isinstance(v, ast.FormattedValue) else None for v in node.values]
        return "".join(parts) if all(p is not None for p in parts) else None
    return None


def _chain(node):
    """'a.b.c' for an attribute chain on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def _parse(source):
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        return ast.parse(code)
    except SyntaxError:
        return None


def aliases(sources):
    """{name bound by an import: the dotted name it stands for} over all cells."""
    bound = {}
    for tree in filter(None, map(_parse, sources)):
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                bound |= {alias.asname or alias.name: f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    bound[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
    return bound


def uses(source, bound):
    """(dotted names the cell uses, bare names and attributes, folded strings) of one cell."""
    tree = _parse(source)
    dotted, names, strings = set(), set(), set()
    if tree is None:
        return dotted, names, strings
    docstrings = {id(node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            dotted |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            dotted |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
            chain = _chain(node)
            if chain:
                head, _, rest = chain.partition(".")
                dotted.add(f"{bound.get(head, head)}.{rest}")
        elif isinstance(node, ast.Name):
            names.add(node.id)
            if node.id in bound:
                dotted.add(bound[node.id])
        folded = _fold(node) if isinstance(node, (ast.Constant, ast.BinOp, ast.JoinedStr)) else None
        if folded and id(node) not in docstrings:
            strings.add(folded)
    return dotted, names, strings


def find_shortcut(cell_source, all_sources, forbidden, function):
    """The first forbidden dotted name that ``cell_source`` (the function's cell) uses, or None.

    ``all_sources`` are every code cell of the notebook (for imports); ``function`` is the name of
    the learner's own function, which never counts as a use.
    """
    dotted, names, strings = uses(cell_source, aliases(all_sources))
    for name in forbidden:
        if any(d == name or d.endswith("." + name) for d in dotted):
            return name
        last = name.rsplit(".", 1)[-1]
        if last[0].isupper() and last != function and (
                last in names or any(re.search(rf"\b{re.escape(last)}\b", text) for text in strings)):
            return name
    return None
