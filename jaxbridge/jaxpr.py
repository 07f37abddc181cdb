"""The jaxpr view: what JAX traced from the user's function, beside minigrad's graph.

``jaxpr(f, *args, of="function" | "jvp" | "grad")`` holds ``jax.make_jaxpr`` of the
function, of its ``jvp`` (unit tangents) or of its ``grad``; ``str()`` is JAX's own
pretty-printed jaxpr and ``to_dot()`` draws it in minigrad's style (one node per
equation, ``d = sub a b``; one edge per variable read).

``align(f, *args)`` puts minigrad's variables beside the jaxpr equations of the same
function (``v4 = v1 - v2`` beside ``d:f64[] = sub a b``).  Inputs are paired with the
jaxpr's invars in order; then each minigrad variable is paired with the first unused
equation whose primitive is one of its JAX counterpart's (``primitives.TABLE[...].jax``,
mapped to ``jax.lax`` primitive names by ``COUNTERPARTS``) and whose variable operands are
the partners of its variable operands (constants on either side are ignored; so are
equations that only change a dtype).  What does not pair, on either side, gets a row with a
blank partner: JAX inserts ``convert_element_type``, wraps library functions in ``jit``,
and folds constants differently.
"""

from __future__ import annotations

import re
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp

from minigrad.explain.table import text_grid

from .device import precision

try:
    from jax.extend.core import Literal
except ImportError:  # pragma: no cover - older JAX
    from jax.core import Literal

OF = ("function", "jvp", "grad")

# minigrad's JAX counterpart (the last name of ``Primitive.jax``, or the primitive's own
# name when the counterpart is a lambda) -> the jax.lax primitives that may compute it.
COUNTERPARTS: dict[str, set[str]] = {
    "add": {"add", "add_any"}, "subtract": {"sub"}, "multiply": {"mul"}, "divide": {"div"},
    "negative": {"neg"}, "power": {"pow", "integer_pow", "square", "sqrt", "rsqrt"},
    "square": {"square", "integer_pow", "mul"}, "sqrt": {"sqrt"},
    "reciprocal": {"div", "integer_pow"}, "exp": {"exp"}, "expm1": {"expm1"}, "log": {"log"},
    "log1p": {"log1p"}, "sin": {"sin"}, "cos": {"cos"}, "tan": {"tan"}, "arctan": {"atan"},
    "sinh": {"sinh"}, "cosh": {"cosh"}, "tanh": {"tanh"}, "sigmoid": {"logistic"},
    "abs": {"abs"}, "logaddexp": {"custom_jvp_call"}, "maximum": {"max"}, "minimum": {"min"},
    "where": {"select_n"},
    "clip": {"clamp", "jit", "pjit"}, "sum": {"reduce_sum"}, "mean": {"reduce_sum"},
    "max": {"reduce_max"}, "min": {"reduce_min"}, "logsumexp": {"reduce_max", "jit", "pjit"},
    "matmul": {"dot_general"}, "transpose": {"transpose"}, "reshape": {"reshape"},
    "broadcast_to": {"broadcast_in_dim"},
    "getitem": {"slice", "squeeze", "gather", "dynamic_slice", "rev"},
    "scatter_add": {"scatter-add", "scatter_add"},
    "astype": {"convert_element_type"},
    "scatter": {"scatter", "scatter-add", "scatter_add", "scatter-mul", "scatter_mul", "scatter-min",
                "scatter_min", "scatter-max", "scatter_max", "mul", "div", "pow"},
    "concatenate": {"concatenate"}, "stack": {"stack", "concatenate"},
    "arcsin": {"asin"}, "arccos": {"acos"}, "arcsinh": {"asinh"}, "arccosh": {"acosh"},
    "arctanh": {"atanh"}, "log2": {"log", "div"}, "log10": {"log", "div"}, "exp2": {"exp2"},
    "sign": {"sign"}, "prod": {"reduce_prod"}, "cumsum": {"cumsum"}, "erf": {"erf"}, "erfc": {"erfc"},
    "einsum": {"dot_general", "jit", "pjit"}, "inv": {"lu", "triangular_solve", "jit", "pjit"},
    "solve": {"lu", "custom_linear_solve", "jit", "pjit"}, "det": {"lu", "jit", "pjit"},
    # det's derivative: JAX writes it as an LU solve (a closed form for 2x2, all inside a jit)
    "cofactor": {"lu", "triangular_solve", "jit", "pjit"},
    "logabsdet": {"lu", "jit", "pjit"}, "cholesky": {"cholesky", "jit", "pjit"},
    "svd": {"svd", "jit", "pjit"}, "name": {"name"},
}
# Equations that stand for their one variable operand: a dtype change, a copy; and per
# counterpart, the trailing equations of its JAX implementation (mean = sum, then divide).
TRANSPARENT = {"convert_element_type", "copy", "copy_p"}
# Equations JAX inserts to fit an operand to its use (NumPy broadcasting is implicit in
# minigrad): looked through when they feed a paired equation, and absorbed into it.
IMPLICIT = {"broadcast_in_dim", "reshape", "squeeze", "convert_element_type"}
TAILS = {"mean": {"div"}, "stack": {"broadcast_in_dim", "reshape"}}
# Counterparts that JAX computes as a run of equations from the operands alone: the
# variable pairs with the last equation of the run that starts at its first primitive.
RUNS = {"logsumexp"}

_TYPE = re.compile(r":[a-z]+[0-9]*\[[^\]]*\]")


def counterpart(prim) -> str:
    """The name of a minigrad primitive's JAX counterpart (``sub`` -> ``subtract``)."""
    return prim.jax.rpartition(".")[2] if isinstance(prim.jax, str) else prim.name


def _is_literal(x) -> bool:
    return isinstance(x, Literal)


class _Printed(NamedTuple):
    invars: list[str]     # "a:f64[]" per invar
    constvars: list[str]  # the same per constvar
    equations: list[str]  # JAX's text of each equation (may span lines: nested jaxprs)


def _plain(closed) -> str:
    """JAX's text of a jaxpr without colour: inside IPython (a notebook) ``str`` adds ANSI
    colour codes, which neither the parser below nor a reader's table wants."""
    return closed.pretty_print(use_color=False)


def _parse(closed) -> _Printed:
    """Split JAX's pretty-printed jaxpr into binders and one text per equation, so every
    view uses exactly the names of ``str(closed)``."""
    text = _plain(closed)
    lines = text.split("\n")
    head = lines[0]
    binders = head[head.index("lambda") + len("lambda"):head.index(". let")]
    consts, _, ins = binders.partition(";")
    eqns: list[list[str]] = []
    for line in lines[1:]:
        if line.startswith("  in ") or line.startswith("  in("):
            break
        if line.startswith("    ") and line[4:5] not in (" ", "]", "}", ")", ""):
            eqns.append([line[4:].rstrip()])
        elif eqns:
            eqns[-1].append(line[4:].rstrip())
    equations = ["\n".join(e) for e in eqns]
    if len(equations) != len(closed.jaxpr.eqns):  # an unexpected layout: JAX's per-equation printer
        from jax._src import core

        ctx, settings = core.JaxprPpContext(), core.JaxprPpSettings()
        for v in list(closed.jaxpr.constvars) + list(closed.jaxpr.invars):
            core.pp_var(v, ctx)
        equations = [core.pp_eqn(e, ctx, settings).format() for e in closed.jaxpr.eqns]
    return _Printed(ins.split(), consts.split(), equations)


def _one_line(eqn, text: str) -> str:
    """An equation on one line: wrapped parameters joined, a nested jaxpr shown by its name
    only (``jit[name=clip] a 0.0:f64[] 1.0:f64[]``)."""
    if "\n" not in text:
        return text
    lines = [line.strip() for line in text.split("\n")]
    if "jaxpr" not in "".join(lines[1:-1]) and not any("{" in line for line in lines[1:-1]):
        return " ".join(lines).replace("[ ", "[").replace(" ]", "]")
    name = eqn.params.get("name")
    inner = f"[name={name}]" if name else "[…]"
    return (lines[0].rstrip("[") + inner + " " + lines[-1].lstrip("]").strip()).rstrip()


def _primitive_of(text: str) -> str:
    """``d:f64[] = integer_pow[y=2] e`` -> ``integer_pow``."""
    rhs = text.split(" = ", 1)[1] if " = " in text else text
    return re.split(r"[\[\s]", rhs.strip(), maxsplit=1)[0]


class JaxprView:
    """``jax.make_jaxpr`` of a function (or of its jvp or grad), as text and as a graph."""

    def __init__(self, closed, name: str = "f", of: str = "function"):
        self.closed_jaxpr = closed
        self.name = name
        self.of = of
        self._printed = _parse(closed)

    @property
    def jaxpr(self):
        return self.closed_jaxpr.jaxpr

    @property
    def eqns(self) -> list:
        return list(self.jaxpr.eqns)

    def __len__(self) -> int:
        return len(self.jaxpr.eqns)

    @property
    def primitives(self) -> list[str]:
        """The primitive name of each equation, in order."""
        return [e.primitive.name for e in self.jaxpr.eqns]

    @property
    def equations(self) -> list[str]:
        """Each equation on one line, as JAX prints it (``d:f64[] = sub a b``)."""
        return [_one_line(e, t) for e, t in zip(self.jaxpr.eqns, self._printed.equations)]

    def __str__(self) -> str:
        return _plain(self.closed_jaxpr)

    def __repr__(self) -> str:
        return f"<jaxpr of {self.name} ({self.of}): {len(self)} equations>"

    def to_dot(self, theme: str = "light", rankdir: str = "LR"):
        """A ``graphviz.Digraph`` in minigrad's style: input nodes (invars, constvars), one
        node per equation labelled ``d = sub a b`` with its type below, an edge from each
        variable an equation reads (labelled with that variable).  Ids are ``in0``, ``c0``,
        ``e0``...: deterministic."""
        import graphviz
        from minigrad.explain.dot import THEMES

        if theme not in THEMES:
            raise ValueError(f"to_dot: unknown theme {theme!r}; use one of {sorted(THEMES)}")
        colors = THEMES[theme]
        dot = graphviz.Digraph(
            name=f"{self.name}_{self.of}",
            graph_attr={"rankdir": rankdir, "bgcolor": colors["bg"], "fontname": "Helvetica"},
            node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica",
                       "fontsize": "14", "color": colors["edge"], "fontcolor": colors["fg"]},
            edge_attr={"color": colors["edge"], "fontcolor": colors["fg"],
                       "fontname": "Helvetica", "fontsize": "12"})
        jaxpr = self.jaxpr
        producer: dict = {}  # jaxpr Var -> (node id, printed name)
        outs = {id(v) for v in jaxpr.outvars if not _is_literal(v)}
        for prefix, vars_, texts, kind in (("c", jaxpr.constvars, self._printed.constvars, "primal"),
                                           ("in", jaxpr.invars, self._printed.invars, "input")):
            for k, (v, text) in enumerate(zip(vars_, texts)):
                name, _, typ = text.partition(":")
                node = f"{prefix}{k}"
                producer[v] = (node, name)
                what = "constant" if prefix == "c" else "input"
                attrs = {"fillcolor": colors[kind]}
                if id(v) in outs:
                    attrs["peripheries"] = "2"
                dot.node(node, f"{name} ({what})\n{typ}", **attrs)
        for i, (eqn, text) in enumerate(zip(jaxpr.eqns, self.equations)):
            node = f"e{i}"
            lhs, _, rhs = text.partition(" = ")
            binders = lhs.split()
            names = [b.partition(":")[0] for b in binders]
            types = [b.partition(":")[2] for b in binders]
            label = f"{' '.join(names)} = {_TYPE.sub('', rhs)}\n{' '.join(types)}"
            is_out = any(id(v) in outs for v in eqn.outvars)
            dot.node(node, label, fillcolor=colors["output" if is_out else "node"])
            for v, name in zip(eqn.outvars, names):
                if type(v).__name__ != "DropVar":
                    producer[v] = (node, name)
            seen = set()
            for v in eqn.invars:
                if _is_literal(v) or v not in producer or v in seen:
                    continue
                seen.add(v)
                tail, name = producer[v]
                dot.edge(tail, node, label=name)
        return dot

    def _repr_svg_(self):  # pragma: no cover - notebooks only
        return self.to_dot()._repr_image_svg_xml()


def _unit_tangents(args):
    return jax.tree_util.tree_map(lambda a: jnp.ones_like(jnp.asarray(a)), args)


def jaxpr(f: Callable, *args, of: str = "function", argnums=0, x64: bool = True) -> JaxprView:
    """``jax.make_jaxpr`` of ``f`` (``of="function"``), of its ``jvp`` with unit tangents
    (``"jvp"``) or of its ``grad`` in ``argnums`` (``"grad"``), traced at ``args``;
    ``x64`` traces in float64 (``jaxbridge.precision``), as minigrad computes."""
    if of not in OF:
        raise ValueError(f"jaxpr: of must be one of {OF}, not {of!r}")
    with precision(x64):
        if of == "function":
            fn = f
        elif of == "jvp":
            tangents = _unit_tangents(args)

            def fn(*primals):
                return jax.jvp(f, primals, tuple(tangents))
        else:
            fn = jax.grad(f, argnums)
        closed = jax.make_jaxpr(fn)(*args)
    return JaxprView(closed, getattr(f, "__name__", "f"), of)


# --------------------------------------------------------------------------- alignment

class AlignRow(NamedTuple):
    """One row: minigrad's variable and expression (None on a jaxpr-only row) and the
    jaxpr equation's text (None where minigrad's variable has no partner)."""

    var: str | None
    expression: str | None
    equation: str | None

    @property
    def primitive(self) -> str | None:
        """The partner equation's primitive name (``sub``); None without a partner."""
        return None if self.equation is None else _primitive_of(self.equation)


class Alignment:
    """minigrad's variables beside the jaxpr's equations; ``str()`` is a two-column table."""

    def __init__(self, rows: list[AlignRow], graph, view: JaxprView):
        self.rows = rows
        self.graph = graph
        self.view = view

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def pairs(self) -> dict[str, str | None]:
        """minigrad variable name -> its partner equation's text (or None)."""
        return {r.var: r.equation for r in self.rows if r.var is not None}

    @property
    def unmatched(self) -> list[AlignRow]:
        """Rows with a blank partner, on either side."""
        return [r for r in self.rows if r.var is None or r.equation is None]

    def _cells(self) -> list[tuple[str, str]]:
        out = []
        for r in self.rows:
            left = "" if r.var is None else f"{r.var} = {r.expression}"
            out.append((left, r.equation or ""))
        return out

    def __str__(self) -> str:
        return text_grid(["minigrad", "jaxpr"], [list(c) for c in self._cells()])

    def __repr__(self) -> str:
        return str(self)

    def to_markdown(self) -> str:
        def cell(s):
            return f"`{s}`".replace("|", "\\|") if s else ""

        lines = ["| minigrad | jaxpr |", "| --- | --- |"]
        lines += [f"| {cell(a)} | {cell(b)} |" for a, b in self._cells()]
        return "\n".join(lines)

    def _repr_markdown_(self):  # pragma: no cover - notebooks only
        return self.to_markdown()


def _run_end(jp, k: int, known: set, constant: set, used: set) -> int:
    """The last of the consecutive equations after ``k`` that read only ``known`` variables
    (the operands and what the run computed so far); marks them used."""
    for j in range(k + 1, len(jp.eqns)):
        eqn = jp.eqns[j]
        reads = [v for v in eqn.invars if not _is_literal(v) and v not in constant]
        if j in used or any(r not in known for r in reads):
            break
        used.add(j)
        known.update(eqn.outvars)
        k = j
    return k


def align(f: Callable, *args, x64: bool = True) -> Alignment:
    """minigrad's trace of ``f(*args)`` beside ``jax.make_jaxpr(f)(*args)``, row by row."""
    import minigrad as mg
    from minigrad import symbolic as S
    from minigrad.explain.table import Symbols

    with precision(x64):
        graph = mg.trace(f, *args)
        view = jaxpr(f, *args, x64=x64)
    syms = Symbols(graph)  # the expressions exactly as minigrad's trace table prints them
    names = syms.names
    exprs = {names[v.index]: S.render(syms.expression(v), "text") for v in graph.variables}
    jp = view.jaxpr
    texts = view.equations

    # jaxpr variables computed from constants alone count as constants
    constant: set = set(jp.constvars)
    for eqn in jp.eqns:
        if all(_is_literal(v) or v in constant for v in eqn.invars):
            constant.update(eqn.outvars)

    owner: dict = {}  # jaxpr Var -> minigrad variable index
    used: set[int] = set()  # equations paired with a variable or absorbed into one

    def claim(var, index, prim_name):
        """``var`` computes minigrad variable ``index``; so does any transparent (or, for
        ``prim_name``'s counterpart, trailing) equation that reads only it."""
        owner[var] = index
        tails = TAILS.get(prim_name, set())
        for k, eqn in enumerate(jp.eqns):
            if k in used or len(eqn.outvars) != 1:
                continue
            reads = [v for v in eqn.invars if not _is_literal(v) and v not in constant]
            if reads == [var] and (eqn.primitive.name in TRANSPARENT or eqn.primitive.name in tails):
                used.add(k)
                claim(eqn.outvars[0], index, prim_name)

    made_by = {out: k for k, eqn in enumerate(jp.eqns) for out in eqn.outvars}

    def resolve(var):
        """``(minigrad index, [implicit equations looked through])`` for a jaxpr variable,
        or None when it is not (a broadcast or reshape of) a paired variable."""
        absorbed = []
        while var not in owner:
            k = made_by.get(var)
            if k is None or k in used or jp.eqns[k].primitive.name not in IMPLICIT:
                return None
            reads = [v for v in jp.eqns[k].invars if not _is_literal(v) and v not in constant]
            if len(reads) != 1:
                return None
            absorbed.append(k)
            var = reads[0]
        return owner[var], absorbed

    partner: dict[int, str] = {}
    eqn_of: dict[int, int] = {}  # minigrad index -> equation index
    for k, (v, var) in enumerate(zip(graph.inputs, jp.invars)):
        partner[v.index] = view._printed.invars[k]
        claim(var, v.index, "")
    for v in graph.variables:
        if v.prim is None:
            continue
        allowed = COUNTERPARTS.get(counterpart(v.prim), {v.prim.name})
        if any(graph.owns(a) and a.index not in partner for a in v.inputs):
            continue  # an operand without a partner: nothing to pair this with
        wanted = [a.index for a in v.inputs if graph.owns(a)]
        for k, eqn in enumerate(jp.eqns):
            if k in used or eqn.primitive.name not in allowed:
                continue
            reads = [v_ for v_ in eqn.invars if not _is_literal(v_) and v_ not in constant]
            resolved = [resolve(r) for r in reads]
            if any(r is None for r in resolved):
                continue
            got = [r[0] for r in resolved]
            if got == wanted or sorted(got) == sorted(wanted):
                used.add(k)
                for _, absorbed in resolved:
                    used.update(absorbed)
                if counterpart(v.prim) in RUNS:
                    k = _run_end(jp, k, set(reads) | set(eqn.outvars), constant, used)
                partner[v.index] = texts[k]
                eqn_of[v.index] = k
                for out in jp.eqns[k].outvars:
                    claim(out, v.index, counterpart(v.prim))
                break

    # merge: jaxpr-only equations go just before the next paired equation (by jaxpr order)
    paired_at = {k: i for i, k in eqn_of.items()}
    rows: list[AlignRow] = []
    pending = [k for k in range(len(jp.eqns)) if k not in paired_at]
    for v in graph.variables:
        k = eqn_of.get(v.index)
        if k is not None:
            while pending and pending[0] < k:
                j = pending.pop(0)
                rows.append(AlignRow(None, None, texts[j]))
        rows.append(AlignRow(names[v.index], exprs[names[v.index]], partner.get(v.index)))
    rows += [AlignRow(None, None, texts[j]) for j in pending]
    return Alignment(rows, graph, view)
