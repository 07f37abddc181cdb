"""Hypothesis strategies for testing derivatives: points in a domain, shapes, random programs.

``programs()`` draws small random expression DAGs over minigrad's primitive table: each
operation may reuse any earlier node (shared subexpressions, fan-out), and every
operation's operands are guarded into its domain by smooth transformations (``log`` of
``x*x + 1``, ``sqrt`` of ``x*x + 0.5``, division by ``x*x + 1``, ``tan`` of a bounded value,
powers of a positive base, ``abs``/``maximum`` offset away from their kinks), so a drawn
program is smooth everywhere and its derivatives are well conditioned.

A drawn :class:`Program` is written only with Python operators and ``minigrad.numpy``, so
it runs on plain NumPy values, under minigrad's transformations and under JAX's.  Its
``repr`` is its Python source: hypothesis shrinks a failing program to a minimal one and
prints it.

    from hypothesis import given, note
    from minigrad.testing import programs

    @given(programs(max_ops=6))
    def test_something(prog):
        note(prog.table())          # minigrad's trace table, printed on failure
        value = prog(*prog.inputs)  # the function at its drawn point
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad.numpy as mnp
from minigrad.primitives import Primitive

__all__ = ["DOMAINS", "points", "broadcastable_shapes", "programs", "Program", "Op", "OPS",
           "primitive_op", "branching_programs", "BranchingProgram", "FEATURES", "LINALG_FORMS"]

# ------------------------------------------------------------------------------- points

DOMAINS: dict[str, Callable[[], st.SearchStrategy[float]]] = {
    "real": lambda: st.floats(-3.0, 3.0),
    "positive": lambda: st.floats(0.1, 4.0),
    "nonnegative": lambda: st.floats(0.0, 4.0),
    "unit": lambda: st.floats(-1.0, 1.0, exclude_min=True, exclude_max=True),
    "away_from_zero": lambda: st.one_of(st.floats(-3.0, -0.3), st.floats(0.3, 3.0)),
    "small": lambda: st.floats(-1.0, 1.0),
}


def points(domain: str = "real", shape: tuple | st.SearchStrategy | None = None) -> st.SearchStrategy:
    """Float64 values in a primitive's domain: Python floats, or arrays when ``shape`` is given.

    Domains: ``"real"`` [-3, 3], ``"positive"`` [0.1, 4], ``"nonnegative"`` [0, 4],
    ``"unit"`` (-1, 1), ``"away_from_zero"`` 0.3 <= |x| <= 3, ``"small"`` [-1, 1].
    """
    if domain not in DOMAINS:
        raise ValueError(f"points: unknown domain {domain!r}; choose one of {sorted(DOMAINS)}")
    elements = DOMAINS[domain]()
    if shape is None or shape == ():
        return elements
    return hnp.arrays(np.float64, shape, elements=elements)


def broadcastable_shapes(n: int, *, min_dims: int = 0, max_dims: int = 2,
                         min_side: int = 1, max_side: int = 3) -> st.SearchStrategy[tuple]:
    """``n`` shapes that broadcast together (a tuple of tuples)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side,
    ).map(lambda b: tuple(b.input_shapes))


# ----------------------------------------------------------------------------- programs

BIG = 4.0  # operands larger than this in magnitude are squashed through tanh


@dataclass(frozen=True)
class Op:
    """One kind of program line: ``render(operands, params)`` gives its Python expression."""

    name: str
    arity: int
    render: Callable[..., str]
    grows: bool = False          # may square magnitudes (informational)
    arrays_only: bool = False    # needs an operand with at least one axis
    params: Callable | None = None  # (draw, operand shapes) -> dict of parameters
    entry: object = None  # a user's table entry (mg.primitive, mg.custom_jvp), called by name


# How an operand is brought into a domain of ``points`` before a user's entry is applied.
_GUARDS = {"real": "{a}", "small": "mnp.tanh({a})", "unit": "0.9 * mnp.tanh({a})",
           "positive": "({a} * {a} + 0.5)", "nonnegative": "({a} * {a})",
           "away_from_zero": "({a} * {a} + 0.5)"}


def primitive_op(entry, domain: str = "real") -> Op:
    """A program line applying a user's entry (``mg.primitive``, ``mg.custom_jvp`` or
    ``custom_vjp``) to operands guarded into ``domain``, so that ``programs(primitives=...)``
    mixes it with the built-in operations as it mixes those."""
    if domain not in _GUARDS:
        raise ValueError(f"primitive_op: unknown domain {domain!r}; choose one of {sorted(_GUARDS)}")
    if isinstance(entry, Primitive):
        name, arity = entry.name, len(entry.jvp)
    else:
        name, arity = entry.__name__, len(inspect.signature(entry).parameters)
    guard = _GUARDS[domain]
    return Op(name, arity, lambda *a: f"{name}({', '.join(guard.format(a=x) for x in a)})",
              entry=entry)


def _lit(x: float) -> str:
    return repr(float(x))


def _array_lit(a: np.ndarray) -> str:
    return f"mnp.array({np.asarray(a).tolist()!r})"


def _axis_param(draw, shapes):
    return {"axis": draw(st.integers(0, len(shapes[0]) - 1))}


def _offsets_param(draw, shapes):
    shape = shapes[0]
    axis = draw(st.integers(0, len(shape) - 1))
    kept = [1] * len(shape)
    kept[axis] = shape[axis]
    # tanh(a) is in (-1, 1), so steps of 3 make the maximum (minimum) unique and far from a tie
    offsets = np.reshape(3.0 * np.arange(shape[axis]), kept)
    if draw(st.booleans()):
        offsets = -offsets
    return {"axis": axis, "offsets": _array_lit(offsets)}


def _matrix_param(draw, shapes):
    d = shapes[0][-1]
    entries = draw(st.lists(st.integers(-10, 10), min_size=d * d, max_size=d * d))
    return {"matrix": _array_lit(np.reshape(np.array(entries, dtype=float) / 10, (d, d)))}


def _mask_param(draw, shapes):
    shape = np.broadcast_shapes(*shapes)
    if shape == ():
        return {"mask": repr(draw(st.booleans()))}
    mask = draw(hnp.arrays(np.bool_, shape))
    return {"mask": _array_lit(mask)}


def _const_param(draw, shapes):
    return {"c": _lit(draw(st.integers(-20, 20)) / 10)}


def _sign_param(draw, shapes):
    return {"s": draw(st.sampled_from(["", "-"]))}


def _swap_param(draw, shapes):
    return {"swap": draw(st.booleans())}


def _pair(expr_a: str, expr_b: str, swap: bool) -> str:
    return f"{expr_b}, {expr_a}" if swap else f"{expr_a}, {expr_b}"


OPS: tuple[Op, ...] = (
    # arithmetic
    Op("add", 2, lambda a, b: f"{a} + {b}"),
    Op("sub", 2, lambda a, b: f"{a} - {b}"),
    Op("mul", 2, lambda a, b: f"{a} * {b}", grows=True),
    Op("div", 2, lambda a, b: f"{a} / ({b} * {b} + 1.0)"),
    Op("neg", 1, lambda a: f"-{a}"),
    Op("scale", 1, lambda a, c: f"{c} * {a}", params=_const_param),
    Op("shift", 1, lambda a, c: f"{a} + {c}", params=_const_param),
    Op("square", 1, lambda a: f"mnp.square({a})", grows=True),
    Op("pow_int", 1, lambda a: f"{a} ** 3", grows=True),
    Op("pow_float", 1, lambda a: f"({a} * {a} + 0.5) ** 1.5", grows=True),
    Op("pow_var", 2, lambda a, b: f"mnp.power({a} * {a} + 0.5, mnp.sin({b}))", grows=True),
    Op("rpow", 1, lambda a: f"2.0 ** mnp.tanh({a})"),
    # elementwise functions, guarded into their domains
    Op("sqrt", 1, lambda a: f"mnp.sqrt({a} * {a} + 0.5)"),
    Op("reciprocal", 1, lambda a: f"mnp.reciprocal({a} * {a} + 1.0)"),
    Op("exp", 1, lambda a: f"mnp.exp(mnp.tanh({a}))"),
    Op("expm1", 1, lambda a: f"mnp.expm1(mnp.sin({a}))"),
    Op("log", 1, lambda a: f"mnp.log({a} * {a} + 1.0)"),
    Op("log_softplus", 1, lambda a: f"mnp.log(mnp.log1p(mnp.exp(mnp.tanh({a}))))"),
    Op("log1p", 1, lambda a: f"mnp.log1p(mnp.sigmoid({a}))"),
    Op("sin", 1, lambda a: f"mnp.sin({a})"),
    Op("cos", 1, lambda a: f"mnp.cos({a})"),
    Op("tan", 1, lambda a: f"mnp.tan(mnp.tanh({a}))"),
    Op("arctan", 1, lambda a: f"mnp.arctan({a})"),
    Op("sinh", 1, lambda a: f"mnp.sinh(mnp.sin({a}))"),
    Op("cosh", 1, lambda a: f"mnp.cosh(mnp.tanh({a}))"),
    Op("tanh", 1, lambda a: f"mnp.tanh({a})"),
    Op("sigmoid", 1, lambda a: f"mnp.sigmoid({a})"),
    Op("logaddexp", 2, lambda a, b: f"mnp.logaddexp({a}, {b})"),
    # kinked functions, offset away from their kinks
    Op("abs", 1, lambda a, s: f"mnp.abs({s}({a} * {a} + 0.5))", params=_sign_param),
    Op("maximum", 2, lambda a, b, swap: f"mnp.maximum({_pair(f'{a} * {a} + 1.5', f'mnp.sin({b})', swap)})",
       params=_swap_param),
    Op("minimum", 2, lambda a, b, swap: f"mnp.minimum({_pair(f'-({a} * {a}) - 1.5', f'mnp.cos({b})', swap)})",
       params=_swap_param),
    Op("clip", 1, lambda a: f"mnp.clip(mnp.sin({a}), -1.5, 1.5)"),
    Op("where", 2, lambda a, b, mask: f"mnp.where({mask}, {a}, {b})", params=_mask_param),
    # reductions and structure (arrays)
    Op("sum", 1, lambda a, axis: f"mnp.sum({a}, axis={axis}, keepdims=True)",
       arrays_only=True, params=_axis_param),
    Op("mean", 1, lambda a, axis: f"mnp.mean({a}, axis={axis}, keepdims=True)",
       arrays_only=True, params=_axis_param),
    Op("logsumexp", 1, lambda a, axis: f"mnp.logsumexp({a}, axis={axis}, keepdims=True)",
       arrays_only=True, params=_axis_param),
    Op("max", 1, lambda a, axis, offsets: f"mnp.max(mnp.tanh({a}) + {offsets}, axis={axis}, keepdims=True)",
       arrays_only=True, params=_offsets_param),
    Op("min", 1, lambda a, axis, offsets: f"mnp.min(mnp.tanh({a}) + {offsets}, axis={axis}, keepdims=True)",
       arrays_only=True, params=_offsets_param),
    Op("matmul", 1, lambda a, matrix: f"{a} @ {matrix}", arrays_only=True, params=_matrix_param),
    Op("flip", 1, lambda a: f"{a}[..., ::-1]", arrays_only=True),
    Op("roll", 1, lambda a: f"mnp.concatenate([{a}[..., 1:], {a}[..., :1]], axis=-1)", arrays_only=True),
    Op("transpose", 1, lambda a: f"mnp.transpose({a})", arrays_only=True),
)
OPS_BY_NAME = {op.name: op for op in OPS}


class Program:
    """A random straight-line program: call it, read it (``repr`` is its source), trace it.

    ``lines`` are ``(op name, operand node indices, params)``; nodes ``0..n_inputs-1`` are
    the inputs, node ``n_inputs + k`` is line k's result.  The program returns the sum of
    its sinks (the nodes no later line uses), so every line counts.
    """

    def __init__(self, n_inputs: int, lines: Sequence[tuple], inputs: Sequence,
                 ops: Sequence[Op] = ()):
        self.n_inputs = n_inputs
        self.ops = {**OPS_BY_NAME, **{op.name: op for op in ops}}
        self.lines = [(name, tuple(args), dict(params)) for name, args, params in lines]
        self.inputs = tuple(inputs)
        self.source = self._source()
        namespace = _namespace(ops)
        exec(compile(self.source, "<minigrad.testing.program>", "exec"), namespace)
        self.fn = namespace["f"]
        self.__signature__ = inspect.signature(self.fn)

    def _name(self, node: int) -> str:
        return f"x{node + 1}" if node < self.n_inputs else f"v{node - self.n_inputs + 1}"

    def _source(self) -> str:
        params = ", ".join(self._name(i) for i in range(self.n_inputs))
        body = []
        used: set[int] = set()
        for k, (name, args, kw) in enumerate(self.lines):
            expr = self.ops[name].render(*[self._name(a) for a in args], **kw)
            body.append(f"    {self._name(self.n_inputs + k)} = {expr}")
            used.update(args)
        last = self.n_inputs + len(self.lines) - 1
        sinks = [i for i in range(self.n_inputs, last + 1) if i not in used] or [last]
        if not self.lines:
            sinks = [0]
        body.append("    return " + " + ".join(self._name(i) for i in sinks))
        return f"def f({params}):\n" + "\n".join(body)

    def __call__(self, *inputs):
        return self.fn(*inputs)

    def table(self, **options) -> str:
        """minigrad's trace table of the program at its inputs."""
        from minigrad import trace

        return str(trace(self.fn, *self.inputs).table(**options))

    def __repr__(self) -> str:
        shown = ", ".join(f"{self._name(i)}={np.array2string(np.asarray(x), precision=17, separator=', ')}"
                          if np.ndim(x) else f"{self._name(i)}={x!r}"
                          for i, x in enumerate(self.inputs))
        return f"{self.source}\n# at {shown}"


def _namespace(ops: Sequence[Op]) -> dict:
    return {"mnp": mnp, **{op.name: op.entry for op in ops if op.entry is not None}}


def _magnitude(x) -> float:
    return float(np.max(np.abs(x))) if np.size(x) else 0.0


@st.composite
def programs(draw, max_ops: int = 8, n_inputs: int | tuple[int, int] = (1, 3), array: bool = False,
             min_ops: int = 1, domain: str = "real", ops: Sequence[str] | None = None,
             max_side: int = 2, primitives: Sequence = ()) -> Program:
    """A random smooth program over minigrad's primitives, with its inputs drawn.

    ``n_inputs`` is a count or an inclusive range; ``array=True`` draws broadcastable
    array inputs and allows reductions (with keepdims), matmul and indexing; ``ops``
    restricts the kinds of lines (names in ``OPS``); array sides are at most ``max_side``.
    Operands larger than 4 in magnitude are squashed through ``tanh`` first, so values and
    derivatives stay moderate and finite differences well conditioned.  ``primitives`` adds
    users' entries (each an entry or ``(entry, domain)``; see ``primitive_op``) to the mix.
    """
    extra = [primitive_op(*p) if isinstance(p, tuple) else primitive_op(p) for p in primitives]
    lo, hi = (n_inputs, n_inputs) if isinstance(n_inputs, int) else n_inputs
    n = draw(st.integers(lo, hi))
    if array:
        shapes = draw(broadcastable_shapes(n, min_dims=1, max_side=max_side))
    else:
        shapes = ((),) * n
    inputs = [draw(points(domain, s if array else None)) for s in shapes]
    candidates = [OPS_BY_NAME[o] for o in ops] if ops is not None else list(OPS)
    candidates += extra
    if not array:
        candidates = [op for op in candidates if not op.arrays_only]
    namespace = _namespace(extra)
    values = [np.asarray(x, dtype=np.float64) if array else x for x in inputs]
    names = [f"x{i + 1}" for i in range(n)]
    lines = []
    for _ in range(draw(st.integers(min_ops, max_ops))):
        # operands: counted back from the newest node, so shrinking makes chains
        op = draw(st.sampled_from(candidates))
        args = [len(values) - 1 - draw(st.integers(0, len(values) - 1)) for _ in range(op.arity)]
        if op.arrays_only and np.ndim(values[args[0]]) == 0:
            continue
        if op.name in ("roll",) and np.shape(values[args[0]])[-1] < 2:
            continue
        # keep magnitudes moderate: squash large operands through tanh first
        for j, a in enumerate(args):
            if _magnitude(values[a]) > BIG:
                lines.append(("tanh", (a,), {}))
                values.append(np.tanh(values[a]))
                names.append(f"v{len(values) - n}")
                args[j] = len(values) - 1
        params = op.params(draw, [np.shape(values[a]) for a in args]) if op.params else {}
        expr = op.render(*[names[a] for a in args], **params)
        namespace.update(zip(names, values))
        values.append(eval(expr, namespace))
        names.append(f"v{len(values) - n}")
        lines.append((op.name, tuple(args), params))
    return Program(n, lines, inputs, extra)


# ---------------------------------------------------------------- programs that branch

#: What ``branching_programs`` may put in a program (issue 22's audit, item 3): Python ``if``,
#: ``mnp.where``, ``lax.cond`` and ``lax.while_loop`` on comparisons of traced values, a
#: closure over a traced value, a captured NumPy array, custom rules (two functions of one
#: name, made by one factory), 2x2 linear algebra (det, the sign and log of slogdet, solve,
#: inv), and a comparison returned beside the value.
FEATURES = ("if", "where", "cond", "while", "closure", "captured", "custom", "linalg", "compare")
_DECISIONS = ("if", "where", "cond", "while")

# smooth, bounded functions of one operand (a branch's body)
_UNARY = ("mnp.sin({0})", "mnp.cos({0})", "{0} * {0}", "mnp.exp(mnp.tanh({0}))", "2.0 * {0}",
          "-{0}", "mnp.log({0} * {0} + 1.0)", "mnp.sigmoid({0})")
# smooth functions of two operands, the glue between features
_BINARY = ("{0} + {1}", "{0} - {1}", "{0} * {1}", "{0} / ({1} * {1} + 1.0)", "mnp.sin({0}) * {1}",
           "mnp.logaddexp({0}, {1})")
# ({m} plus a constant matrix with no structure: one operand drawn four times, or two equal
# rows, would make a matrix singular at every point, where rounding decides slogdet's sign)
LINALG_FORMS = {
    "det": "mnp.linalg.det({m})",
    "slogdet_sign": "mnp.linalg.slogdet({m})[0] * {a}",
    "slogdet_log": "mnp.linalg.slogdet({m} + 3.0 * np.eye(2))[1]",
    "solve": "mnp.sum(mnp.linalg.solve({m} + 3.0 * np.eye(2), mnp.stack([{a}, {b}])))",
    "inv": "mnp.sum(mnp.linalg.inv({m} + 3.0 * np.eye(2)))",
}


def _scaled_sin(k: float, name: str = "scaled_sin"):
    """A custom_jvp named ``name`` (the same for every ``k`` unless told: issue 22, S2)."""
    from ..custom import custom_jvp

    def fun(x):
        return k * mnp.sin(x)

    fun.__name__ = name
    made = custom_jvp(fun)

    @made.defjvp
    def scaled_sin_jvp(primals, tangents):
        return k * mnp.sin(primals[0]), k * mnp.cos(primals[0]) * tangents[0]

    return made


def _softplus(k: float, name: str = "softplus"):
    """A custom_vjp named ``name`` (reverse mode only, as in JAX)."""
    from ..custom import custom_vjp

    def fun(x):
        return k * mnp.logaddexp(x, 0.0)

    fun.__name__ = name
    made = custom_vjp(fun)
    made.defvjp(lambda x: (made(x), x), lambda x, g: (g * k * mnp.sigmoid(x),))
    return made


class BranchingProgram:
    """A random program of scalar inputs with Python control flow, ``lax`` control flow,
    closures, captured arrays, custom rules and linear algebra: call it, read it (``repr`` is
    its source and points).

    ``points`` are three points: the first to trace at, one near it, and one across a
    decision where the program has one on an input (else another point); ``returns_mask``
    says the program returns ``(value, comparison)``.
    """

    def __init__(self, n_inputs: int, lines: Sequence[str], result: str, captured: dict,
                 points: Sequence[tuple], features: set, returns_mask: bool):
        self.n_inputs, self.lines, self.result = n_inputs, list(lines), result
        self.captured, self.points, self.features = captured, tuple(points), frozenset(features)
        self.returns_mask = returns_mask
        self.inputs = self.points[0]
        params = ", ".join(f"x{i + 1}" for i in range(n_inputs))
        self.source = f"def f({params}):\n" + "".join(f"    {line}\n" for line in self.lines) + \
            f"    return {result}"
        from .. import lax

        namespace = {"mnp": mnp, "np": np, "lax": lax, **self.captured}
        exec(compile(self.source, "<minigrad.testing.branching_program>", "exec"), namespace)
        self.fn = namespace["f"]

    def __call__(self, *inputs):
        return self.fn(*inputs)

    def __repr__(self) -> str:
        arrays = "".join(f"{k} = {v!r}\n" for k, v in self.captured.items() if isinstance(v, np.ndarray))
        made = "".join(f"{k} = {v.made_by}  # a custom rule named {v.__name__}\n"
                       for k, v in self.captured.items() if not isinstance(v, np.ndarray))
        return f"{arrays}{made}{self.source}\n# at {self.points[0]!r}, then {self.points[1]!r}, {self.points[2]!r}"


@st.composite
def branching_programs(draw, features: Sequence[str] = FEATURES, max_blocks: int = 5,
                       n_inputs: tuple[int, int] = (1, 3), linalg: Sequence[str] = tuple(LINALG_FORMS),
                       one_name: bool = True) -> BranchingProgram:
    """A random program of scalar inputs using ``features`` (names in ``FEATURES``), with
    three points to run it at (see ``BranchingProgram``).  Every operand a feature reads is an
    input or a ``tanh`` of an earlier value, so values stay moderate at any point; each
    comparison's threshold is a multiple of 0.1 in (-0.8, 0.8).  ``linalg`` names the forms
    of linear algebra drawn (keys of ``LINALG_FORMS``); ``one_name=False`` names the two
    custom functions of a line apart."""
    unknown = (set(features) - set(FEATURES)) | (set(linalg) - set(LINALG_FORMS))
    if unknown:
        raise ValueError(f"branching_programs: unknown features {sorted(unknown)}; choose from "
                         f"{FEATURES} and linalg forms from {tuple(LINALG_FORMS)}")
    blocks = [f for f in features if f != "compare"]
    n = draw(st.integers(*n_inputs))
    names = [f"x{i + 1}" for i in range(n)]
    lines: list[str] = []
    captured: dict = {}
    used: set[str] = set()
    crossing = None  # (input index, threshold) of a decision on an input
    values: list[str] = list(names)
    kinds: set[str] = set()

    def operand() -> str:
        name = values[len(values) - 1 - draw(st.integers(0, len(values) - 1))]
        used.add(name)
        return name if name.startswith("x") else f"mnp.tanh({name})"

    def threshold() -> float:
        return draw(st.integers(-7, 7)) / 10

    def unary(arg: str) -> str:
        return draw(st.sampled_from(_UNARY)).format(arg)

    def condition() -> str:
        nonlocal crossing
        a, c = operand(), threshold()
        if crossing is None and a.startswith("x"):
            crossing = (int(a[1:]) - 1, c)
        return f"{a} {draw(st.sampled_from(['>', '<']))} {c!r}"

    for k in range(draw(st.integers(1, max_blocks)) if blocks else 0):
        v = f"v{k + 1}"
        kind = draw(st.sampled_from(blocks))
        kinds.add(kind)
        if kind == "if":
            test, b = condition(), operand()
            lines += [f"if {test}:", f"    {v} = {unary(b)}", "else:", f"    {v} = {unary(b)}"]
        elif kind == "where":
            lines.append(f"{v} = mnp.where({condition()}, {unary(operand())}, {unary(operand())})")
        elif kind == "cond":
            test = condition()
            lines.append(f"{v} = lax.cond({test}, lambda z: {unary('z')}, lambda z: {unary('z')}, {operand()})")
        elif kind == "while":  # the trip count (1 to 4) depends on a traced value the test closes over
            bound, b = operand(), operand()
            lines.append(f"{v} = lax.while_loop(lambda s: s[0] < 2.0 + 1.5 * mnp.tanh({bound}), "
                         f"lambda s: (s[0] + 1.0, 0.8 * s[1] + 0.3 * {unary('s[1]')}), (0.0, {b}))[1]")
        elif kind == "closure":
            a = operand()
            lines.append(f"g{k + 1} = lambda z: z * {a} + {unary('z')}")
            lines.append(f"{v} = g{k + 1}({operand()}) - g{k + 1}({operand()})")
        elif kind == "captured":
            w = f"W{k + 1}"
            captured[w] = np.array([draw(st.integers(-10, 10)) / 10 for _ in range(3)])
            lines.append(f"{v} = mnp.sum({w} * {unary(operand())})")
        elif kind == "custom":
            factory = draw(st.sampled_from([_scaled_sin, _softplus]))
            ks = draw(st.lists(st.sampled_from([0.5, 2.0, 3.0]), min_size=2, max_size=2, unique=True))
            made = [f"{factory.__name__[1:]}_{k + 1}{'ab'[j]}" for j in range(2)]
            for name, kk in zip(made, ks):
                captured[name] = factory(kk, *(() if one_name else (name,)))
                captured[name].made_by = f"{factory.__name__}({kk!r})"
            lines.append(f"{v} = {made[0]}({operand()}) + {made[1]}({operand()})")
        elif kind == "linalg" and linalg:  # on a 2x2 matrix of moderate entries
            e = [operand() for _ in range(4)]
            m = (f"(mnp.stack([mnp.stack([{e[0]}, {e[1]}]), mnp.stack([{e[2]}, {e[3]}])]) + "
                 f"np.array([[0.5, 0.1], [-0.2, -0.25]]))")
            form = LINALG_FORMS[draw(st.sampled_from(tuple(linalg)))]
            lines.append(f"{v} = " + form.format(m=m, a=operand(), b=operand()))
        else:  # linalg with no forms: an input
            lines.append(f"{v} = {operand()}")
        values.append(v)
    glue = draw(st.sampled_from(_BINARY))
    sinks = [x for x in values if x not in used and x.startswith("v")] or [values[-1]]
    result = " + ".join(sinks)
    if draw(st.booleans()):  # glue the inputs in too, so every input can matter
        result = glue.format(result, names[-1])
    returns_mask = "compare" in features and draw(st.booleans())
    if returns_mask:
        result = f"{result}, {condition()}"
    p0 = tuple(draw(st.integers(-20, 20)) / 10 + 0.013 * (i + 1) for i in range(n))
    p1 = tuple(x + draw(st.integers(-5, 5)) / 100 for x in p0)
    if crossing is not None:  # the first decision on an input goes the other way
        i, c = crossing
        p2 = tuple(2 * c - x if j == i else x for j, x in enumerate(p0))
    else:
        p2 = tuple(-x for x in p0)
    return BranchingProgram(n, lines, result, captured, (p0, p1, p2),
                            kinds | ({"compare"} if returns_mask else set()), returns_mask)
