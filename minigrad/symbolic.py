"""Tiny symbolic expressions: how a primitive prints, and its partials, as data.

Each primitive in the table describes its expression (``v4 / v3``) and its symbolic
partials (``-v4 v3^-2``) as small functions over these objects, written with ordinary
Python operators.  The smart constructors simplify the obvious cases (``2 x^1`` is
``2 x``), so one rule prints well for any operands.  Renderers turn an expression into
plain text, LaTeX or HTML; the trace table and the graph writers only call ``render``.
"""

from __future__ import annotations

import math
import re
from numbers import Number

from .explain import escape as E

# Binding strength, loosest first: a child that binds looser than its slot gets parens.
SUM, PRODUCT, PREFIX, APPLY, POWER, ATOM = range(6)

_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi",
    "psi", "omega",
}
# Functions that LaTeX typesets upright with a command of their own.
_LATEX_FUNCS = {"log", "exp", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arctan", "max", "min"}


class Sym:
    """A node of a symbolic expression; operators build (and simplify) bigger ones.

    ``_size`` is the number of nodes the expression prints, a shared sub-expression counted
    at each use: an atom's is 1 (this default), a compound node sets its own when built.
    """

    __slots__ = ()
    prec = ATOM
    _size = 1

    def __add__(self, other):
        return add(self, as_sym(other))

    def __radd__(self, other):
        return add(as_sym(other), self)

    def __sub__(self, other):
        return sub(self, as_sym(other))

    def __rsub__(self, other):
        return sub(as_sym(other), self)

    def __mul__(self, other):
        return mul(self, as_sym(other))

    def __rmul__(self, other):
        return mul(as_sym(other), self)

    def __truediv__(self, other):
        return div(self, as_sym(other))

    def __rtruediv__(self, other):
        return div(as_sym(other), self)

    def __pow__(self, other):
        return power(self, as_sym(other))

    def __neg__(self):
        return neg(self)

    def __eq__(self, other):
        return type(self) is type(other) and self._key() == other._key()

    def __hash__(self):
        return hash((type(self), self._key()))

    def _key(self):
        raise NotImplementedError

    def __str__(self):
        return render(self, "text")

    def __repr__(self):
        return f"Sym({render(self, 'text')!r})"


class Num(Sym):
    """A number, printed compactly (``2``, ``-0.5``, ``1e-08``)."""

    __slots__ = ("value",)

    def __init__(self, value: float):
        self.value = value

    @property
    def prec(self):
        # A negative number reads like a difference: ``(-0.5) v6``, ``a - (-1)``.
        return SUM if self.value < 0 else ATOM

    def _key(self):
        return (self.value,)


class Name(Sym):
    """A named quantity: a variable (``v3``, ``sigma``) or a constant (``pi``)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def _key(self):
        return (self.name,)


class Neg(Sym):
    __slots__ = ("arg", "_size")
    prec = PREFIX

    def __init__(self, arg: Sym):
        self.arg = arg
        self._size = 1 + arg._size

    def _key(self):
        return (self.arg,)


RELATIONS = ("<", "<=", ">", ">=", "==", "!=")  # comparisons: binary, below a sum


class BinOp(Sym):
    """``a + b``, ``a - b``, ``a b`` (product), ``a / b``, ``a^b``, ``a @ b``, or a
    comparison ``a > b`` (one of ``RELATIONS``)."""

    __slots__ = ("op", "a", "b", "spaced", "_size")
    _PREC = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "@": PRODUCT, "^": POWER,
             **{r: SUM - 1 for r in RELATIONS}}

    def __init__(self, op: str, a: Sym, b: Sym, spaced: bool = True):
        self.op, self.a, self.b, self.spaced = op, a, b, spaced
        self._size = 1 + a._size + b._size

    @property
    def prec(self):
        return self._PREC[self.op]

    def _key(self):
        return (self.op, self.a, self.b, self.spaced)


class Call(Sym):
    """A function applied to arguments: ``log v3`` or ``max(v1, v2)``; ``options`` print as k=v."""

    __slots__ = ("fn", "args", "options", "_size")
    prec = APPLY

    def __init__(self, fn: str, *args: Sym, options: tuple = ()):
        self.fn, self.args, self.options = fn, args, options
        self._size = 1 + (args[0]._size if len(args) == 1 else sum([a._size for a in args]))

    def _key(self):
        return (self.fn, self.args, self.options)


class Postfix(Sym):
    """An operand with a suffix: ``v1^T``, ``v2[0:3]``, ``|v1|`` (suffix ``|`` means abs)."""

    __slots__ = ("arg", "suffix", "_size")
    prec = POWER

    def __init__(self, arg: Sym, suffix: str):
        self.arg, self.suffix = arg, suffix
        self._size = 1 + arg._size

    def _key(self):
        return (self.arg, self.suffix)


class Approx(Sym):
    """A folded constant shown with its number: ``0.5 log 2 pi ≈ 0.918939``."""

    __slots__ = ("arg", "value", "_size")
    prec = SUM

    def __init__(self, arg: Sym, value: Sym):
        self.arg, self.value = arg, value
        self._size = 1 + arg._size + value._size

    def _key(self):
        return (self.arg, self.value)


class Accent(Sym):
    """The tangent (``kind="dot"``: v̇5) or adjoint (``kind="bar"``: v̄5) of a named variable."""

    __slots__ = ("name", "kind")

    def __init__(self, name: str, kind: str = "bar"):
        if kind not in ("dot", "bar"):
            raise ValueError(f"accent kind must be 'dot' or 'bar', not {kind!r}")
        self.name, self.kind = name, kind

    def _key(self):
        return (self.name, self.kind)


class Group(Sym):
    """Forced parentheses, as the textbook writes ``(v5)^2`` and ``v9 - (0.5 log 2 pi)``."""

    __slots__ = ("arg", "_size")

    def __init__(self, arg: Sym):
        self.arg = arg
        self._size = 1 + arg._size

    def _key(self):
        return (self.arg,)


ZERO, ONE = Num(0), Num(1)


def as_sym(x) -> Sym:
    """Wrap a Python number as ``Num``; pass ``Sym`` through."""
    if isinstance(x, Sym):
        return x
    if isinstance(x, Number):
        return Num(x)
    raise TypeError(f"cannot use {type(x).__name__} in a symbolic expression")


# A folded constant's expression longer than this many nodes prints as its number: squaring
# a constant n times would otherwise print 2^n factors (issue 13, item 2), and its
# expression's depth, which comparing two expressions walks, stays bounded too.
MAX_CONSTANT_SIZE = 40


class Abbreviated(Num):
    """A folded constant's number, standing for an expression of more than
    ``MAX_CONSTANT_SIZE`` nodes (``graph.Const``).  It counts as too long itself, so that
    constants computed from it are numbers too."""

    __slots__ = ()
    _size = MAX_CONSTANT_SIZE + 1


def _num(x: Sym):
    return x.value if isinstance(x, Num) else None


def add(a: Sym, b: Sym) -> Sym:
    if _num(a) == 0:
        return b
    if _num(b) == 0:
        return a
    if isinstance(a, Num) and isinstance(b, Num):
        return Num(a.value + b.value)
    if a == b:  # d(x x)/dx: the partials of two uses of one variable, v1 + v1, read 2 v1
        return mul(Num(2), a)
    if isinstance(b, Neg):
        return sub(a, b.arg)
    return BinOp("+", a, b)


def sub(a: Sym, b: Sym) -> Sym:
    if _num(b) == 0:
        return a
    if _num(a) == 0:
        return neg(b)
    if isinstance(a, Num) and isinstance(b, Num):
        return Num(a.value - b.value)
    return BinOp("-", a, b)


def mul(a: Sym, b: Sym) -> Sym:
    if _num(a) == 0 or _num(b) == 0:
        return ZERO
    if _num(a) == 1:
        return b
    if _num(b) == 1:
        return a
    if _num(a) == -1:
        return neg(b)
    if _num(b) == -1:
        return neg(a)
    if isinstance(a, Num) and isinstance(b, Num):
        return Num(a.value * b.value)
    if isinstance(a, Neg):
        return neg(mul(a.arg, b))
    if isinstance(b, Neg):
        return neg(mul(a, b.arg))
    return BinOp("*", a, b)


def div(a: Sym, b: Sym, spaced: bool = False) -> Sym:
    if _num(b) == 1:
        return a
    if isinstance(a, Num) and isinstance(b, Num) and b.value != 0:
        return Num(a.value / b.value)
    if isinstance(a, Neg):
        return neg(div(a.arg, b, spaced))
    return BinOp("/", a, b, spaced)


def power(a: Sym, b: Sym) -> Sym:
    if _num(b) == 1:
        return a
    if _num(b) == 0:
        return ONE
    if isinstance(a, Num) and isinstance(b, Num) and a.value > 0:
        return Num(a.value ** b.value)
    return BinOp("^", a, b)


def neg(a: Sym) -> Sym:
    if isinstance(a, Num):
        return Num(-a.value)
    if isinstance(a, Neg):
        return a.arg
    return Neg(a)


def grouped(e: Sym) -> Sym:
    """Parenthesize a compound operand (a folded constant); leave atoms bare."""
    return e if e.prec == ATOM else Group(e)


def call(fn: str, *args, **options) -> Sym:
    return Call(fn, *map(as_sym, args), options=tuple(sorted(options.items())))


# ----------------------------------------------------------------------------- rendering

def _format_number(value) -> str:
    """Integers bare; short decimals as written (``0.5``); long ones to 6 significant digits."""
    v = float(value)
    if math.isfinite(v) and v == int(v) and abs(v) < 1e15:
        return str(int(v))
    text = repr(v)
    return text if len(text) <= 10 else f"{v:.6g}"


def _split_name(name: str):
    """``x12`` -> (``x``, ``12``), ``v-2`` -> (``v``, ``-2``): the index becomes a subscript
    in LaTeX/HTML (the Baydin naming numbers the inputs v-2, v-1, v0)."""
    m = re.fullmatch(r"([A-Za-z]+)_?(-?\d+)", name)
    return (m.group(1), m.group(2)) if m else (name, "")


latex_escape = E.latex_text  # ``text`` safe in LaTeX text mode (``log_sigma`` -> ``log\\_sigma``)


class _Style:
    """How one output format spells each construct.  ``escape`` makes a user-given string
    (a name, a primitive's name, an option) safe in the format (``explain.escape``)."""

    escape = staticmethod(E.plain)

    def name(self, n: str) -> str:
        return self.escape(n)

    def number(self, text: str) -> str:
        return text

    def product(self, a: str, b: str) -> str:
        return f"{a} {b}"

    def times(self, a: str, b: str) -> str:
        """A product written with its sign: ``v1 · 2``, where ``v1 2`` would read as one name."""
        return f"{a} \u00b7 {b}"

    def divide(self, a: str, b: str, spaced: bool) -> str:
        return f"{a} / {b}" if spaced else f"{a}/{b}"

    def power(self, a: str, b: str) -> str:
        return f"{a}^{b}"

    def paren(self, s: str) -> str:
        return f"({s})"

    def func(self, fn: str) -> str:
        return self.escape(fn)

    def abs(self, s: str) -> str:
        return f"|{s}|"

    def text(self, s: str) -> str:
        return s

    def accent(self, base: str, kind: str, sub_: str) -> str:
        mark = "\u0307" if kind == "dot" else "\u0304"  # combining dot above / macron
        return f"{base}{mark}{sub_}"

    def relation(self, op: str) -> str:
        return op

    op_minus = "-"
    approx = "\u2248"
    braces_exponent = False  # text writes ``v1^(v2 - 1)``; LaTeX and HTML group by markup


class _Latex(_Style):
    braces_exponent = True
    escape = staticmethod(E.latex_math)

    def name(self, n):
        base, sub_ = _split_name(n)
        if base in _GREEK:
            base = f"\\{base}"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]+", base):
            base = f"\\mathit{{{latex_escape(base)}}}"  # log_sigma, beta_hat: one word
        else:  # [v1 > v2], params['b0']: as written, with LaTeX's special characters escaped
            base = self.escape(base)
        return f"{base}_{{{sub_}}}" if sub_ else base

    def product(self, a, b):
        return f"{a} \\, {b}"

    def times(self, a, b):
        return f"{a} \\cdot {b}"

    def relation(self, op):
        return {"<=": r"\le", ">=": r"\ge", "==": "=", "!=": r"\ne"}.get(op, op)

    def divide(self, a, b, spaced):
        return f"\\frac{{{a}}}{{{b}}}"

    def power(self, a, b):
        return f"{a}^{{{b}}}"

    def paren(self, s):
        return f"\\left({s}\\right)"

    def func(self, fn):
        return f"\\{fn}" if fn in _LATEX_FUNCS else f"\\operatorname{{{self.escape(fn)}}}"

    def abs(self, s):
        return f"\\left|{s}\\right|"

    def text(self, s):
        return f"\\mathrm{{{s}}}"

    def accent(self, base, kind, sub_):
        core = f"\\{kind}{{{base}}}"
        return f"{core}_{{{sub_}}}" if sub_ else core

    approx = "\\approx"


class _Html(_Style):
    braces_exponent = True
    escape = staticmethod(E.html)
    _ENTITIES = {g: f"&{g};" for g in _GREEK}

    def name(self, n):
        base, sub_ = _split_name(n)
        base = self._ENTITIES.get(base) or self.escape(base)
        return f"{base}<sub>{sub_}</sub>" if sub_ else base

    def number(self, text):
        return text.replace("-", "&minus;")

    def relation(self, op):
        return {"<=": "&le;", ">=": "&ge;", "==": "=", "!=": "&ne;"}.get(op) or self.escape(op)

    def divide(self, a, b, spaced):
        return f"{a} / {b}" if spaced else f"{a}/{b}"

    def times(self, a, b):
        return f"{a} &middot; {b}"

    def power(self, a, b):
        return f"{a}<sup>{b}</sup>"

    def accent(self, base, kind, sub_):
        core = base + ("&#775;" if kind == "dot" else "&#772;")
        return f"{core}<sub>{sub_}</sub>" if sub_ else core

    op_minus = "&minus;"
    approx = "&asymp;"


_STYLES = {"text": _Style(), "latex": _Latex(), "html": _Html()}


def render(expr: Sym, fmt: str = "text") -> str:
    """Render ``expr`` as ``"text"``, ``"latex"`` or ``"html"``."""
    try:
        style = _STYLES[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; use one of {sorted(_STYLES)}") from None
    return _render(expr, style)


def _render(root: Sym, st: _Style) -> str:
    """Render iteratively, children before parents (an explicit stack, not recursion, so
    an expression of any depth prints)."""
    done: list[str] = []  # the rendered children, in order, waiting for their parent
    todo: list = [root]  # a Sym to expand, or (combine, number of children) to reduce
    while todo:
        item = todo.pop()
        if isinstance(item, Sym):
            children, combine = _plan(item, st)
            todo.append((combine, len(children)))
            todo.extend(reversed(children))
        else:
            combine, n = item
            parts = done[len(done) - n:]
            del done[len(done) - n:]
            done.append(combine(parts))
    return done[0]


def _plan(e: Sym, st: _Style):
    """``e``'s children to render first, and how to combine their texts into ``e``'s."""
    def wrap(x: Sym, slot: int, s: str) -> str:
        return st.paren(s) if x.prec < slot else s

    if isinstance(e, Num):
        return (), lambda r: st.number(_format_number(e.value))
    if isinstance(e, Name):
        return (), lambda r: st.name(e.name)
    if isinstance(e, Accent):
        base, sub_ = _split_name(e.name)
        return (), lambda r: st.accent(st.name(base), e.kind, sub_)
    if isinstance(e, Group):
        return (e.arg,), lambda r: st.paren(r[0])
    if isinstance(e, Approx):
        return (e.arg, e.value), lambda r: f"{r[0]} {st.approx} {r[1]}"
    if isinstance(e, Neg):
        return (e.arg,), lambda r: st.op_minus + wrap(e.arg, PRODUCT, r[0])
    if isinstance(e, Postfix):
        if e.suffix == "|":
            return (e.arg,), lambda r: st.abs(r[0])
        if e.suffix == "^T":
            return (e.arg,), lambda r: st.power(wrap(e.arg, ATOM, r[0]), "T")
        return (e.arg,), lambda r: wrap(e.arg, ATOM, r[0]) + st.escape(e.suffix)
    if isinstance(e, Call):
        fn = st.func(e.fn)
        if e.fn == "sqrt" and isinstance(st, _Latex):
            return e.args[:1], lambda r: f"\\sqrt{{{r[0]}}}"
        if len(e.args) == 1 and not e.options:
            return e.args, lambda r: f"{fn} {wrap(e.args[0], PRODUCT, r[0])}"
        options = [st.escape(f"{k}={v}") for k, v in e.options]
        return e.args, lambda r: f"{fn}({', '.join(list(r) + options)})"
    a, b = e.a, e.b
    if e.op == "^":
        def power(r):
            exponent = r[1]
            if not st.braces_exponent and not isinstance(b, (Num, Name)):
                exponent = st.paren(exponent)
            return st.power(wrap(a, ATOM, r[0]), exponent)
        return (a, b), power
    if e.op == "/":
        if isinstance(st, _Latex):
            return (a, b), lambda r: st.divide(r[0], r[1], e.spaced)
        return (a, b), lambda r: st.divide(wrap(a, PRODUCT, r[0]), wrap(b, POWER, r[1]), e.spaced)
    if e.op == "*":
        join = st.times if isinstance(b, Num) else st.product  # a number after a factor: v1 · 2
        return (a, b), lambda r: join(wrap(a, PRODUCT, r[0]), wrap(b, PRODUCT, r[1]))
    if e.op == "@":
        return (a, b), lambda r: f"{wrap(a, PRODUCT, r[0])} @ {wrap(b, PRODUCT + 1, r[1])}"
    if e.op in RELATIONS:
        return (a, b), lambda r: f"{wrap(a, SUM, r[0])} {st.relation(e.op)} {wrap(b, SUM, r[1])}"
    op = "+" if e.op == "+" else st.op_minus
    return (a, b), lambda r: f"{wrap(a, SUM, r[0])} {op} {wrap(b, SUM + 1, r[1])}"
