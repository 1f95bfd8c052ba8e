"""No shortcuts: find a library object that computes what an exercise asks the learner to build.

The scan reads the submission's code in the grader's process, never in the kernel. For a graded
function it reads every top-level statement the function reaches: the statements that define it
and, transitively, every statement that binds a global name one of those looks up (a helper
function, a class, a lambda, an alias such as ``f = sp.softmax``, an import), in any cell, found
with Python's own ``symtable``. In those statements a forbidden object, say
``scipy.special.softmax``, is found

* when a dotted name used there (through the notebook's imports, so ``sp.softmax`` after
  ``import scipy.special as sp``) *denotes* it: the sandbox resolves every dotted name of the
  notebook to the object it denotes, in a process that runs no learner code
  (``sandbox_zygote.resolve_names``), so aliases and private paths such as
  ``keras.src.layers.core.dense.Dense`` for ``keras.layers.Dense`` count;
* when a dotted name spells it, or lies inside a forbidden module (``ml_dtypes.bfloat16`` for
  ``ml_dtypes``), which covers the libraries the sandbox does not even contain;
* when its last part is a class name (capitalised, such as ``ParameterGrid``) that appears in a
  reached statement as a name, an attribute or a whole word of a string; string constants joined by
  ``+`` are folded, so ``getattr(m, 'Parameter' + 'Grid')`` is found too. Lower-case function
  names (``scale``, ``grad``) are common words, so they count only through their module.

Docstrings never count. Code built at run time from pieces that are not constants is beyond a
static scan; a library that the assignment does not use is not in the sandbox at all
(``kernel_libraries``).
"""
import ast
import builtins
import re
import symtable
from dataclasses import dataclass


@dataclass(frozen=True)
class Statement:
    """What one top-level statement of a code cell binds and uses.

    index:   the position of its cell in the notebook (from 0)
    binds:   global names it binds (defs, classes, assignments, imports, globals set in functions)
    uses:    global names its code looks up, at the top level or inside its functions
    dotted:  dotted names it uses, spelled through the notebook's imports (numpy.linalg.norm)
    words:   every name and attribute it mentions
    strings: its string constants, folded, docstrings excepted
    stars:   modules it imports everything from (``from m import *``)
    imports: modules it imports
    """
    index: int
    binds: frozenset
    uses: frozenset
    dotted: frozenset
    words: frozenset
    strings: frozenset
    stars: frozenset
    imports: frozenset


@dataclass(frozen=True)
class Shortcut:
    """A forbidden library object a graded function reaches, where, and how."""
    name: str       # the forbidden name, as the check lists it
    used_as: str    # how the code names it
    cell: int       # the cell's position in the notebook (from 0)
    via: tuple      # the global names through which the function reaches that cell

    def message(self, function):
        spelled = f" (as {self.used_as})" if self.used_as != self.name else ""
        through = f", reached through {' -> '.join(self.via)}" if self.via else ""
        return (f"{function} uses {self.name}{spelled} in cell {self.cell + 1}{through}: a library function that "
                f"computes the answer for you. This exercise asks you to build it yourself, so {function} earns "
                "no points.")


def _code(source):
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


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


def aliases(trees):
    """{name bound by an import, anywhere in the notebook: the dotted name it stands for}."""
    bound = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                bound |= {alias.asname or alias.name: f"{node.module}.{alias.name}"
                          for alias in node.names if alias.name != "*"}
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    bound[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
    return bound


def _globals(table):
    """(global names bound, global names looked up) in a symtable and the tables inside it."""
    binds, uses = set(), set()
    top = table.get_type() == "module"
    for symbol in table.get_symbols():
        name = symbol.get_name()
        if top and (symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace()):
            binds.add(name)
        if not top and symbol.is_declared_global() and symbol.is_assigned():
            binds.add(name)
        if symbol.is_referenced() and (top or symbol.is_global()):
            uses.add(name)
    for child in table.get_children():
        inner_binds, inner_uses = _globals(child)
        binds |= inner_binds
        uses |= inner_uses
    return binds, uses


def analyse(sources):
    """[Statement] of the code cells given as {position in the notebook: source}; cells that do
    not parse are left out (they cannot run either)."""
    trees = {}
    for index, source in sources.items():
        try:
            trees[index] = ast.parse(_code(source))
        except SyntaxError:
            continue
    bound = aliases(trees.values())
    return [_statement(index, node, bound) for index, tree in trees.items() for node in tree.body]


def _statement(index, tree, bound):
    """The Statement of ``tree``, a top-level statement of cell ``index``; ``bound`` is aliases()."""
    binds, uses = _globals(symtable.symtable(ast.unparse(tree), f"cell {index}", "exec"))
    docstrings = {id(node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    dotted, words, strings, stars, imports = set(), set(), set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            dotted |= {f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*"}
            stars |= {node.module for alias in node.names if alias.name == "*"}
            imports.add(node.module)
        elif isinstance(node, ast.Import):
            dotted |= {alias.name for alias in node.names}
            imports |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Attribute):
            words.add(node.attr)
            chain = _chain(node)
            if chain:
                head, _, rest = chain.partition(".")
                dotted.add(f"{bound.get(head, head)}.{rest}")
        elif isinstance(node, ast.Name):
            words.add(node.id)
            if node.id in bound:
                dotted.add(bound[node.id])
        folded = _fold(node) if isinstance(node, (ast.Constant, ast.BinOp, ast.JoinedStr)) else None
        if folded and id(node) not in docstrings:
            strings.add(folded)
    return Statement(index, frozenset(binds), frozenset(uses), frozenset(dotted), frozenset(words),
                     frozenset(strings), frozenset(stars), frozenset(imports))


def reach(statements, function):
    """{statement number (its position in ``statements``): the names through which ``function``
    reaches it} for every statement that defines ``function`` (via ()) and every statement those
    reach by the global names they use (or name in a string, as ``globals()['helper']`` does)."""
    binders = {}
    for number, statement in enumerate(statements):
        for name in statement.binds:
            binders.setdefault(name, []).append(number)
    via = {number: () for number in binders.get(function, [])}
    todo = list(via)
    while todo:
        number = todo.pop()
        statement = statements[number]
        for name in sorted(statement.uses | {s for s in statement.strings if s in binders}):
            for other in binders.get(name, []):
                if other not in via:
                    via[other] = (*via[number], name)
                    todo.append(other)
    return via


def _union(statements, attribute):
    return set().union(*(getattr(statement, attribute) for statement in statements))


def names_to_resolve(statements):
    """The dotted names of the notebook that the sandbox should resolve: every dotted name used,
    and ``module.name`` for each global name no statement binds where one imports * from module."""
    loose = _union(statements, "uses") - _union(statements, "binds") - set(dir(builtins))
    return sorted(_union(statements, "dotted") | {f"{module}.{name}" for module in _union(statements, "stars")
                                                  for name in loose})


def find_shortcut(statements, forbidden, function, resolved=None):
    """The first forbidden name (in the order of ``forbidden``) that ``function`` reaches, as a
    Shortcut, or None. ``resolved`` maps dotted names of the notebook to the forbidden name whose
    object they denote, as the sandbox found (see names_to_resolve)."""
    resolved = resolved or {}
    reached = reach(statements, function)
    stars = _union(statements, "stars")
    for name in forbidden:
        last = name.rsplit(".", 1)[-1]
        for number in sorted(reached):
            statement = statements[number]
            spelled = statement.dotted | {f"{module}.{used}" for module in stars for used in statement.uses}
            for used in sorted(spelled):
                if resolved.get(used) == name or used == name or used.startswith(name + ".") or used.endswith("." + name):
                    return Shortcut(name, used, statement.index, reached[number])
            if last[0].isupper() and last != function and (
                    last in statement.words or any(re.search(rf"\b{re.escape(last)}\b", text) for text in statement.strings)):
                return Shortcut(name, last, statement.index, reached[number])
    return None


def unavailable_imports(statements, function, importable):
    """[(module, cell index, via)] for the imports, in the statements ``function`` reaches, of
    top-level modules not in ``importable`` (libraries the grader's sandbox does not offer)."""
    found = []
    for number, via in sorted(reach(statements, function).items()):
        statement = statements[number]
        for module in sorted({name.split(".")[0] for name in statement.imports} - importable):
            found.append((module, statement.index, via))
    return found
