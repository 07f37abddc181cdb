"""A recorded graph as Python source: one more interpreter of the Wengert list.

The sweeps of ``modes.py`` walk a graph and compute; this module walks the same list and
*writes* what they would compute, one statement per variable, with each primitive's own
implementation from the table: its ``code`` template (``{0} / {1}``), else NumPy's or the
math module's function of the same name, else a call of the entry's implementation by name.
Python floats go through the math module exactly where ``bind`` sends them (every argument
a Python float or int), so a generated program repeats the sweeps' arithmetic bit for bit.

Two users:

* ``Graph.to_python(mode=...)``: the textbook's program, for reading.  The primal
  statements (``v5 = v4 / v3``), then the adjoint statements in reverse order with ``+=``
  per use, or the tangent statements in order, each commented with its table row and rule
  (``# v5 = v4 / v3: dv5/dv3 = -v4 v3^-2``).  The derivative statements are what the sweep
  records when it runs over a replay of the graph (``explain.programs``), so they are the
  rules as the engine applies them.
* ``minigrad.jit``: the straight-line program of a whole traced function (``program_source``).

Safety: no user-given string reaches the source except as a sanitised identifier
(``identifier``) or inside an escaped comment (``comment``); values are Python literals
(``repr`` of numbers) or constants passed in the namespace by name (``c1``, ``c2``...).
"""

from __future__ import annotations

import builtins
import functools
import keyword
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import symbolic as S
from .errors import MinigradError
from .graph import Const, Graph, Variable, concrete

INLINE_DEPTH = 4  # deepest expression made by inlining single-use temporaries


# ----------------------------------------------------------------- names and comments

_RESERVED = {"np", "math", "PRIMITIVES", "GuardError", "inf", "nan"} | set(dir(math)) | set(dir(builtins))
_GENERATED = re.compile(r"[vtc]\d+(_bar|_dot)?|\w*_impl")  # the program's own names (helpers: *_impl)


def identifier(text: str, taken: set[str]) -> str:
    """``text`` as a fresh ASCII identifier (not a keyword, not in ``taken``), added to ``taken``.

    Anything but ASCII letters, digits and ``_`` becomes ``_``, so a name holding a newline,
    a quote or a bracket (``params['W0']``) cannot change the program: ``params__W0__``.
    """
    name = re.sub(r"\W+", "_", str(text), flags=re.ASCII).strip("_") or "x"
    if name[0].isdigit():
        name = "_" + name
    while (keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in taken
           or name in _RESERVED or _GENERATED.fullmatch(name)):
        name += "_"
    taken.add(name)
    return name


def comment(text: str) -> str:
    """``text`` safe inside a ``#`` comment: every character that could end the line (or
    that Python rejects in source) is written as its escape, ``\\n``, ``\\x00``."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in str(text))


# --------------------------------------------------------------------- literals

def _float_literal(x: float, imports: set[str]) -> str:
    if math.isfinite(x):
        return repr(x)
    name = "nan" if math.isnan(x) else "inf"
    imports.add(name)
    return name if x > 0 or name == "nan" else "-inf"


def param_literal(x, imports: set[str]) -> str | None:
    """A parameter (axis, shape, index...) as a Python literal; None if it has none."""
    if x is None or isinstance(x, (bool, np.bool_)):
        return repr(bool(x)) if x is not None else "None"
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    if isinstance(x, (float, np.floating)) and np.ndim(x) == 0:
        return _float_literal(float(x), imports)
    if isinstance(x, str):
        return repr(x)
    if x is Ellipsis:
        return "..."
    if isinstance(x, slice):
        parts = [param_literal(p, imports) for p in (x.start, x.stop, x.step)]
        return None if None in parts else f"slice({', '.join(parts)})"
    if isinstance(x, tuple):
        parts = [param_literal(p, imports) for p in x]
        if None in parts:
            return None
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    return None


def _index_literal(index, imports: set[str]) -> str | None:
    """A subscript as written in Python: ``1:3, ..., None``."""
    items = index if isinstance(index, tuple) else (index,)
    parts = []
    for i in items:
        if isinstance(i, slice):
            ends = [param_literal(p, imports) for p in (i.start, i.stop, i.step)]
            if None in ends:
                return None
            ends = ["" if p is None else e for p, e in zip((i.start, i.stop, i.step), ends)]
            parts.append(":".join(ends[:2] if i.step is None else ends))
        else:
            text = param_literal(i, imports)
            if text is None:
                return None
            parts.append(text)
    if isinstance(index, tuple) and len(items) < 2:
        return parts[0] + "," if items else "()"  # x[1:2,] is x[(slice(1, 2),)]
    return ", ".join(parts)


# ------------------------------------------------------------------------- templates

def _is_plain(args) -> bool:
    """What ``bind`` decides: every argument a Python float or int takes the scalar path."""
    return all(type(a) is float or type(a) is int for a in args)


@functools.lru_cache(maxsize=256)
def _call_form(template: str) -> bool:
    """Whether a template is one call or subscript (needs no parentheses as an operand)."""
    m = re.fullmatch(r"~?[\w.]+(\(.*\)|\[.*\])|\{0\}\[.*\]", template)
    if not m:
        return False
    depth = 0
    body = template[template.index(m.group(1)[0]) if m.group(1) else 0:]
    for k, c in enumerate(body):
        depth += c in "([" and 1 or (-1 if c in ")]" else 0)
        if depth == 0 and k < len(body) - 1 and c in ")]":
            return False
    return True


@dataclass
class _Statement:
    """One expression, to be assigned to a name or inlined where it is used."""

    code: str
    note: str = ""
    atomic: bool = False
    depth: int = 0
    reads: list = field(default_factory=list)  # the named variables it reads


@dataclass
class Writer:
    """Renders operations as Python expressions, and collects what the module needs."""

    imports: set = field(default_factory=set)        # names imported from math
    uses_numpy: bool = False
    numpy_scalars: bool = False                      # Python floats computed as NumPy's too
    guarded: bool = False                            # raises GuardError (to_python's guards)
    helpers: dict = field(default_factory=dict)      # name -> (entry name, attribute)
    constants: dict = field(default_factory=dict)    # name -> value
    constant_notes: dict = field(default_factory=dict)
    _constant_ids: dict = field(default_factory=dict)
    _templates: dict = field(default_factory=dict)  # (primitive, path) -> (template, atomic)

    def constant(self, x) -> str:
        """A value of the program that is not a variable: a literal, or a named constant."""
        if type(x) is float or type(x) is Const:
            return _float_literal(float(x), self.imports)
        if type(x) is int or type(x) is bool or x is None:
            return repr(x)
        key = id(x)
        if key in self._constant_ids:
            return self._constant_ids[key][0]
        name = f"c{len(self.constants) + 1}"
        # an array is copied: the program's constant is its value at trace time, as the
        # values folded from it are (JAX's jit does the same), whatever the caller does later
        self.constants[name] = x.copy() if type(x) is np.ndarray else x
        self._constant_ids[key] = (name, x)  # (the value, kept: its id stays unique)
        shape = np.shape(x) if not isinstance(x, tuple) else ()  # (a tuple: an index of arrays)
        what = f"{np.asarray(x).dtype} array of shape {shape}" if shape else f"{type(x).__name__} {x!r}"
        self.constant_notes[name] = what
        return name

    def template(self, prim, args) -> tuple[str, bool]:
        """The expression template for ``prim`` on these argument values, and whether it
        is a call (atomic as an operand)."""
        plain = _is_plain(args) and not self.numpy_scalars
        key = (prim, plain, plain and any(type(a) is float for a in args))
        found = self._templates.get(key)
        if found is None:
            found = self._templates[key] = self._template(*key)
        return found

    def _template(self, prim, plain: bool, some_float: bool) -> tuple[str, bool]:
        if plain:
            if prim.scalar_code and some_float:
                code = prim.scalar_code
                for fn in re.findall(r"\b(\w+)\(", code):
                    if getattr(math, fn, None) is not None:
                        self.imports.add(fn)
                return code, _call_form(code)
            if prim.scalar is not prim.impl:
                fn = prim.scalar
                if getattr(math, getattr(fn, "__name__", ""), None) is fn:
                    self.imports.add(fn.__name__)
                    return f"{fn.__name__}({{args}})", True
                return self._helper(prim, "scalar"), True
        if prim.code:
            if "np." in prim.code:
                self.uses_numpy = True
            return prim.code, _call_form(prim.code)
        fn = prim.impl
        name = getattr(fn, "__name__", "")
        if getattr(np, name, None) is fn:
            self.uses_numpy = True
            return f"np.{name}({{args}})", True
        return self._helper(prim, "impl"), True

    def _helper(self, prim, attribute: str) -> str:
        """A call of ``prim``'s implementation through a name bound in the header, ending in
        ``_impl`` (which no parameter or program name does, see ``identifier``), and one of
        its own per entry: two user entries may share a name (``mg.primitive`` in a factory)."""
        fn = getattr(prim, attribute)
        for name, (_, _, bound) in self.helpers.items():
            if bound is fn:
                return f"{name}({{args}}{{_kwargs}})"
        base = re.sub(r"\W", "_", prim.name if attribute == "impl" else f"{prim.name}_scalar",
                      flags=re.ASCII)
        name, k = f"{base}_impl", 1
        while name in self.helpers:
            k += 1
            name = f"{base}_{k}_impl"
        self.helpers[name] = (prim.name, attribute, fn)
        return f"{name}({{args}}{{_kwargs}})"

    def expression(self, v: Variable, operands: list[tuple[str, bool]]) -> tuple[str, bool]:
        """The expression of variable ``v``, given its operands (text, and whether atomic)."""
        code, atomic = self.template(v.prim, v.args)
        in_call = atomic and not code.endswith("]")  # any expression fits between a call's commas
        operands = [text if ok or in_call else f"({text})" for text, ok in operands]
        params = {}
        for k, value in v.params.items():
            text = _index_literal(value, self.imports) if k == "index" and "[{index}]" in code \
                else param_literal(value, self.imports)
            params[k] = self.constant(value) if text is None else text
        kwargs = "".join(f", {k}={t}" for k, t in params.items())
        try:
            return code.format(*operands, args=", ".join(operands), _kwargs=kwargs, **params), atomic
        except (IndexError, KeyError, TypeError):  # a template that does not fit: the implementation
            code = self._helper(v.prim, "impl")
            return code.format(args=", ".join(operands), _kwargs=kwargs), True

    def header(self) -> list[str]:
        """The module's imports and helper bindings, and what each named constant is."""
        lines = []
        if self.uses_numpy:
            lines.append("import numpy as np")
        if self.imports:
            lines.append("from math import " + ", ".join(sorted(self.imports)))
        if self.helpers or self.guarded:
            lines.append("from minigrad import " + ", ".join(
                (["GuardError"] if self.guarded else []) + (["PRIMITIVES"] if self.helpers else [])))
        for name, (entry, attribute, fn) in sorted(self.helpers.items()):
            prim = _table().get(entry)
            if prim is None or getattr(prim, attribute) is not fn:  # not minigrad's own entry:
                # a user's (custom_jvp, mg.primitive), or an operation without a derivative
                lines.append(f"# {name}: {comment(entry)}'s {attribute} (passed in by name)")
                self.constants[name] = fn
                continue
            lines.append(f"{name} = PRIMITIVES[{entry!r}].{attribute}")
        for name, what in self.constant_notes.items():
            lines.append(f"# {name}: {comment(what)}, a constant captured when the function was traced")
        return lines


def _table() -> dict:
    from .primitives import TABLE

    return TABLE


# ------------------------------------------------------------------------ the source

class Source(str):
    """Python source of a module defining one function (``name``); ``namespace`` holds the
    named constants it refers to (``c1``...).  ``compile()`` returns the function.

    ``fallback``, if set, writes the same program computing on NumPy scalars: where this
    one's Python arithmetic raises (``1.0 / 0.0``, ``math.pow(-4.0, 0.5)``) the compiled
    function runs that instead (written then, once) and returns NumPy's inf or nan, as the
    eager engine does."""

    name: str
    namespace: dict
    fallback: "Callable[[], Source] | None"

    def __new__(cls, text: str, name: str, namespace: dict, fallback: "Callable[[], Source] | None" = None):
        self = super().__new__(cls, text)
        self.name, self.namespace, self.fallback = name, namespace, fallback
        return self

    def compile(self) -> Callable:
        scope = dict(self.namespace)
        exec(compile(str(self), f"<minigrad generated: {self.name}>", "exec"), scope)
        program = scope[self.name]
        if self.fallback is None:
            return program
        on_numpy: list = []

        @functools.wraps(program)
        def run(*args):
            try:
                return program(*args)
            except (ZeroDivisionError, ValueError, OverflowError) as e:
                if isinstance(e, MinigradError):  # a guard, not arithmetic
                    raise
                if not on_numpy:
                    on_numpy.append(self.fallback().compile())
                with np.errstate(all="ignore"):
                    return on_numpy[0](*[np.float64(a) if type(a) is float else a for a in args])

        return run


def _module(writer: Writer, name: str, params: list[str], body: list[str], doc: str) -> Source:
    lines = writer.header()
    if lines:
        lines.append("")
        lines.append("")
    lines.append(f"def {name}({', '.join(params)}):")
    lines.append(f"    # {comment(doc)}")
    lines += [("    " + line).rstrip() for line in body]
    return Source("\n".join(lines) + "\n", name, dict(writer.constants))


def _returned(tree, render: Callable) -> str:
    """A pytree of values as a Python expression (dict keys as repr literals)."""
    if isinstance(tree, dict):
        return "{" + ", ".join(f"{k!r}: {_returned(tree[k], render)}" for k in sorted(tree)) + "}"
    if isinstance(tree, (tuple, list)) and not hasattr(tree, "_fields"):
        items = [_returned(t, render) for t in tree]
        if isinstance(tree, list):
            return "[" + ", ".join(items) + "]"
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    return render(tree)


class _Lines:
    """Statements of a straight-line program, with single-use temporaries inlined.

    ``named(p)`` is the expression that stands for program value ``p`` where it is used:
    its variable's name, its inlined expression, or a constant.
    """

    def __init__(self, graph: Graph, writer: Writer, inline: Callable[[Variable], bool],
                 temporaries: bool = False, release: dict[int, int] | None = None,
                 same: dict | None = None, guards: dict[int, list[str]] | None = None):
        self.graph, self.writer, self.inline = graph, writer, inline
        self.guards = guards or {}  # a variable's index -> its guards: (test, what it checks, action)
        self.same = same or {}  # a variable's index -> the earlier one computing the same
        self.temporaries = temporaries  # name the unnamed t1, t2... (else v + the index)
        self.release = release  # uses of each variable: big arrays are deleted after the last
        self._read: dict[int, int] = {}
        self.names: dict[int, str] = {}      # variable index -> name
        self.inlined: dict[int, _Statement] = {}
        self.body: list[str] = []
        self.temps = 0
        self._aliases: dict[int, tuple[str, object]] = {}  # id of a constant -> (name, it)

    def alias(self, x, name: str) -> None:
        """From now on ``x`` (a variable or a constant object) is read as ``name``."""
        if self.graph.owns(x):
            self.names[x.index] = name
        elif x is not None:
            self._aliases[id(x)] = (name, x)

    def operand(self, x) -> tuple[str, bool, int, list]:
        """How ``x`` is read where it is used: its text, whether it is atomic, its depth of
        inlining, and the named variables the text reads (an inlined expression's own)."""
        if type(x) is Variable and x.trace is self.graph._trace:
            x = self.same.get(x.index, x)
            st = self.inlined.pop(x.index, None)
            if st is not None:
                return st.code, st.atomic, st.depth, st.reads
            return self.names[x.index], True, 0, [x]
        if id(x) in self._aliases:
            return self._aliases[id(x)][0], True, 0, []
        return self.writer.constant(x), True, 0, []

    def render(self, v: Variable) -> _Statement:
        parts, depth, reads, notes = [], 0, [], []
        for x in v.inputs:
            text, atomic, d, read = self.operand(x)
            parts.append((text, atomic))
            depth = max(depth, d)
            reads += read
            if type(x) is Const and not isinstance(x.sym, S.Num):
                notes.append(S.render(x.sym))
        code, atomic = self.writer.expression(v, parts)
        return _Statement(code, "; ".join(notes), atomic, depth + 1, reads)

    def emit(self, v: Variable, name: str | None = None) -> None:
        """Write ``name = <expression of v>``, or keep the expression to inline (name None)."""
        st = self.render(v)
        guarded = v.index in self.guards
        if name is None and self.inline(v) and st.depth < INLINE_DEPTH and not st.note and not guarded:
            self.inlined[v.index] = st
            return
        if name is None:
            self.temps += 1
            name = f"t{self.temps}" if self.temporaries else f"v{v.index + 1}"
        self.names[v.index] = name
        self.line(f"{name} = {st.code}", st.note)
        if self.release is not None:
            self._free(st.reads)
        if guarded:
            self.check(v)

    def check(self, v: Variable) -> None:
        """The guards on ``v`` (a decision's variable), written where its value is known."""
        name = self.names[v.index]
        for test, text, action in self.guards.pop(v.index):
            self.body += [f"if {test.replace('{0}', name)}:  # {comment(text)}", f"    {action}"]

    def _free(self, reads: list) -> None:
        """``del`` the big intermediate arrays read for the last time: NumPy can reuse their
        memory at once, where a local would hold it until the program returns."""
        done = []
        for x in reads:
            k = x.index
            self._read[k] = self._read.get(k, 0) + 1
            if self._read[k] == self.release.get(k) and x.prim is not None \
                    and type(x.value) is np.ndarray and x.value.size >= 1024:
                done.append(self.names[k])
        if done:
            self.body.append("del " + ", ".join(done))

    def line(self, code: str, note: str = "") -> None:
        self.body.append(f"{code}  # {comment(note)}" if note else code)


def _repeats(graph: Graph) -> dict:
    """Variables computing what an earlier one computes (the same operation on the same
    operands), each mapped to that one: ``jacfwd`` sweeps once per column, and every sweep
    records ``cos x`` again.  Operations are pure, so the program computes each once.  A
    reshape of an array back to a shape it had (``reshape(reshape(y, (1, n)), (n,))``, as
    Jacobians are assembled) is mapped to that array: reshapes keep the elements' order."""
    same: dict[int, Variable] = {}
    seen: dict = {}
    trace = graph._trace
    reshape = _table()["reshape"]
    for v in graph.variables:
        prim = v.prim
        if prim is None:
            continue
        if prim is reshape and type(v.value) is np.ndarray:
            x = v.inputs[0]
            while type(x) is Variable and x.trace is trace:
                x = same.get(x.index, x)
                if type(x.value) is np.ndarray and x.value.shape == v.value.shape:
                    same[v.index] = x
                    break
                if x.prim is not reshape:
                    break
                x = x.inputs[0]
            if v.index in same:
                continue
        key = [prim]  # the operation, its operands (a variable's index, a constant's id)...
        for x in v.inputs:
            if type(x) is Variable and x.trace is trace:
                first = same.get(x.index)
                key.append(x.index if first is None else first.index)
            else:
                key.append(("c", id(x)))
        if v.params:  # ...and its parameters
            key.append(tuple(sorted(v.params.items())))
        key = tuple(key)
        try:
            first = seen.setdefault(key, v)
        except TypeError:  # a parameter that cannot be hashed (an index array): kept as it is
            continue
        if first is not v:
            same[v.index] = first
    return same


def _live(graph: Graph, outputs, same: dict) -> list[bool]:
    """Which variables the outputs depend on (a gradient does not need the loss's value)."""
    live = [False] * len(graph.variables)
    for o in outputs:
        if graph.owns(o):
            live[same.get(o.index, o).index] = True
    for v in reversed(graph.variables):
        if live[v.index]:
            for x in v.inputs:
                if type(x) is Variable and graph.owns(x):
                    live[same.get(x.index, x).index] = True
    return live


def _uses(graph: Graph, extra=(), live=None, same: dict | None = None) -> dict[int, int]:
    same = same or {}
    counts: dict[int, int] = {}
    for v in graph.variables:
        if live is not None and not live[v.index]:
            continue
        for x in v.inputs:
            if graph.owns(x):
                k = same.get(x.index, x).index
                counts[k] = counts.get(k, 0) + 1
    for x in extra:
        if graph.owns(x):
            k = same.get(x.index, x).index
            counts[k] = counts.get(k, 0) + 2  # an output is never inlined
    return counts


# ------------------------------------------------------------------------ the guards

def _failed(d) -> str:
    """The Python test that ``d`` goes the other way, on the name ``{0}`` of its variable."""
    if d.branches is not None:
        return f"min(max(int({{0}}), 0), {d.branches - 1}) != {d.taken!r}"
    return "not {0}" if d.taken else "{0}"


def guards(graph: Graph, index_of: Callable, action: Callable[[str], str]) -> dict[int, list]:
    """Per program variable (``index_of(decision)``), the checks of ``graph``'s decisions on
    it: (the test that it went the other way, the decision's text, the statement to run
    then, ``action(text)``).  A decision made twice is checked once."""
    from .explain.table import Symbols, decision_text

    syms = Symbols(graph)
    found: dict[int, list] = {}
    seen = set()
    for d in graph.decisions:
        k = index_of(d)
        if (k, d.taken) not in seen:
            seen.add((k, d.taken))
            text = decision_text(syms, d)
            found.setdefault(k, []).append((_failed(d), text, action(text)))
    return found


# ------------------------------------------------------------------ jit's programs

def program_source(graph: Graph, inputs: list[Variable], outputs: list, name: str = "f") -> Source:
    """The straight-line program of a traced function: ``inputs`` (variables of ``graph``,
    in order) in, the flat list ``outputs`` (variables or constants) out, as a tuple.
    It checks the graph's decisions as soon as each is computed, and returns None where
    one goes the other way (``mg.jit`` then traces that branch)."""
    writer = Writer()
    same = _repeats(graph)
    deciding = [d.variable for d in graph.decisions]
    live = _live(graph, list(outputs) + deciding, same)
    uses = _uses(graph, list(outputs) + deciding, live, same)
    checks = guards(graph, lambda d: same.get(d.variable.index, d.variable).index,
                    lambda text: "return None")
    lines = _Lines(graph, writer, lambda v: uses.get(v.index, 0) == 1, release=uses, same=same,
                   guards=checks)
    taken: set[str] = set()
    params = []
    for v in inputs:
        params.append(identifier(v.name or f"x{len(params) + 1}", taken))
        lines.names[v.index] = params[-1]
        if v.index in checks:
            lines.check(v)
    for v in graph.variables:
        if v.prim is not None and live[v.index]:
            lines.emit(v)
    rendered = []
    for o in outputs:  # one array returned twice (x * 2 and x * 2 are computed once) is copied
        text = lines.operand(o)[0] if graph.owns(o) else writer.constant(o)
        repeated = text in rendered and type(concrete(o)) is np.ndarray
        rendered.append(f"{text}.copy()" if repeated else text)
    lines.body.append("return (" + ", ".join(rendered) + ("," if len(rendered) == 1 else "") + ")")
    doc = (f"the program of {graph.name} as traced: {sum(live)} of its {len(graph.variables)} "
           f"variables (the others repeat one or are not needed for the result)")
    return _module(writer, identifier(name, set()), params, lines.body, doc)


# ------------------------------------------------------------- the readable programs

def to_python(graph: Graph, mode: str | None = None, wrt=None) -> Source:
    """The source of a function computing ``graph`` (``mode=None``: its outputs), its
    adjoints (``"reverse"``: the gradient, one input's adjoint or a tuple, as
    ``backward_graph``) or its tangents along ``wrt`` (``"forward"``: as ``forward_graph``).
    """
    if mode not in (None, "forward", "reverse"):
        raise ValueError(f"to_python: mode must be None, 'forward' or 'reverse', not {mode!r}")
    if mode is None:
        return _with_fallback(_primal_source(graph, Writer()),
                              lambda: _primal_source(graph, Writer(numpy_scalars=True)))
    from .explain.programs import _sweep_program
    from .explain.table import _forward_seeds, _output

    if mode == "reverse":
        seeds = {_output(graph, "to_python(mode='reverse')").index: float("1")}  # (an object of its own)
    else:
        seeds = _forward_seeds(graph, wrt)
    from .primitives import record_decisions

    with record_decisions():  # rules that choose by value (abs, max...) choose in the program
        program = _sweep_program(graph, "backward" if mode == "reverse" else "forward", seeds)
    return _with_fallback(_sweep_source(graph, program, mode, seeds, Writer()),
                          lambda: _sweep_source(graph, program, mode, seeds, Writer(numpy_scalars=True)))


def _input_names(graph: Graph) -> list[str]:
    taken: set[str] = set()
    return [identifier(v.name or f"x{k + 1}", taken) for k, v in enumerate(graph.inputs)]


def _refusal(graph: Graph, writer: Writer) -> Callable[[str], str]:
    """to_python's action where a decision goes the other way: a one-line GuardError."""
    def action(text: str) -> str:
        writer.guarded = True
        return "raise GuardError(" + repr(
            f"{comment(graph.name)}: this program holds where {text}, not at these inputs. "
            f"Fix: trace again at them (mg.trace), or use mg.jit, which traces each branch "
            f"it meets.") + ")"

    return action


def _primal_source(graph: Graph, writer: Writer) -> Source:
    """The primal program, one statement per variable, written by ``writer``."""
    lines = _Lines(graph, writer, lambda v: False,
                   guards=guards(graph, lambda d: d.variable.index, _refusal(graph, writer)))
    params = _input_names(graph)
    position = {v.index: k for k, v in enumerate(graph.inputs)}
    for v in graph.variables:
        if v.prim is None:
            lines.names[v.index] = f"v{v.index + 1}"
            lines.line(f"v{v.index + 1} = {params[position[v.index]]}")
            if v.index in lines.guards:
                lines.check(v)
        else:
            lines.emit(v)
    lines.line("return " + _returned(graph.outputs, lambda o: lines.operand(o)[0]))
    return _module(writer, identifier(graph.name, set()), params, lines.body,
                   f"{graph.name}: one statement per variable of its trace")


def _with_fallback(readable: Source, numeric: Callable[[], Source]) -> Source:
    """``readable`` with the program ``numeric`` writes (on NumPy scalars) as its fallback."""
    return Source(str(readable), readable.name, readable.namespace, numeric)


def _sweep_source(graph: Graph, program, mode: str, seeds: dict, writer: Writer) -> Source:
    """The primal replay, then the sweep's contributions, from the recorded ``program``,
    written by ``writer``."""
    from .explain.table import Symbols, derivative

    reverse = mode == "reverse"
    suffix = "_bar" if reverse else "_dot"
    syms = Symbols(graph)
    own = program.owns
    primal = {p.index: k for k, p in program.primal_of.items() if own(p)}
    final = {p.index: k for k, p in program.derivative_of.items() if own(p)}
    adds: dict[int, list] = {}  # id of a contribution -> the additions of it, in order
    for v in program.variables:
        if v.prim is not None and v.prim.name == "add" and len(v.inputs) == 2:
            adds.setdefault(id(v.inputs[1]), []).append(v)
    uses = _uses(program)
    checks = guards(graph, lambda d: program.primal_of[d.variable.index].index, _refusal(graph, writer))
    lines = _Lines(program, writer, lambda v: uses.get(v.index, 0) == 1 and v.index not in primal
                   and v.index not in final, temporaries=True, guards=checks)
    params = _input_names(graph)
    position = {v.index: k for k, v in enumerate(graph.inputs)}
    for v in program.variables:  # the primal replay comes first in the program
        if v.index in primal:
            k = primal[v.index]
            if v.prim is None:
                lines.names[v.index] = f"v{k + 1}"
                lines.line(f"v{k + 1} = {params[position[k]]}")
                if v.index in checks:
                    lines.check(v)
            else:
                lines.emit(v, f"v{k + 1}")
    done = max(primal, default=-1)
    lines.line("")
    lines.line(f"# the {'adjoint' if reverse else 'tangent'} sweep")
    running: dict[int, Any] = {}
    for k, seed in seeds.items():
        lines.line(f"v{k + 1}{suffix} = {writer.constant(seed)}", "seed")
        running[k] = seed
        lines.alias(seed, f"v{k + 1}{suffix}")
    for c in program.contributions:
        active = c.source if reverse else c.target
        v = graph.variables[active]
        operand = v.inputs[c.position]
        carried = c.source  # whose derivative the rule reads: final by now
        if carried in program.derivative_of:
            lines.alias(program.derivative_of[carried], f"v{carried + 1}{suffix}")
        partial = syms.partial(v, c.position)
        rule = (f"{derivative(syms.names[v.index], syms.names[operand.index])} = "
                f"{'?' if partial is None else S.render(partial)}")
        lines.line(f"# {comment(f'{syms.names[v.index]} = {S.render(syms.expression(v))}: {rule}')}")
        name = f"v{c.target + 1}{suffix}"
        previous = running.get(c.target)
        add = None if previous is None else _addition(adds.get(id(c.value), []), previous, own)
        last = max([p.index for p in (add, c.value) if own(p)] + [done])
        value_owned = own(c.value) and c.value.index > done
        for p in program.variables[done + 1:last + 1]:
            if p is add or (p is c.value and (previous is None or uses.get(p.index, 0) <= 1)):
                continue
            lines.emit(p, f"v{final[p.index] + 1}{suffix}" if p.index in final and p is not c.value else None)
        done = max(done, last)
        if value_owned and c.value.index not in lines.names:
            value = lines.render(c.value).code
        else:
            value = lines.operand(c.value)[0]
        if previous is None:
            lines.line(f"{name} = {value}")
            running[c.target] = c.value
        else:
            is_float = type(c.value.value if own(c.value) else c.value) is float and \
                type(previous.value if own(previous) else previous) is float
            # arrays: a new array, never an update in place of one that another name holds
            lines.line(f"{name} += {value}" if is_float else f"{name} = {name} + {value}")
            running[c.target] = add if add is not None else previous + c.value
        lines.alias(running[c.target], name)
    for p in program.variables[done + 1:]:  # tangents broadcast to their variable's shape
        lines.emit(p, f"v{final[p.index] + 1}{suffix}" if p.index in final else None)
    lines.line("")

    def derivative_name(v) -> str:  # the final adjoint or tangent of v, or a zero
        if graph.owns(v) and v.index in program.derivative_of:
            return f"v{v.index + 1}{suffix}"
        return writer.constant(zeros_like(v.value if graph.owns(v) else v))

    if reverse:
        names = [derivative_name(v) for v in graph.inputs]
        returned = names[0] if len(names) == 1 else "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"
    else:
        returned = _returned(graph.outputs, derivative_name)
    lines.line("return " + returned)
    what = "adjoint" if reverse else "tangent"
    from .explain.table import seed_direction

    direction = None if reverse else seed_direction(graph, seeds)  # an array seeded whole
    doc = f"{graph.name} and its {what}s, statement by statement" + (f" (seeds: {direction})" if direction else "")
    return _module(writer, identifier(f"{graph.name}_{what}", set()), params, lines.body, doc)


def _addition(candidates: list, previous, own: Callable):
    """Which recorded ``previous + contribution`` this is: the first not yet taken whose left
    operand is ``previous`` (a variable) or a constant (where the totals so far folded)."""
    for k, v in enumerate(candidates):
        left = v.inputs[0]
        if left is previous or (not own(left) and not own(previous)):
            return candidates.pop(k)
    return None


def zeros_like(x):
    from .transforms import zeros_like as zeros

    return zeros(x)
