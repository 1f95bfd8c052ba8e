"""No shortcuts: find a library function that computes what an exercise asks the learner to build.

The scan reads the submission's own code cells in the grader's process (never in the kernel):
imported names, attribute chains and string constants, with constants joined by ``+`` folded,
so that ``getattr(module, 'Parameter' + 'Grid')`` is found too. A forbidden name such as
``sklearn.model_selection.ParameterGrid`` is found

* when ``from sklearn.model_selection import ParameterGrid`` (or an import of the name itself)
  appears, or an attribute chain ends in ``model_selection.ParameterGrid``;
* or, when its last part is distinctive (not the name of the learner's own function), wherever
  that last part appears as a name, an attribute or inside a string.

Code built at run time from pieces that are not constants is beyond a static scan.
"""
import ast


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


def _facts(source):
    """(imported dotted names, attribute chains, bare names and attributes, folded strings) of a cell."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set(), set(), set(), set()
    imports, chains, names, strings = set(), set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imports |= {f"{node.module}.{alias.name}" for alias in node.names}
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            imports |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
            chain = _chain(node)
            if chain:
                chains.add(chain)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        folded = _fold(node) if isinstance(node, (ast.Constant, ast.BinOp, ast.JoinedStr)) else None
        if folded:
            strings.add(folded)
    return imports, chains, names, strings


def find_shortcut(sources, forbidden, function):
    """The first forbidden dotted name used in ``sources`` (code cell texts), or None.

    ``function`` is the name of the learner's own function, which never counts as a use.
    """
    facts = [_facts(source) for source in sources]
    imports = set().union(*(f[0] for f in facts))
    chains = set().union(*(f[1] for f in facts))
    names = set().union(*(f[2] for f in facts))
    strings = set().union(*(f[3] for f in facts))
    for dotted in forbidden:
        parts = dotted.split(".")
        tail = ".".join(parts[-2:])
        if dotted in imports or any(chain == tail or chain.endswith("." + tail) for chain in chains):
            return dotted
        last = parts[-1]
        if last != function and (last in names or any(last in text for text in strings)):
            return dotted
    return None
