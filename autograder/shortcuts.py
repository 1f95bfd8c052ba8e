"""No shortcuts: find a library object that computes what an exercise asks the learner to build.

The scan reads the submission's code in the grader's process, never in the kernel. For a graded
function it reads every top-level statement the function reaches: the statements that define it
and, transitively, every statement that binds a global name one of those looks up (a helper
function, a class, a lambda, an alias such as ``f = sp.softmax``, an import), in any cell, found
with Python's own ``symtable``. Names bound at run time count too: ``globals()["f"] = ...``,
``setattr(module, "f", ...)`` and ``exec("...")`` of a constant bind what they name, and a
statement that binds names the scan cannot know (``globals()[name] = ...``, ``exec(code)``) is
reached by every function. In those statements a forbidden object, say ``scipy.special.softmax``,
is found

* when a dotted name used there (through the notebook's imports, so ``sp.softmax`` after
  ``import scipy.special as sp``; also ``getattr(sp, "softmax")`` and
  ``importlib.import_module("scipy.special")``) *denotes* it: the sandbox resolves every dotted
  name of the notebook to the object it denotes, in a process that runs no learner code
  (``sandbox_zygote.resolve_names``), so aliases and private paths such as
  ``keras.src.layers.core.dense.Dense`` for ``keras.layers.Dense`` count;
* when a dotted name spells it, or lies inside a forbidden module (``ml_dtypes.bfloat16`` for
  ``ml_dtypes``), which covers the libraries the sandbox does not even contain; names that a
  ``from module import *`` provides count as ``module.name``;
* when its last part is a class name (capitalised, such as ``ParameterGrid``) that appears in a
  reached statement as a name, an attribute or a whole word of a string; string constants joined
  by ``+`` are folded, so ``getattr(m, 'Parameter' + 'Grid')`` is found too. Lower-case function
  names (``scale``, ``grad``) are common words, so they count only through their module.

Docstrings never count. Code built at run time from pieces that are not constants is beyond a
static scan; a library that the assignment does not use is not in the sandbox at all
(``kernel_libraries``). Everything here is linear in the size of the notebook, whatever it holds.
"""
import ast
import builtins
import re
import symtable
from dataclasses import dataclass

MAX_NAMES = 10_000        # dotted names the sandbox is asked to resolve, at most
MAX_CODE_CHARS = 2_000_000  # characters of code in a notebook the scan reads, at most
TOO_DEEP = "it nests too deeply for the grader to read"
MAX_STAR_MODULES = 8      # modules a notebook imports * from that count
RUN_TIME_BINDERS = {"exec", "eval", "globals", "vars", "locals", "setattr"}
IMPORTERS = {"importlib.import_module", "__import__"}
BOUND_AT_RUN_TIME = "a name bound at run time"
BUILTINS = set(dir(builtins))


@dataclass(frozen=True)
class Statement:
    """What one top-level statement of a code cell binds and uses.

    index:      the position of its cell in the notebook (from 0)
    binds:      global names it binds (defs, classes, assignments, imports, globals set in
                functions, globals()["name"] = ..., setattr(module, "name", ...))
    uses:       global names its code looks up, at the top level or inside its functions
    dotted:     dotted names it uses that come from an import (numpy.linalg.norm)
    loose:      (name, rest) for dotted references on a global name no import binds, which a
                ``from module import *`` may provide ("Dense", "") or ("dtypes", "cast")
    words:      every name and attribute it mentions
    strings:    its string constants, folded, docstrings excepted
    stars:      modules it imports everything from
    imports:    modules it imports
    anywhere:   it binds names the scan cannot know, so every function reaches it
    unreadable: why the scan cannot read it, though it runs (it nests too deeply, say)
    """
    index: int
    binds: frozenset = frozenset()
    uses: frozenset = frozenset()
    dotted: frozenset = frozenset()
    loose: frozenset = frozenset()
    words: frozenset = frozenset()
    strings: frozenset = frozenset()
    stars: frozenset = frozenset()
    imports: frozenset = frozenset()
    anywhere: bool = False
    unreadable: str = ""


@dataclass(frozen=True)
class Shortcut:
    """A forbidden library object a graded function reaches, where, and how; or, with no name, a
    statement it reaches that the scan cannot read."""
    name: str       # the forbidden name, as the check lists it ("" for an unreadable statement)
    used_as: str    # how the code names it (why it cannot be read)
    cell: int       # the cell's position in the notebook (from 0)
    via: tuple      # the global names through which the function reaches that cell

    def message(self, function):
        through = f", reached through {' -> '.join(self.via)}" if self.via else ""
        if not self.name:
            return (f"{function} could not be checked for library shortcuts: cell {self.cell + 1}{through} cannot be "
                    f"read ({self.used_as}), so {function} earns no points. Make that code shorter or simpler.")
        spelled = f" (as {self.used_as})" if self.used_as != self.name else ""
        return (f"{function} uses {self.name}{spelled} in cell {self.cell + 1}{through}: a library function that "
                f"computes the answer for you. This exercise asks you to build it yourself, so {function} earns "
                "no points.")


def _code(source):
    """The cell's source with IPython's magics and shell lines blanked (line numbers kept)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _fold(node):
    """The string a constant expression evaluates to (str constants joined by +), else None."""
    parts, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Constant) and isinstance(current.value, str):
            parts.append(current.value)
        elif isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
            stack += [current.right, current.left]
        elif isinstance(current, ast.JoinedStr):
            stack += reversed(current.values)
        else:
            return None
    return "".join(parts)


def _called(node):
    """The function name of a call on a plain name or attribute chain ('getattr', 'importlib.import_module')."""
    names, current = [], node.func
    while isinstance(current, ast.Attribute):
        names.append(current.attr)
        current = current.value
    return ".".join([current.id, *reversed(names)]) if isinstance(current, ast.Name) else None


def _imported_by(node, bound):
    """The module a call ``importlib.import_module("m")`` or ``__import__("m", ...)`` returns, or None."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    called = _called(node)
    head, _, rest = (called or "").partition(".")
    if f"{bound.get(head, head)}{'.' + rest if rest else ''}" not in IMPORTERS:
        return None
    module = _fold(node.args[0])
    if module and called == "__import__" and not (len(node.args) > 3 or any(k.arg == "fromlist" for k in node.keywords)):
        return module.split(".")[0]  # without a fromlist, __import__ returns the top-level package
    return module or None


def _reference(node, bound):
    """(head, parts) of a dotted reference: a name, attributes and ``getattr(x, "constant")`` on it,
    or on an imported module; head is ("module", dotted) or ("name", id). None otherwise."""
    parts, current = [], node
    while True:
        if isinstance(current, ast.Attribute):
            parts.append(current.attr)
            current = current.value
        elif (isinstance(current, ast.Call) and _called(current) == "getattr" and len(current.args) >= 2
              and _fold(current.args[1])):
            parts.append(_fold(current.args[1]))
            current = current.args[0]
        else:
            break
    parts.reverse()
    if isinstance(current, ast.Name):
        return ("name", current.id), parts
    module = _imported_by(current, bound)
    return (("module", module), parts) if module else None


def aliases(trees):
    """{name bound to a module or its member by an import (or ``importlib.import_module`` of a
    constant), anywhere in the notebook: the dotted name it stands for}."""
    bound, assignments = {}, []
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                bound |= {alias.asname or alias.name: f"{node.module}.{alias.name}"
                          for alias in node.names if alias.name != "*"}
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    bound[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and isinstance(node.value, ast.Call):
                assignments.append(node)
    for node in assignments:
        module = _imported_by(node.value, bound)
        if module:
            bound[node.targets[0].id] = module
    return bound


SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Import, ast.ImportFrom)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
          ast.GeneratorExp)


def _names(node, nodes):
    """(global names bound, global names looked up) of a top-level statement with no scope inside
    it, from its Name nodes and imports; ``nodes`` are all its nodes."""
    binds, uses = set(), set()
    for child in nodes:
        if isinstance(child, ast.Name):
            (uses if isinstance(child.ctx, ast.Load) else binds).add(child.id)
            if isinstance(child.ctx, ast.Store) and isinstance(node, ast.AugAssign):
                uses.add(child.id)
        elif isinstance(child, ast.alias) and child.name != "*":
            binds.add(child.asname or child.name.split(".")[0])
    return binds, uses


def _globals(table):
    """(global names bound, global names looked up) in a symtable and the tables inside it."""
    binds, uses, tables = set(), set(), [table]
    while tables:
        current = tables.pop()
        top = current.get_type() == "module"
        for symbol in current.get_symbols():
            name = symbol.get_name()
            if top and (symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace()):
                binds.add(name)
            if not top and symbol.is_declared_global() and symbol.is_assigned():
                binds.add(name)
            if symbol.is_referenced() and (top or symbol.is_global()):
                uses.add(name)
        tables += current.get_children()
    return binds, uses


def _bound_at_run_time(node):
    """For a call that binds names at run time: the names it binds when they are constants, or
    None when they cannot be known. Not such a call: the empty set."""
    called = _called(node) if isinstance(node, ast.Call) else None
    if called == "setattr":
        name = _fold(node.args[1]) if len(node.args) > 1 else None
        return {name} if name else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update" \
            and isinstance(node.func.value, ast.Call) and _called(node.func.value) in ("globals", "vars", "locals"):
        names = {k.arg for k in node.keywords}
        for argument in node.args:
            if not isinstance(argument, ast.Dict) or not all(k is not None and _fold(k) for k in argument.keys):
                return None
            names |= {_fold(k) for k in argument.keys}
        return None if None in names else names
    if called in ("exec", "eval"):  # constant code is read as statements of its own (see _statement)
        return set() if node.args and _fold(node.args[0]) is not None else None
    return set()


def _subscript_binds(node):
    """Names bound by ``globals()[...] = ...`` (None when the key is not a constant), else the empty set."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Call) \
            and _called(node.value) in ("globals", "vars", "locals"):
        name = _fold(node.slice)
        return {name} if name else None
    return set()


def _statement(index, node, segment, bound):
    """The Statement of ``node``, a top-level statement of cell ``index`` whose source is ``segment``."""
    nodes = list(ast.walk(node))
    if isinstance(node, SIMPLE) and not any(isinstance(child, SCOPES) for child in nodes):
        binds, uses = _names(node, nodes)
    else:
        binds, uses = _globals(symtable.symtable(segment, f"cell {index}", "exec"))
    docstrings = set()
    dotted, loose, words, strings, stars, imports = set(), set(), set(), set(), set(), set()
    anywhere, code = False, []
    for child in nodes:  # breadth first: a docstring's Expr comes before its Constant
        if isinstance(child, ast.Expr) and isinstance(child.value, ast.Constant):
            docstrings.add(id(child.value))
        if isinstance(child, ast.ImportFrom) and child.module and not child.level:
            dotted |= {f"{child.module}.{alias.name}" for alias in child.names if alias.name != "*"}
            stars |= {child.module for alias in child.names if alias.name == "*"}
            imports.add(child.module)
        elif isinstance(child, ast.Import):
            dotted |= {alias.name for alias in child.names}
            imports |= {alias.name for alias in child.names}
        if isinstance(child, (ast.Attribute, ast.Name, ast.Call)):
            reference = _reference(child, bound)
            if reference:
                (kind, head), parts = reference
                if kind == "module":
                    dotted.add(".".join([head, *parts]))
                    imports.add(head)
                elif head in bound:
                    dotted.add(".".join([bound[head], *parts]))
                elif head not in BUILTINS:
                    loose.add((head, ".".join(parts)))
        if isinstance(child, ast.Attribute):
            words.add(child.attr)
        elif isinstance(child, ast.Name):
            words.add(child.id)
        for found in (_bound_at_run_time(child), _subscript_binds(child)):
            if found is None:
                anywhere = True
            else:
                binds |= found
        if isinstance(child, ast.Call) and _called(child) in ("exec", "eval") and child.args \
                and _fold(child.args[0]) is not None:
            code.append(_fold(child.args[0]))
        folded = _fold(child) if isinstance(child, (ast.Constant, ast.BinOp, ast.JoinedStr)) else None
        if folded and id(child) not in docstrings:
            strings.add(folded)
    statement = Statement(index, frozenset(binds), frozenset(uses), frozenset(dotted), frozenset(loose),
                          frozenset(words), frozenset(strings), frozenset(stars), frozenset(imports), anywhere)
    for text in code:  # exec("...") of a constant: its code belongs to this statement
        try:
            inner_bound = bound | aliases([ast.parse(_code(text))])
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            inner_bound = bound
        for inner in _statements(index, *_parsed(index, text), inner_bound):
            statement = _merge(statement, inner)
    return statement


def _merge(outer, inner):
    return Statement(outer.index, *(getattr(outer, f) | getattr(inner, f) for f in
                                    ("binds", "uses", "dotted", "loose", "words", "strings", "stars", "imports")),
                     outer.anywhere or inner.anywhere, outer.unreadable or inner.unreadable)


def _parsed(index, source):
    """(code, tree) of a cell's source, with magics blanked: tree is None when it does not parse but
    compiles (too deep for the ast module: its statements are unreadable), code is None when it
    cannot run at all."""
    code = _code(source)
    try:
        return code, ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        try:
            compile(code, f"cell {index}", "exec")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None, None
        return code, None


def _statements(index, code, tree, bound):
    """The Statements of one cell, parsed by ``_parsed``."""
    if code is None:
        return []  # it cannot run
    if tree is None:
        return [Statement(index, unreadable=TOO_DEEP)]
    lines = code.splitlines()
    statements = []
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        segment = "\n".join(lines[first - 1:node.end_lineno])
        try:
            statements.append(_statement(index, node, segment, bound))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            statements.append(Statement(index, unreadable=TOO_DEEP))
    return statements


def analyse(sources):
    """[Statement] of the code cells given as {position in the notebook: source}. More than
    MAX_CODE_CHARS of code in all is not read: one unreadable statement stands for it."""
    if sum(len(source) for source in sources.values()) > MAX_CODE_CHARS:
        return [Statement(min(sources), unreadable=f"it and the cells after it hold more than the {MAX_CODE_CHARS:,} "
                                                  "characters of code the grader reads")]
    parsed = {index: _parsed(index, source) for index, source in sources.items()}
    bound = aliases([tree for _, tree in parsed.values() if tree is not None])
    return [statement for index, (code, tree) in parsed.items() for statement in _statements(index, code, tree, bound)]


def reach(statements, function):
    """{statement number (its position in ``statements``): the names through which ``function``
    reaches it} for every statement that defines ``function`` (via ()), every statement those reach
    by the global names they use (or name in a string, as ``globals()['helper']`` does), every
    statement that binds names the scan cannot know, and every statement it cannot read."""
    binders = {}
    for number, statement in enumerate(statements):
        for name in statement.binds:
            binders.setdefault(name, []).append(number)
    via = {number: () for number in binders.get(function, [])}
    via |= {number: () if statement.unreadable else (BOUND_AT_RUN_TIME,) for number, statement in enumerate(statements)
            if (statement.unreadable or statement.anywhere and via) and number not in via}
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


def star_modules(statements):
    """The modules the notebook imports * from that count (at most MAX_STAR_MODULES)."""
    return sorted(_union(statements, "stars"))[:MAX_STAR_MODULES]


def names_to_resolve(statements):
    """(names, complete): the dotted names of the notebook that the sandbox should resolve (those
    that come from an import, and ``module.name...`` for the references a star import may
    provide), at most MAX_NAMES; complete is False when there were more."""
    names = _union(statements, "dotted")
    for module in star_modules(statements):
        names |= {".".join(filter(None, (module, head, rest))) for head, rest in _union(statements, "loose")}
    return sorted(names)[:MAX_NAMES], len(names) <= MAX_NAMES


def find_shortcut(statements, forbidden, function, resolved=None):
    """The first forbidden name (in the order of ``forbidden``) that ``function`` reaches, as a
    Shortcut, or None. ``resolved`` maps dotted names of the notebook to the forbidden name whose
    object they denote, as the sandbox found (see names_to_resolve). A reached statement the scan
    cannot read gives a Shortcut with no name."""
    resolved = resolved or {}
    reached = reach(statements, function)
    for number in sorted(reached):
        if statements[number].unreadable:
            return Shortcut("", statements[number].unreadable, statements[number].index, reached[number])
    stars = star_modules(statements)
    for name in forbidden:
        last = name.rsplit(".", 1)[-1]
        provided = [name[len(m) + 1:] for m in stars if name.startswith(m + ".")]
        for number in sorted(reached):
            statement = statements[number]
            for used in sorted(statement.dotted):
                if resolved.get(used) == name or used == name or used.startswith(name + ".") or used.endswith("." + name):
                    return Shortcut(name, used, statement.index, reached[number])
            for head, rest in statement.loose:
                spelled = ".".join(filter(None, (head, rest)))
                if any(spelled == p or spelled.startswith(p + ".") for p in provided) or any(
                        resolved.get(".".join(filter(None, (m, head, rest)))) == name for m in stars):
                    return Shortcut(name, spelled, statement.index, reached[number])
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

