"""The table of primitives: every operation minigrad knows, with all its rules, as data.

Each entry holds the operation's name, its NumPy implementation, its forward (JVP) and
reverse (VJP) rules, a symbolic partial per input (for trace tables), how it prints in an
expression, and its JAX counterpart.  The engine, the trace tables, the graph renderer
and the JAX bridge all read this one table: adding an operation is adding one entry.

The names below (``sin``, ``add``, ``reduce_sum``...) are the operations, ready to call:
each is its entry's bound ``bind`` method, as ``jax.lax.sin`` applies ``sin_p``; the
entries themselves are ``TABLE["sin"]`` (``minigrad.PRIMITIVES``).  Rules are written with
these operations and Python operators, so running a rule on traced values records it
too: that is what makes ``grad(grad(f))`` and ``jacfwd(jacrev(f))`` work.

Conventions of the rules, per input ``i``:
  ``jvp[i](t, out, *args, **params)``: the output tangent contributed by tangent ``t`` of input i;
  ``vjp[i](g, out, *args, **params)``: the cotangent contributed to input i by output cotangent ``g``;
  ``partials[i](out, *args, **params)``: d out / d input i, as a symbolic expression;
a rule of ``None`` marks a non-differentiable input (a condition, an index).
Rules divide and raise to powers with the primitives (``truediv``, ``power``), never with
``/`` and ``**`` on raw values: Python floats would raise ZeroDivisionError where NumPy
gives inf.  The engine sums contributions over inputs, broadcasts tangents to the output's shape and
sums cotangents back over broadcast axes, so no rule has to.

Non-differentiable points follow JAX: d|x|/dx = 1 at 0, ties of maximum/minimum and of
max/min reductions share the derivative equally, pow's derivative in the base at a zero
integer exponent is 0 (at a zero float exponent it is y x^(y-1), nan at x = 0).
"""

from __future__ import annotations

import importlib
import math
import operator
import string
import sys
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from . import symbolic as S
from . import indexing as I
from .errors import TracedValueError, TransformError
from .graph import Const, Mask, ThreadFlag, Variable, bind, concrete, decide, unmask

Rule = Callable[..., object]


@dataclass(eq=False)
class Primitive:
    """One entry of the table (see the module docstring for the rule conventions).

    ``scalar`` is the implementation ``bind`` calls when every argument is a Python float
    or int: the math module's, ten times faster than NumPy's on one number.  Where it
    raises (log(0), overflow, division by zero), ``impl``'s answer stands: inf and nan
    propagate as in NumPy.  It defaults to ``impl``.

    ``code`` and ``scalar_code`` are Python expressions computing exactly what ``impl`` and
    ``scalar`` compute (``"{0} / {1}"``, ``"np.sum({0}, axis={axis}, keepdims={keepdims})"``:
    operands by position, parameters by name), for the code generator (``minigrad.codegen``);
    where absent it derives one (NumPy's and math's own functions) or calls the implementation.

    ``batch(i, t, out, *args, **params)`` is the JVP of input ``i`` for a tangent ``t`` with a
    leading axis of directions (``jacfwd``'s columns, swept at once: JAX's batching rule of
    the JVP), or ``NotImplemented`` where this call has no such form.  Elementwise rules need
    none; where an entry has none, the sweep applies ``jvp`` direction by direction.

    ``vmap(batched, out, *args, **params)`` applies the operation to operands of which those
    flagged in ``batched`` carry a leading batch axis (``out`` is one example's output): the
    batching rule ``mg.vmap`` reads.  ``define`` gives elementwise entries one (broadcasting
    does it); without one, or where it returns ``NotImplemented``, ``vmap`` applies the entry
    example by example and stacks the results.

    ``linear`` says in which operands the operation is linear, for ``linear_transpose``:
    ``"all"`` (jointly in every operand: add, sum, reshape), ``"one"`` (in each operand when
    the others are constants: mul, matmul), or a tuple of positions (jointly in those, the
    others constant: truediv's numerator); ``None``: not linear.

    ``choices(out, *args, **params)`` lists the choices its derivative makes on values, as
    relations ``(op, left, right)`` between operands (``op`` one of ``symbolic.RELATIONS``,
    or None for the truth of ``left``: where's mask; ``abs``: ``(">=", x, 0)``).  Programs
    written from a graph compute them on every call (no guard); the tables, drawings and
    frames list them, with the value each took (``Graph.choices``).  It is called with the
    operands' values and again with their symbols.

    ``holomorphic`` says the rules hold on complex operands as written: complex-analytic,
    tangent f'(z) t and cotangent ct f'(z), JAX's unconjugated convention (``HOLOMORPHIC``);
    a function of the parameters where that depends on them (scatter: not its min and max).
    The transformations refuse the others on complex values: their rules have no complex
    conjugation, so they would give a number JAX does not.
    """

    name: str
    impl: Callable
    jvp: Sequence[Rule | None]
    vjp: Sequence[Rule | None]
    partials: Sequence[Callable | None]
    expr: Callable
    jax: str | Callable
    scalar: Callable | None = None
    code: str | None = None
    scalar_code: str | None = None
    batch: Callable | None = None
    vmap: Callable | None = None
    linear: str | tuple | None = None
    choices: Callable | None = None
    holomorphic: bool | Callable[..., bool] = False
    _jax_fn: Callable | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.scalar is None:
            self.scalar = self.impl

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    @property
    def jax_impl(self) -> Callable:
        """The JAX counterpart, imported on first use (minigrad never needs JAX itself)."""
        if self._jax_fn is None:
            if callable(self.jax):
                self._jax_fn = self.jax
            else:
                module, _, attr = self.jax.rpartition(".")
                self._jax_fn = getattr(importlib.import_module(module), attr)
        return self._jax_fn

    def evaluate(self, args, params):
        """Apply to concrete arguments: JAX arrays go to JAX, constants fold, else NumPy."""
        folded = False
        for a in args:
            kind = _KINDS.get(type(a)) or _classify(a)
            if kind == "const":
                folded = True
            elif kind == "jax":
                return self.jax_impl(*[float(x) if type(x) is Const else x for x in args], **params)
        if not folded:
            return self.impl(*args, **params)
        out = self.impl(*[float(a) if type(a) is Const else a for a in args], **params)
        if all(type(a) in (Const, int, float) for a in args):
            syms = [a.sym if type(a) is Const else S.Num(a) for a in args]
            return Const(out, self.expr(*syms, **params))
        return out


# What each argument type means to ``evaluate``, decided once per type: isinstance
# against jax.Array costs close to a microsecond, too much to pay on every operation.
_KINDS: dict[type, str] = {Const: "const", float: "plain", int: "plain", np.ndarray: "plain",
                           np.float64: "plain", np.float32: "plain", bool: "plain"}


def _classify(a) -> str:
    jax = sys.modules.get("jax")
    kind = "jax" if jax is not None and isinstance(a, jax.Array) else "plain"
    if jax is not None:  # before JAX is imported no type can be one of its arrays
        _KINDS[type(a)] = kind
    return kind


# Calling a primitive, or its ``bind`` method, binds it: records, or evaluates.  The
# operations are the bound methods: CPython calls a bound method directly, but an object
# through its ``__call__`` slot, about 500 instructions more: 7 % of a chain of sines.
Primitive.bind = Primitive.__call__ = bind
TABLE: dict[str, Primitive] = {}
# Entries users make at run time (minigrad.custom: mg.primitive, custom_jvp, custom_vjp):
# read like TABLE's by every interpreter, kept apart from minigrad's own operations.
USER_TABLE: dict[str, Primitive] = {}


def _jnp():
    import jax.numpy

    return jax.numpy


def define(name, impl, *, jax, expr, partials, jvp=None, vjp=None, deriv=None,
           scalar=None, code=None, scalar_code=None, batch=None, vmap=None, linear=None,
           choices=None) -> Callable:
    """Add one primitive to the table; return the operation (the entry's bound ``bind``).

    Elementwise operations give ``deriv``: per input, the local derivative
    ``d(out, *args, **params)`` (or a constant such as 1 or -1); both the JVP and the VJP
    rule follow from it (tangent times derivative, cotangent times derivative).
    Structural operations (sum, matmul, indexing...) give ``jvp`` and ``vjp`` directly.
    ``scalar`` is the implementation on Python floats and ints, where the math module has
    one (``Primitive`` says when it is used); ``code`` and ``scalar_code`` their Python
    expressions, for generated programs; ``vmap``, ``linear`` and ``choices`` as ``Primitive`` says
    (elementwise entries batch by broadcasting without a ``vmap`` rule of their own).
    """
    elementwise = deriv is not None
    if deriv is not None:
        for d in deriv:
            if not (d is None or callable(d) or (type(d) is int and d in (1, -1))):
                raise ValueError(f"define({name!r}): a local derivative is None, 1, -1 or a "
                                 f"function of (out, *args, **params), not {d!r}")
        jvp = tuple(None if d is None else Scaled(d) for d in deriv)
        vjp = jvp  # elementwise: both are the same product with the local derivative
    prim = Primitive(name, impl, jvp, vjp, partials, expr, jax, scalar, code, scalar_code, batch,
                     vmap, linear, choices)
    if elementwise and vmap is None:
        prim.vmap = elementwise_vmap(prim)
    TABLE[name] = prim
    return prim.bind


def elementwise_vmap(prim: Primitive) -> Callable:
    """The batching rule of an elementwise operation: each batched operand gets 1s after its
    batch axis (``lift``), so it broadcasts against the others as one example does."""
    def rule(batched, out, *args, **params):
        nd = len(_shape(out))
        return prim.bind(*[lift(a, nd) if b else a for a, b in zip(args, batched)], **params)

    return rule


class Scaled:
    """The rule of an elementwise primitive: ``t`` times the local derivative ``d``.

    ``d`` is 1, -1, or ``d(out, *args, **params)``.  The sweeps recognise this rule and
    form the same product inline, from the arguments recorded on the variable: it is the
    engine's innermost step, and one more Python call per edge costs about 5 % of a
    scalar gradient (bench.instructions).
    """

    __slots__ = ("d",)

    def __init__(self, d):
        self.d = d

    def __call__(self, t, out, *args, **params):
        d = self.d
        if type(d) is int:
            return t if d == 1 else -t
        return t * d(out, *args, **params)


class PerInput:
    """Rules of a variadic primitive (concatenate, stack): ``rules[i]`` binds the position."""

    def __init__(self, rule: Callable):
        self.rule = rule

    def __getitem__(self, i: int) -> Rule:
        return lambda t, out, *args, **params: self.rule(i, t, out, *args, **params)

    def __len__(self) -> int:  # a rule at every position, however many operands there are
        return sys.maxsize


def _shape(x) -> tuple:
    return np.shape(concrete(x))


# ------------------------------------------------------------------ arithmetic operators

def _divide(a, b):
    """a / b with NumPy's semantics: Python floats give inf or nan, never ZeroDivisionError."""
    try:
        return a / b
    except ZeroDivisionError:
        return np.divide(np.float64(a), b)


def _power(a, b):
    """a ** b with NumPy's semantics: 0.0 ** -1 is inf and (-8.0) ** 0.5 is nan, not complex."""
    if (type(a) is float or type(b) is float) and not (
            isinstance(a, (np.ndarray, complex)) or isinstance(b, (np.ndarray, complex))):  # math.pow takes scalars only
        try:
            return math.pow(a, b)
        except (ValueError, OverflowError, ZeroDivisionError):
            return np.power(np.float64(a), b)
    return a ** b


def _scalar_power(a, b):
    """``_power`` on Python numbers (bind's plain path): math.pow, or exact int ** int."""
    return a ** b if type(a) is int and type(b) is int else math.pow(a, b)


add = define(
    "add", operator.add, jax="jax.numpy.add", code="{0} + {1}",
    deriv=(1, 1), linear="all",
    partials=(lambda o, a, b: S.ONE, lambda o, a, b: S.ONE),
    expr=lambda a, b: a + b,
)
sub = define(
    "sub", operator.sub, jax="jax.numpy.subtract", code="{0} - {1}",
    deriv=(1, -1), linear="all",
    partials=(lambda o, a, b: S.ONE, lambda o, a, b: -S.ONE),
    expr=lambda a, b: a - b,
)
mul = define(
    "mul", operator.mul, jax="jax.numpy.multiply", code="{0} * {1}",
    deriv=(lambda o, a, b: b, lambda o, a, b: a), linear="one",
    partials=(lambda o, a, b: b, lambda o, a, b: a),
    expr=lambda a, b: S.BinOp("*", a, b),
)
truediv = define(
    "truediv", _divide, jax="jax.numpy.divide", scalar=operator.truediv,
    code="{0} / {1}", scalar_code="{0} / {1}",  # (a zero divisor raises: see minigrad.codegen)
    linear=(0,),
    deriv=(lambda o, a, b: truediv(1.0, b), lambda o, a, b: truediv(-o, b)),
    partials=(lambda o, a, b: 1 / b, lambda o, a, b: -a * b ** -2),
    expr=lambda a, b: S.div(a, b, spaced=True),
)
neg = define(
    "neg", operator.neg, jax="jax.numpy.negative", code="-{0}",
    deriv=(-1,), linear="all",
    partials=(lambda o, a: -S.ONE,),
    expr=lambda a: -a,
)


def _pow_dbase(out, x, y):
    # JAX: an integer exponent (a Python int, an integer array) gives 0 where it is 0, not
    # 0 * x**-1 (nan at x = 0); a float exponent gives y * x**(y - 1) everywhere, which keeps
    # the derivative of this rule in y right at y = 0 (it is 1/x there, not 0).
    if isinstance(y, int):
        if y == 0:
            return 0.0
        return 2 * x if y == 2 else y * power(x, y - 1)
    if not isinstance(y, float) and np.issubdtype(np.result_type(concrete(y)), np.integer):
        return where(unmask(y == 0), 0.0, y * power(x, y - 1))
    return y * power(x, y - 1)


def _pow_dexp(out, x, y):
    # JAX: log is taken of x with zeros replaced by 1, so the derivative is 0 at x = 0.
    return out * log(where(unmask(x == 0), 1.0, x))


power = define(
    "pow", _power, jax="jax.numpy.power", scalar=_scalar_power,
    scalar_code="pow({0}, {1})",  # math.pow (the generator imports it), as _scalar_power on floats
    deriv=(_pow_dbase, _pow_dexp),
    partials=(lambda o, x, y: y * x ** (y - 1), lambda o, x, y: o * S.call("log", x)),
    expr=lambda x, y: S.BinOp("^", S.Group(x), y),
)

# ---------------------------------------------------------------- elementwise functions


def _unary(name, impl, jax, d, partial, expr=None, scalar=None, code=None, choices=None) -> Primitive:
    return define(
        name, impl, jax=jax, deriv=(d,), partials=(partial,),
        expr=expr or (lambda a, _n=name: S.call(_n, a)), scalar=scalar, code=code, choices=choices,
    )


square = _unary("square", np.square, "jax.numpy.square",
                lambda o, x: 2 * x, lambda o, x: 2 * x,
                expr=lambda a: S.BinOp("^", S.Group(a), S.Num(2)))
sqrt = _unary("sqrt", np.sqrt, "jax.numpy.sqrt",
              lambda o, x: truediv(0.5, o), lambda o, x: 1 / (2 * o),
              scalar=math.sqrt)
reciprocal = _unary("reciprocal", lambda x: _divide(1.0, x), "jax.numpy.reciprocal",
                    lambda o, x: -(o * o), lambda o, x: -(x ** -2),
                    expr=lambda a: S.div(S.ONE, a, spaced=True), code="1.0 / {0}")
exp = _unary("exp", np.exp, "jax.numpy.exp",
             lambda o, x: o, lambda o, x: S.call("exp", x),
             scalar=math.exp)
expm1 = _unary("expm1", np.expm1, "jax.numpy.expm1",
               lambda o, x: o + 1, lambda o, x: S.call("exp", x),
               scalar=math.expm1)
log = _unary("log", np.log, "jax.numpy.log",
             lambda o, x: truediv(1.0, x), lambda o, x: 1 / x,
             scalar=math.log)
log1p = _unary("log1p", np.log1p, "jax.numpy.log1p",
               lambda o, x: truediv(1.0, 1 + x), lambda o, x: 1 / (1 + x),
               scalar=math.log1p)
sin = _unary("sin", np.sin, "jax.numpy.sin",
             lambda o, x: cos(x), lambda o, x: S.call("cos", x),
             scalar=math.sin)
cos = _unary("cos", np.cos, "jax.numpy.cos",
             lambda o, x: -sin(x), lambda o, x: -S.call("sin", x),
             scalar=math.cos)
tan = _unary("tan", np.tan, "jax.numpy.tan",
             lambda o, x: 1 + o * o, lambda o, x: 1 + o ** 2,
             scalar=math.tan)
arctan = _unary("arctan", np.arctan, "jax.numpy.arctan",
                lambda o, x: truediv(1.0, 1 + x * x), lambda o, x: 1 / (1 + x ** 2),
                scalar=math.atan)
sinh = _unary("sinh", np.sinh, "jax.numpy.sinh",
              lambda o, x: cosh(x), lambda o, x: S.call("cosh", x),
              scalar=math.sinh)
cosh = _unary("cosh", np.cosh, "jax.numpy.cosh",
              lambda o, x: sinh(x), lambda o, x: S.call("sinh", x),
              scalar=math.cosh)
tanh = _unary("tanh", np.tanh, "jax.numpy.tanh",
              lambda o, x: 1 - o * o, lambda o, x: 1 - o ** 2,
              scalar=math.tanh)

# The inverse trigonometric and hyperbolic functions, base-2 and base-10 logarithms and exp2:
# derivatives as JAX writes them, so special points (0, 1, inf, nan) agree with it.
_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _rsqrt(u):
    """1 / sqrt(u): nan for u < 0 and inf at 0, derivatives as JAX's rsqrt at both."""
    return truediv(1.0, sqrt(u))


arcsin = _unary("arcsin", np.arcsin, "jax.numpy.arcsin",
                lambda o, x: _rsqrt(1 - square(x)), lambda o, x: 1 / S.call("sqrt", 1 - x ** 2),
                scalar=math.asin)
arccos = _unary("arccos", np.arccos, "jax.numpy.arccos",
                lambda o, x: -_rsqrt(1 - square(x)), lambda o, x: -1 / S.call("sqrt", 1 - x ** 2),
                scalar=math.acos)
arcsinh = _unary("arcsinh", np.arcsinh, "jax.numpy.arcsinh",
                 lambda o, x: _rsqrt(square(x) + 1), lambda o, x: 1 / S.call("sqrt", x ** 2 + 1),
                 scalar=math.asinh)
arccosh = _unary("arccosh", np.arccosh, "jax.numpy.arccosh",
                 lambda o, x: _rsqrt(square(x) - 1),
                 lambda o, x: 1 / S.call("sqrt", x ** 2 - 1), scalar=math.acosh)
arctanh = _unary("arctanh", np.arctanh, "jax.numpy.arctanh",
                 lambda o, x: reciprocal(1 + x) * truediv(1.0, 1 - x), lambda o, x: 1 / (1 - x ** 2),
                 scalar=math.atanh)
log2 = _unary("log2", np.log2, "jax.numpy.log2",
              lambda o, x: truediv(1.0, x) / _LN2, lambda o, x: 1 / (x * S.call("log", 2)),
              scalar=math.log2)
log10 = _unary("log10", np.log10, "jax.numpy.log10",
               lambda o, x: truediv(1.0, x) / _LN10, lambda o, x: 1 / (x * S.call("log", 10)),
               scalar=math.log10)
exp2 = _unary("exp2", np.exp2, "jax.numpy.exp2",
              lambda o, x: o * _LN2, lambda o, x: o * S.call("log", 2), scalar=math.exp2)
sign = _unary("sign", np.sign, "jax.numpy.sign",  # 0 everywhere, at 0 too (JAX's convention)
              lambda o, x: 0.0, lambda o, x: S.ZERO)


def _each_in_float64(fn: Callable) -> Callable:
    """``fn`` (a math-module function of one float) over an array, in float64, the result
    rounded to the operand's float dtype: NumPy has no erf, and math's is the C library's
    (within 1 ulp in float64, so float32 results are correctly rounded but for rare ties)."""
    each = np.frompyfunc(fn, 1, 1)

    def impl(x):
        x = np.asarray(x)
        return np.asarray(each(x.astype(np.float64)), np.float64).astype(_float_dtype(x))[()]

    impl.__name__ = fn.__name__
    return impl


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _gauss(x):
    """2/sqrt(pi) e^(-x^2): the slope of erf, and minus erfc's."""
    return _TWO_OVER_SQRT_PI * exp(-square(x))


def _gauss_partial(x):
    return 2 / S.call("sqrt", S.Name("pi")) * S.call("exp", S.Group(-x ** 2))


erf = _unary("erf", _each_in_float64(math.erf), "jax.lax.erf",
             lambda o, x: _gauss(x), lambda o, x: _gauss_partial(x), scalar=math.erf)
erfc = _unary("erfc", _each_in_float64(math.erfc), "jax.lax.erfc",  # 1 - erf, exact in the tail
              lambda o, x: -_gauss(x), lambda o, x: -_gauss_partial(x), scalar=math.erfc)


def _sigmoid(x):
    with np.errstate(over="ignore"):  # exp(-x) = inf for very negative x gives exactly 0
        return 1.0 / (1.0 + np.exp(-x))


sigmoid = _unary("sigmoid", _sigmoid, "jax.nn.sigmoid",
                 lambda o, x: o * (1 - o), lambda o, x: o * (1 - o))


def _minus(a, b):
    """``a - b``, leaving out a constant 0: the slope of softplus(z) = logaddexp(0, z) is sigmoid(z)."""
    return a if (type(b) is float or type(b) is int) and b == 0 else a - b


logaddexp = define(
    "logaddexp", np.logaddexp, jax="jax.numpy.logaddexp",
    # d/da log(e^a + e^b) = e^a / (e^a + e^b) = sigmoid(a - b), which never overflows.  It
    # equals exp(a - out) but needs neither the value nor a second transcendental pass: a
    # jitted gradient need not compute logaddexp at all (bench/README.md, the logistic goal).
    # softplus(z) = logaddexp(0, z) is one node, not a stack and a reduction.
    deriv=(lambda o, a, b: sigmoid(_minus(a, b)), lambda o, a, b: sigmoid(_minus(b, a))),
    partials=(lambda o, a, b: S.call("sigmoid", a - b), lambda o, a, b: S.call("sigmoid", b - a)),
    expr=lambda a, b: S.call("logaddexp", a, b),
)
absolute = _unary("abs", np.abs, "jax.numpy.abs",
                  lambda o, x: where(unmask(x >= 0), _one(x), -_one(x)),
                  lambda o, x: S.call("sign", x), choices=lambda o, x: [(">=", x, 0)],
                  expr=lambda a: S.Postfix(a, "|"))


def _float_dtype(*xs) -> np.dtype:
    """The float dtype of values computed from ``xs``: float32 stays float32, a Python number
    alone is float64, and with arrays it takes their dtype (NumPy's promotion; the policy)."""
    arrays = [c for c in map(concrete, xs) if type(c) not in (float, int, bool, Const)]
    return np.result_type(*arrays, np.float32) if arrays else np.dtype(np.float64)


def _one(*xs):
    """1 in the float dtype of ``xs``: a constant that keeps float32 rules float32."""
    return _float_dtype(*xs).type(1.0)


def _tie_share(a, b, wins):
    """1 where ``a`` wins against ``b``, 1/2 on a tie, 0 where it loses (JAX's convention)."""
    one = _one(a, b)
    if recording_decisions() and (type(a) is Variable or type(b) is Variable):
        won = _DECIDE["gt" if wins is np.greater else "lt"](a, b)
        return where(won, one, where(_DECIDE["eq"](a, b), one / 2, one * 0))
    a, b = concrete(a), concrete(b)
    return np.where(wins(a, b), one, np.where(a == b, one / 2, one * 0))


def _tie_partial(a, b, wins: str):
    """The printed partial of max/min with its tie convention (JAX's): [a > b] + [a = b]/2."""
    return S.Name(f"[{a} {wins} {b}] + [{a} = {b}]/2")


maximum = define(
    "maximum", np.maximum, jax="jax.numpy.maximum",
    deriv=(lambda o, a, b: _tie_share(a, b, np.greater), lambda o, a, b: _tie_share(b, a, np.greater)),
    partials=(lambda o, a, b: _tie_partial(a, b, ">"), lambda o, a, b: _tie_partial(b, a, ">")),
    expr=lambda a, b: S.call("max", a, b), choices=lambda o, a, b: [(">", a, b)],
)
minimum = define(
    "minimum", np.minimum, jax="jax.numpy.minimum",
    deriv=(lambda o, a, b: _tie_share(a, b, np.less), lambda o, a, b: _tie_share(b, a, np.less)),
    partials=(lambda o, a, b: _tie_partial(a, b, "<"), lambda o, a, b: _tie_partial(b, a, "<")),
    expr=lambda a, b: S.call("min", a, b), choices=lambda o, a, b: [("<", a, b)],
)
where = define(
    "where", np.where, jax="jax.numpy.where",
    # Select, as JAX does, rather than multiply by the mask: a nan or inf tangent of the
    # branch not taken (where(x > 0, sqrt(x), 0) at x < 0) must not leak, and 0 * nan is nan.
    jvp=(None, lambda t, o, c, a, b: where(c, t, 0.0), lambda t, o, c, a, b: where(c, 0.0, t)),
    vjp=(None, lambda g, o, c, a, b: where(c, g, 0.0), lambda g, o, c, a, b: where(c, 0.0, g)),
    vmap=lambda batched, out, c, a, b: elementwise_vmap(TABLE["where"])(batched, out, c, a, b),
    linear=(1, 2),
    partials=(None, lambda o, c, a, b: S.Name(f"[{c}]"), lambda o, c, a, b: S.Name(f"[not {c}]")),
    expr=lambda c, a, b: S.call("where", c, a, b), choices=lambda o, c, a, b: [(None, c, None)],
)


def _clip_deriv(out, x, *, lo, hi):
    # jnp.clip is maximum(x, lo) then minimum(., hi): each boundary tie counts 1/2.
    share = 1.0
    if lo is not None:
        share = share * _tie_share(x, lo, np.greater)
    if hi is not None:
        share = share * _tie_share(x, hi, np.less)
    return share


clip = define(
    "clip", lambda x, *, lo, hi: np.clip(x, lo, hi), code="np.clip({0}, {lo}, {hi})",
    jax=lambda x, *, lo, hi: _jnp().clip(x, lo, hi),
    deriv=(_clip_deriv,),
    partials=(lambda o, x, *, lo, hi: S.Name(f"[{lo} < {x} < {hi}]"),),
    expr=lambda x, *, lo, hi: S.call("clip", x, lo, hi),
    choices=lambda o, x, *, lo, hi: [(op, x, end) for op, end in ((">", lo), ("<", hi)) if end is not None],
)

# ------------------------------------------------------------------------------ reductions


def _kept_shape(shape, axis):
    """The shape a reduction over ``axis`` has with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def _expand(g, x_shape, axis, keepdims):
    """Broadcast a reduction's cotangent ``g`` back to the shape of its operand (a scalar,
    such as a loss's, broadcasts as it is; others get the reduced axes back first)."""
    if not keepdims and _shape(g) != ():
        g = reshape(g, shape=_kept_shape(x_shape, axis))
    return broadcast_to(g, shape=x_shape)


def _reduced_count(x_shape, out_shape):
    return math.prod(x_shape) // max(math.prod(out_shape), 1)  # math.prod: no array made from a shape


def _reduce_expr(fn):
    return lambda x, *, axis, keepdims: S.call(fn, x) if axis is None else S.call(fn, x, axis=axis)


reduce_sum = define(
    "sum", lambda x, *, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
    code="np.sum({0}, axis={axis}, keepdims={keepdims})",
    jax="jax.numpy.sum",
    jvp=(lambda t, out, x, *, axis, keepdims: reduce_sum(t, axis=axis, keepdims=keepdims),),
    vjp=(lambda g, out, x, *, axis, keepdims: _expand(g, _shape(x), axis, keepdims),),
    partials=(lambda o, x, *, axis, keepdims: S.ONE,),
    expr=_reduce_expr("sum"),
    batch=lambda i, t, out, x, *, axis, keepdims: reduce_sum(
        t, axis=_batched_axes(axis, len(_shape(x))), keepdims=keepdims),
    vmap=lambda batched, out, x, *, axis, keepdims: reduce_sum(
        x, axis=_batched_axes(axis, len(_shape(x)) - 1), keepdims=keepdims),
    linear="all",
)
reduce_mean = define(
    "mean", lambda x, *, axis, keepdims: np.mean(x, axis=axis, keepdims=keepdims),
    code="np.mean({0}, axis={axis}, keepdims={keepdims})",
    jax="jax.numpy.mean",
    jvp=(lambda t, out, x, *, axis, keepdims: reduce_mean(t, axis=axis, keepdims=keepdims),),
    vjp=(lambda g, out, x, *, axis, keepdims:  # divided before it is broadcast: n times fewer divisions
         _expand(g / _reduced_count(_shape(x), _shape(out)), _shape(x), axis, keepdims),),
    partials=(lambda o, x, *, axis, keepdims: 1 / S.Name("n"),),
    expr=_reduce_expr("mean"),
    batch=lambda i, t, out, x, *, axis, keepdims: reduce_mean(
        t, axis=_batched_axes(axis, len(_shape(x))), keepdims=keepdims),
    vmap=lambda batched, out, x, *, axis, keepdims: reduce_mean(
        x, axis=_batched_axes(axis, len(_shape(x)) - 1), keepdims=keepdims),
    linear="all",
)


def _chooser_weights(out, x, axis):
    """Where ``x`` attains the max/min, divided by how many times (ties share equally)."""
    if recording_decisions() and type(x) is Variable:
        kept = reshape(out, shape=_kept_shape(_shape(x), axis))
        hits = where(_DECIDE["eq"](x, kept), _one(x), _one(x) * 0)
        return hits / reduce_sum(hits, axis=axis, keepdims=True)
    xv = concrete(x)
    hits = (xv == np.reshape(concrete(out), _kept_shape(np.shape(xv), axis))).astype(_float_dtype(xv))
    return hits / np.sum(hits, axis=axis, keepdims=True)


def _reduction_vmap(name: str) -> Callable:
    """The batching rule of a reduction: its axes moved past the batch axis."""
    return lambda batched, out, x, *, axis, keepdims: TABLE[name].bind(
        x, axis=_batched_axes(axis, len(_shape(x)) - 1), keepdims=keepdims)


def _chooser(name, impl, jax):
    return define(
        name, lambda x, *, axis, keepdims: impl(x, axis=axis, keepdims=keepdims), jax=jax,
        code=f"np.{impl.__name__}({{0}}, axis={{axis}}, keepdims={{keepdims}})",
        jvp=(lambda t, out, x, *, axis, keepdims:
             reduce_sum(t * _chooser_weights(out, x, axis), axis=axis, keepdims=keepdims),),
        vjp=(lambda g, out, x, *, axis, keepdims:
             _expand(g, _shape(x), axis, keepdims) * _chooser_weights(out, x, axis),),
        partials=(lambda o, x, *, axis, keepdims: S.Name(f"[{x} = {o}]"),),
        expr=_reduce_expr(name), vmap=_reduction_vmap(name), choices=_attained,
    )


def _attained(out, x, *, axis, keepdims):
    """max's and min's choice: where ``x`` attains the result (its value with the reduced
    axes kept, to compare with ``x``; its variable as it is)."""
    if type(out) is np.ndarray and not keepdims:
        out = np.reshape(out, _kept_shape(_shape(x), axis))
    return [("==", x, out)]


reduce_max = _chooser("max", np.max, "jax.numpy.max")
reduce_min = _chooser("min", np.min, "jax.numpy.min")


def _logsumexp(x, *, axis, keepdims):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.reshape(out, np.shape(np.sum(x, axis=axis)))


def _softmax(out, x, axis, keepdims):
    return exp(x - _expand(out, _shape(x), axis, keepdims))


logsumexp = define(
    "logsumexp", _logsumexp, jax="jax.scipy.special.logsumexp",
    jvp=(lambda t, out, x, *, axis, keepdims:
         reduce_sum(t * _softmax(out, x, axis, keepdims), axis=axis, keepdims=keepdims),),
    vjp=(lambda g, out, x, *, axis, keepdims:
         _expand(g, _shape(x), axis, keepdims) * _softmax(out, x, axis, keepdims),),
    partials=(lambda o, x, *, axis, keepdims: S.call("exp", x - o),),
    expr=_reduce_expr("logsumexp"), vmap=_reduction_vmap("logsumexp"),
)



def _inverse_permutation(perm) -> tuple:
    return tuple(int(i) for i in np.argsort(perm))


def _prod_others(x, axis):
    """Per element of ``x``, the product of the others in its reduction: exact where some are
    0 (out / x is not).  The reduced axes go last, flattened to N; an (N, N) identity mask
    puts a 1 in each element's own place, and one more product reduces them."""
    shape = _shape(x)
    axes = tuple(range(len(shape))) if axis is None else axis
    rest = tuple(i for i in range(len(shape)) if i not in axes)
    perm = rest + axes
    kept = tuple(shape[i] for i in rest)
    n = math.prod(shape[i] for i in axes)
    flat = reshape(transpose(x, axes=perm), shape=kept + (1, n))
    others = reduce_prod(where(np.eye(n, dtype=bool), 1.0, flat), axis=(len(kept) + 1,), keepdims=False)
    return transpose(reshape(others, shape=tuple(shape[i] for i in perm)),
                     axes=_inverse_permutation(perm))


reduce_prod = define(
    "prod", lambda x, *, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
    code="np.prod({0}, axis={axis}, keepdims={keepdims})",
    jax="jax.numpy.prod",
    jvp=(lambda t, out, x, *, axis, keepdims:
         reduce_sum(t * _prod_others(x, axis), axis=axis, keepdims=keepdims),),
    vjp=(lambda g, out, x, *, axis, keepdims:
         _expand(g, _shape(x), axis, keepdims) * _prod_others(x, axis),),
    partials=(lambda o, x, *, axis, keepdims: S.Name(f"{o} / {x}"),),
    expr=_reduce_expr("prod"), vmap=_reduction_vmap("prod"),
)


def _reversed_along(x, axis):
    return getitem(x, index=_block(axis, len(_shape(x)), slice(None, None, -1)))


cumsum = define(
    "cumsum", lambda x, *, axis: np.cumsum(x, axis=axis), code="np.cumsum({0}, axis={axis})",
    jax="jax.numpy.cumsum",
    jvp=(lambda t, out, x, *, axis: cumsum(t, axis=axis),),
    # the transpose of a running sum is the running sum from the other end
    vjp=(lambda g, out, x, *, axis: _reversed_along(cumsum(_reversed_along(g, axis), axis=axis), axis),),
    partials=(lambda o, x, *, axis: S.Name("[j <= i]"),),
    expr=lambda x, *, axis: S.call("cumsum", x, axis=axis),
    vmap=lambda batched, out, x, *, axis: cumsum(x, axis=axis % len(_shape(out)) + 1),
    linear="all",
)


def _einsum_operands(spec: str) -> tuple[list[str], str]:
    inputs, out = spec.split("->")
    return inputs.split(","), out


def _einsum_tangent(i, t, out, *xs, spec):
    return einsum(*xs[:i], t, *xs[i + 1:], spec=spec)


def _unused_letters(spec: str):
    """The letters an einsum ``spec`` does not use, for the indices a rule adds."""
    return (c for c in string.ascii_letters if c not in spec)


def _einsum_batch(i, t, out, *xs, spec):
    """The tangent's einsum with one more index, the directions', in front of operand i's
    and of the result's: ``ij,jk->ik`` becomes ``aij,jk->aik``."""
    if "." in spec:
        return NotImplemented
    ins, res = _einsum_operands(spec)
    z = next(_unused_letters(spec))
    ins[i] = z + ins[i]
    return einsum(*xs[:i], t, *xs[i + 1:], spec=",".join(ins) + "->" + z + res)


def _einsum_vmap(batched, out, *xs, spec):
    """Batched operands and the result get one more index in front, the batch's."""
    if "." in spec:
        return NotImplemented
    ins, res = _einsum_operands(spec)
    z = next(_unused_letters(spec))
    ins = [z + term if b else term for term, b in zip(ins, batched)]
    return einsum(*xs, spec=",".join(ins) + "->" + z + res)


def _einsum_cotangent(i, g, out, *xs, spec):
    """Operand i's cotangent: the output's and the other operands' indices contracted to
    operand i's; its indices found nowhere else were summed over, so g broadcasts along them.
    An index repeated within operand i (``ii->``, ``ii->i``) read its diagonal: the cotangent
    is computed over the distinct indices, then placed on that diagonal (zero off it)."""
    ins, res = _einsum_operands(spec)
    mine = ins[i]
    shape = _shape(xs[i])
    distinct = "".join(dict.fromkeys(mine))
    size = {c: shape[k] for k, c in enumerate(mine)}
    elsewhere = set(res).union(*[set(s) for k, s in enumerate(ins) if k != i])
    kept = "".join(c for c in distinct if c in elsewhere)
    others = [x for k, x in enumerate(xs) if k != i]
    ct = einsum(g, *others, spec=",".join([res] + [s for k, s in enumerate(ins) if k != i]) + "->" + kept)
    if kept != distinct:
        ct = broadcast_to(reshape(ct, shape=tuple(size[c] if c in elsewhere else 1 for c in distinct)),
                          shape=tuple(size[c] for c in distinct))
    if distinct != mine:
        ct = _onto_diagonal(ct, distinct, mine, size, spec)
    return ct


def _onto_diagonal(ct, distinct: str, term: str, size: dict, spec: str):
    """``ct`` (indexed by ``distinct``) spread to an operand indexed by ``term``, whose
    repeated indices are equal on it and zero elsewhere: each further copy of an index gets
    a fresh letter, tied to the first by an identity matrix (a constant operand), so the
    scatter is one more einsum, linear and differentiable as every einsum."""
    fresh = _unused_letters(spec)
    dtype = np.result_type(concrete(ct), np.float32)
    seen, out, ties, eyes = set(), [], [], []
    for c in term:
        if c in seen:
            copy = next(fresh)
            ties.append(c + copy)
            eyes.append(np.eye(size[c], dtype=dtype))
            out.append(copy)
        else:
            seen.add(c)
            out.append(c)
    return einsum(ct, *eyes, spec=",".join([distinct] + ties) + "->" + "".join(out))


einsum = define(
    "einsum", lambda *xs, spec: np.einsum(spec, *xs), code="np.einsum({spec}, {args})",
    jax=lambda *xs, spec: _jnp().einsum(spec, *xs),
    jvp=PerInput(_einsum_tangent), vjp=PerInput(_einsum_cotangent), batch=_einsum_batch,
    vmap=_einsum_vmap, linear="one",
    partials=PerInput(lambda i, o, *xs, spec: S.Name(f"d einsum[{spec}] / d operand {i + 1}")),
    expr=lambda *xs, spec: S.call("einsum", *xs, spec=spec),
)

# ------------------------------------------------------------------ linear algebra, shapes


def _batched_axes(axis, ndim: int) -> tuple:
    """Reduction or permutation axes of an operand with ``ndim`` axes, moved past a leading
    axis of directions (``batch`` rules)."""
    if axis is None:
        return tuple(range(1, ndim + 1))
    return tuple(int(a) % ndim + 1 for a in (axis if isinstance(axis, tuple) else (axis,)))


def lift(t, ndim: int):
    """A batch of tangents ``t`` (directions first) with 1s inserted after the directions'
    axis, so that each direction has ``ndim`` axes and broadcasts as its unbatched self."""
    shape = _shape(t)
    if len(shape) - 1 >= ndim:
        return t
    return reshape(t, shape=shape[:1] + (1,) * (ndim - len(shape) + 1) + shape[1:])


def _getitem_batch(i, t, out, x, *, index):
    """``t[:, index]``: the same selection for every direction, where ``index`` is ints,
    slices, None and ... (an array index would move the directions' axis)."""
    items = index if isinstance(index, tuple) else (index,)
    if not all(k is None or k is Ellipsis or isinstance(k, (slice, int, np.integer)) for k in items):
        return NotImplemented
    return getitem(t, index=(slice(None),) + items)


def _matmul_batch(i, t, out, a, b):
    """``t @ b`` or ``a @ t`` for a batch of tangents, where NumPy's matmul broadcasting keeps
    the directions' axis in front; else NotImplemented (one direction at a time)."""
    na, nb = len(_shape(a)), len(_shape(b))
    if i == 0:  # the directions' axis stays in front unless b's stack of matrices is deeper
        return matmul(t, b) if nb <= max(na, 2) else NotImplemented
    if nb >= 2:
        return matmul(a, t) if na <= nb else NotImplemented
    if na == 1:
        return matmul(t, a)
    return matmul(t, _swap_last(a)) if na == 2 else NotImplemented


def _matmul_vmap(batched, out, a, b):
    """Vectors made matrices ((n,) -> (1, n) for a, (n, 1) for b), batched operands given 1s
    after the batch axis up to the deeper operand's rank, so that NumPy's matmul broadcasts
    the batch axis as a stack of matrices; then the example's shape back."""
    na, nb = len(_shape(a)) - batched[0], len(_shape(b)) - batched[1]
    if na == 1:
        a = _add_axis(a, -2)
    if nb == 1:
        b = _add_axis(b, -1)
    rank = max(na, nb, 2)
    a, b = (lift(a, rank) if batched[0] else a), (lift(b, rank) if batched[1] else b)
    product = matmul(a, b)
    return reshape(product, shape=_shape(product)[:1] + _shape(out))


def _swap_last(x):
    nd = len(_shape(x))
    return transpose(x, axes=tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _add_axis(x, position):
    shape = list(_shape(x))
    shape.insert(position if position >= 0 else len(shape) + 1 + position, 1)
    return reshape(x, shape=tuple(shape))


def _matmul_vjp_a(g, out, a, b):
    if len(_shape(b)) == 1:
        return g * b if len(_shape(a)) == 1 else _add_axis(g, -1) * b
    if len(_shape(a)) == 1:  # vector @ matrix: b g, without an (n, k) temporary when unbatched
        if len(_shape(b)) == 2:
            return matmul(b, g)
        return reduce_sum(b * _add_axis(g, -2), axis=(len(_shape(b)) - 1,), keepdims=False)
    return matmul(g, _swap_last(b))


def _matmul_vjp_b(g, out, a, b):
    if len(_shape(a)) == 1:
        return g * a if len(_shape(b)) == 1 else _add_axis(a, -1) * _add_axis(g, -2)
    if len(_shape(b)) == 1:  # matrix @ vector: g a, without an (n, d) temporary when unbatched
        return matmul(g, a) if len(_shape(a)) == 2 else a * _add_axis(g, -1)
    return matmul(_swap_last(a), g)


matmul = define(
    "matmul", np.matmul, jax="jax.numpy.matmul", code="{0} @ {1}",
    jvp=(lambda t, out, a, b: matmul(t, b), lambda t, out, a, b: matmul(a, t)),
    vjp=(_matmul_vjp_a, _matmul_vjp_b),
    batch=_matmul_batch, vmap=_matmul_vmap, linear="one",
    partials=(lambda o, a, b: S.Postfix(b, "^T"), lambda o, a, b: S.Postfix(a, "^T")),
    expr=lambda a, b: S.BinOp("@", a, b),
)
transpose = define(
    "transpose", lambda x, *, axes: np.transpose(x, axes), jax="jax.numpy.transpose",
    code="np.transpose({0}, {axes})",
    jvp=(lambda t, out, x, *, axes: transpose(t, axes=axes),),
    batch=lambda i, t, out, x, *, axes: transpose(
        t, axes=(0,) + _batched_axes(tuple(reversed(range(len(_shape(x))))) if axes is None else axes,
                                     len(_shape(x)))),
    vmap=lambda batched, out, x, *, axes: transpose(
        x, axes=(0,) + _batched_axes(tuple(reversed(range(len(_shape(out))))) if axes is None else axes,
                                     len(_shape(out)))),
    linear="all",
    vjp=(lambda g, out, x, *, axes: transpose(  # the inverse permutation (axes may be negative)
        g, axes=None if axes is None else tuple(int(i) for i in np.argsort(np.mod(axes, len(axes))))),),
    partials=(lambda o, x, *, axes: S.ONE,),
    expr=lambda x, *, axes: S.Postfix(x, "^T") if axes is None else S.call("transpose", x, axes=axes),
)
reshape = define(
    "reshape", lambda x, *, shape: np.reshape(x, shape), jax="jax.numpy.reshape",
    code="np.reshape({0}, {shape})",
    jvp=(lambda t, out, x, *, shape: reshape(t, shape=shape),),
    vjp=(lambda g, out, x, *, shape: reshape(g, shape=_shape(x)),),
    batch=lambda i, t, out, x, *, shape: reshape(t, shape=_shape(t)[:1] + _shape(out)),
    vmap=lambda batched, out, x, *, shape: reshape(x, shape=_shape(x)[:1] + _shape(out)),
    linear="all",
    partials=(lambda o, x, *, shape: S.ONE,),
    expr=lambda x, *, shape: S.call("reshape", x, shape=shape),
)
broadcast_to = define(
    "broadcast_to", lambda x, *, shape: np.broadcast_to(x, shape), jax="jax.numpy.broadcast_to",
    code="np.broadcast_to({0}, {shape})",
    jvp=(lambda t, out, x, *, shape: broadcast_to(t, shape=shape),),
    vjp=(lambda g, out, x, *, shape: g,),  # the engine sums g back to x's shape
    batch=lambda i, t, out, x, *, shape: broadcast_to(
        lift(t, len(_shape(out))), shape=_shape(t)[:1] + _shape(out)),
    vmap=lambda batched, out, x, *, shape: broadcast_to(
        lift(x, len(_shape(out))), shape=_shape(x)[:1] + _shape(out)),
    linear="all",
    partials=(lambda o, x, *, shape: S.ONE,),
    expr=lambda x, *, shape: S.call("broadcast", x, shape=shape),
)


def _index_text(index) -> str:
    def one(i):
        if isinstance(i, slice):
            parts = ["" if p is None else str(p) for p in (i.start, i.stop, i.step)]
            return ":".join(parts[:2] if i.step is None else parts)
        if i is Ellipsis:
            return "..."
        if i is None:
            return "None"
        return f"<{np.shape(i)}>" if np.ndim(i) else str(i)

    items = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(one(i) for i in items) + "]"


def _batched_index(index):
    """``index`` behind a leading ``:`` for the batch axis, or None where NumPy would then
    move the batch axis (array indices separated by a slice go first)."""
    items = index if isinstance(index, tuple) else (index,)
    arrays = [k for k, i in enumerate(items) if not (i is None or i is Ellipsis or isinstance(
        i, (slice, int, np.integer)))]
    if arrays and arrays[-1] - arrays[0] + 1 != len(arrays):
        return None
    return (slice(None),) + items


def _index_vmap(batched, out, x, *, index, **shape):
    """getitem and scatter_add on a batched operand: the same index behind the batch axis."""
    moved = _batched_index(index)
    if moved is None:
        return NotImplemented
    if shape:
        return scatter_add(x, index=moved, shape=_shape(x)[:1] + tuple(shape["shape"]))
    return getitem(x, index=moved)


def _scatter_add(g, *, index, shape):
    out = np.zeros(shape, dtype=_float_dtype(g))
    np.add.at(out, index, g)
    return out


getitem = define(
    "getitem", lambda x, *, index: x[index], jax=lambda x, *, index: x[index], code="{0}[{index}]",
    jvp=(lambda t, out, x, *, index: getitem(t, index=index),),
    vjp=(lambda g, out, x, *, index: scatter_add(g, index=index, shape=_shape(x)),),
    batch=_getitem_batch, vmap=_index_vmap, linear="all",
    partials=(lambda o, x, *, index: S.ONE,),
    expr=lambda x, *, index: S.Postfix(x, _index_text(index)),
)
scatter_add = define(
    "scatter_add", _scatter_add,
    jax=lambda g, *, index, shape: _jnp().zeros(shape, g.dtype).at[index].add(g),
    jvp=(lambda t, out, g, *, index, shape: scatter_add(t, index=index, shape=shape),),
    vmap=_index_vmap, linear="all",
    vjp=(lambda c, out, g, *, index, shape: getitem(c, index=index),),
    partials=(lambda o, g, *, index, shape: S.ONE,),
    expr=lambda g, *, index, shape: S.call("scatter_add", g, index=_index_text(index), shape=shape),
)


def _block(axis, ndim, position):
    """The index selecting ``position`` (an int or a slice) along ``axis``."""
    return (slice(None),) * axis + (position,) + (slice(None),) * (ndim - axis - 1)


def _concat_bounds(i, xs, axis):
    sizes = [_shape(x)[axis] for x in xs]
    start = sum(sizes[:i])
    return slice(start, start + sizes[i])


def _placed(t, out, index):
    """A batch of tangents placed at ``index`` of the output, for every direction at once."""
    return scatter_add(t, index=(slice(None),) + index, shape=_shape(t)[:1] + _shape(out))


def _concatenate_batch(i, t, out, *xs, axis):
    nd = len(_shape(out))
    return _placed(t, out, _block(axis % nd, nd, _concat_bounds(i, xs, axis)))


def _stack_batch(i, t, out, *xs, axis):
    nd, shape = len(_shape(out)), _shape(t)[:1] + _shape(xs[i])
    if _shape(t) != shape:  # (an operand that broadcasts, such as a scalar)
        t = broadcast_to(lift(t, len(shape) - 1), shape=shape)
    return _placed(t, out, _block(axis % nd, nd, i))


def _joined_vmap(op):
    """concatenate and stack: unbatched operands broadcast along the batch axis, the axis
    moved past it."""
    def rule(batched, out, *xs, axis):
        size = next(_shape(x)[0] for x, b in zip(xs, batched) if b)
        xs = [x if b else broadcast_to(x, shape=(size,) + _shape(x)) for x, b in zip(xs, batched)]
        return op(*xs, axis=axis % len(_shape(out)) + 1)

    return rule


concatenate = define(
    "concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis),
    code="np.concatenate(({args},), axis={axis})",
    jax=lambda *xs, axis: _jnp().concatenate(xs, axis=axis),
    jvp=PerInput(lambda i, t, out, *xs, axis: scatter_add(
        t, index=_block(axis, len(_shape(out)), _concat_bounds(i, xs, axis)), shape=_shape(out))),
    vjp=PerInput(lambda i, g, out, *xs, axis: getitem(
        g, index=_block(axis, len(_shape(out)), _concat_bounds(i, xs, axis)))),
    batch=_concatenate_batch, vmap=_joined_vmap(lambda *xs, axis: concatenate(*xs, axis=axis)),
    linear="all",
    partials=PerInput(lambda i, o, *xs, axis: S.ONE),
    expr=lambda *xs, axis: S.call("concatenate", *xs, axis=axis),
)
stack = define(
    "stack", lambda *xs, axis: np.stack(xs, axis=axis), code="np.stack(({args},), axis={axis})",
    jax=lambda *xs, axis: _jnp().stack(xs, axis=axis),
    jvp=PerInput(lambda i, t, out, *xs, axis: scatter_add(
        broadcast_to(t, shape=_shape(xs[i])), index=_block(axis, len(_shape(out)), i),
        shape=_shape(out))),
    vjp=PerInput(lambda i, g, out, *xs, axis: getitem(g, index=_block(axis, len(_shape(out)), i))),
    batch=_stack_batch, vmap=_joined_vmap(lambda *xs, axis: stack(*xs, axis=axis)),
    linear="all",
    partials=PerInput(lambda i, o, *xs, axis: S.ONE),
    expr=lambda *xs, axis: S.call("stack", *xs, axis=axis),
)

# ------------------------------------------------------------------------- dtype changes


def _astype_tangent(t, out, x, *, dtype):
    """A float result carries the tangent over (cast, as JAX's convert_element_type); an
    integer or boolean result has none (a zero of its shape)."""
    if np.dtype(dtype).kind in "fc":
        return astype(t, dtype=dtype)
    return np.zeros(_shape(out), _float_dtype(t))


astype = define(
    "astype", lambda x, *, dtype: np.asarray(x).astype(dtype), code="np.asarray({0}).astype({dtype})",
    jax=lambda x, *, dtype: _jnp().asarray(x).astype(dtype),
    jvp=(_astype_tangent,),
    vjp=(lambda g, out, x, *, dtype: _astype_tangent(g, x, out, dtype=np.result_type(concrete(x)).name),),
    partials=(lambda o, x, *, dtype: S.ONE if np.dtype(dtype).kind in "fc" else S.ZERO,),
    expr=lambda x, *, dtype: S.Name(f"{x}.astype({dtype})"),
    vmap=lambda batched, out, x, *, dtype: astype(x, dtype=dtype),
)


def _jax_checkpoint_name(x, *, name):
    from jax.ad_checkpoint import checkpoint_name

    return checkpoint_name(x, name)


# ``mg.checkpoint_name(x, "h")``: the identity, tagging its value with a name that a
# checkpoint policy (``save_only_these_names``) reads from the node's parameter, as JAX's
# ``name`` primitive.
checkpoint_name = define(
    "name", lambda x, *, name: x, code="{0}", jax=_jax_checkpoint_name,
    deriv=(1,), linear="all",
    partials=(lambda o, x, *, name: S.ONE,),
    expr=lambda x, *, name: S.call("checkpoint_name", x, name=name),
)


# -------------------------------------------- indexed updates (``x.at[idx]``): JAX's scatter


def take(x, *, index, mode: str, fill_value=0.0):
    """``x[index]`` with JAX's out-of-bounds ``mode`` (``minigrad.indexing``): a getitem of the
    clamped index, and where the mode fills, ``fill_value`` where the index was outside."""
    shape = _shape(x)
    got = getitem(x, index=I.normalize(index, shape, "clip")[0])
    if mode in ("clip", "promise_in_bounds"):
        return got
    inside = I.valid(shape, index, mode)
    return got if inside.all() else where(inside, got, fill_value)


def _zeros(x):
    return np.zeros(_shape(x), _float_dtype(x))


def _equal(a, b):
    """1.0 where ``a == b``, else 0.0: the ties of scatter's min and max (recorded under mg.jit)."""
    if recording_decisions() and (type(a) is Variable or type(b) is Variable):
        return where(_DECIDE["eq"](a, b), _one(a, b), _one(a, b) * 0)
    return np.equal(concrete(a), concrete(b)).astype(_float_dtype(a, b))


def _ties(out, x, y, index, mode):
    """For scatter min/max, JAX's rule: the result's derivative is shared equally by the
    operands equal to it (x's element and each update written there)."""
    on_x = _equal(x, out)
    on_y = _equal(take(out, index=index, mode=mode), y)
    count = on_x + scatter(_zeros(out), on_y, index=index, op="add", mode=mode)
    return on_x, on_y, count


def _unique_for_multiply(x, index, mode):
    if not I.winners(_shape(x), index, mode).all():
        raise TransformError(
            f"x.at[{_index_text(index)[1:-1]}].multiply: the derivative in the values needs "
            f"indices that do not repeat (JAX: unique_indices=True), and these repeat a "
            f"position. Fix: combine the repeated factors first, or differentiate in x only.")


def _scatter_jvp_x(t, out, x, y, *, index, op, mode):
    if op == "add":
        return t
    if op in ("set", "mul"):  # zeros written over t's indexed elements, or t scaled there
        return scatter(t, 0.0 if op == "set" else y, index=index, op=op, mode=mode)
    on_x, _, count = _ties(out, x, y, index, mode)
    return t * truediv(on_x, count)


def _scatter_jvp_y(t, out, x, y, *, index, op, mode):
    zeros = _zeros(out)
    if op in ("set", "add"):
        return scatter(zeros, t, index=index, op=op, mode=mode)
    if op == "mul":
        _unique_for_multiply(x, index, mode)
        return scatter(zeros, t * take(x, index=index, mode=mode), index=index, op="add", mode=mode)
    _, on_y, count = _ties(out, x, y, index, mode)
    return truediv(scatter(zeros, t * on_y, index=index, op="add", mode=mode), count)


def _scatter_vjp_y(g, out, x, y, *, index, op, mode):
    got = take(g, index=index, mode=mode)
    if op == "add":
        return got
    if op == "set":
        return where(I.winners(_shape(x), index, mode), got, 0.0)
    if op == "mul":
        _unique_for_multiply(x, index, mode)
        return got * take(x, index=index, mode=mode)
    _, on_y, count = _ties(out, x, y, index, mode)
    return take(truediv(g, count), index=index, mode=mode) * on_y


_AT_METHOD = {"mul": "multiply"}  # the .at method of each scatter op


def _jax_scatter(x, y, *, index, op, mode):
    ref = _jnp().asarray(x).at[index]
    return getattr(ref, _AT_METHOD.get(op, op))(y, mode=mode)


_SCATTER_PARTIALS = {
    "set": ("0 at [i], else 1", "1 at [i]"), "add": ("1", "1"),
    "mul": ("y at [i], else 1", "x at [i]"),
    "min": ("[x = out]/ties", "[y = out]/ties"), "max": ("[x = out]/ties", "[y = out]/ties"),
}
def _scatter_vmap(batched, out, x, y, *, index, op, mode):
    """``x.at[:, index]`` for a batch: ``x`` broadcast along the batch axis if it is not
    batched, a batched ``y`` given 1s up to the rank of the selection it updates."""
    moved = _batched_index(index)
    if moved is None:
        return NotImplemented
    size = _shape(x if batched[0] else y)[0]
    if not batched[0]:
        x = broadcast_to(x, shape=(size,) + _shape(x))
    if batched[1]:
        y = lift(y, len(np.shape(np.empty(_shape(out))[index])))
    return scatter(x, y, index=moved, op=op, mode=mode)


scatter = define(
    "scatter", lambda x, y, *, index, op, mode: I.scatter(x, y, index, op, mode), jax=_jax_scatter,
    jvp=(_scatter_jvp_x, _scatter_jvp_y),
    # every rule in x is linear in t and self-adjoint (a mask, a scale, a sum): the same rule
    vjp=(_scatter_jvp_x, _scatter_vjp_y),
    partials=(lambda o, x, y, *, index, op, mode: S.Name(_SCATTER_PARTIALS[op][0]),
              lambda o, x, y, *, index, op, mode: S.Name(_SCATTER_PARTIALS[op][1])),
    expr=lambda x, y, *, index, op, mode: S.Name(
        f"{x}.at{_index_text(index)}.{_AT_METHOD.get(op, op)}({y})"),
    vmap=_scatter_vmap,
)

# ------------------------------------------------------ Python operators on traced values


def _reflected(prim):
    return lambda self, other: bind(prim, other, self)


def _compare(op):
    def compare(self, other):
        return Mask(_DECIDE[op.__name__](_operand(self), _operand(unmask(other))))

    return compare


def recorded(x) -> bool:
    """Whether ``x`` is a variable of a trace still recording (a finished one's compare plainly)."""
    return type(x) is Variable and x.trace.open


# ------------------------------------------------------------- decisions on values
#
# A comparison of traced values is recorded, as an operation with no derivative (the
# sweeps skip it), so that a program written from the trace computes it at its own inputs:
# ``mnp.where``'s mask, and every choice Python makes on it (``if``, ``while``: a
# ``Decision`` in the graph, which programs check first).  The rules that choose by value
# (abs, maximum, clip, max...) compute their choice from concrete values where a sweep
# runs at one point; while a program is written from a trace (``mg.jit``, ``to_python``),
# they record it too, with ``record_decisions``.

_DECISIONS = ThreadFlag()


def recording_decisions() -> bool:
    """Whether the rules' choices are recorded (a program is being written from the trace)."""
    return bool(_DECISIONS)


def record_decisions():
    """``with record_decisions():`` the rules' choices of traced values are recorded, in this thread."""
    return _DECISIONS.on()


def nondifferentiable(name: str, impl: Callable, code: str | None, arity: int, expr=None,
                      jax: Callable | None = None) -> Callable:
    """An operation without a derivative (the sweeps skip it), recorded where a value is
    chosen from (a comparison, a determinant's sign), so that programs compute it at their
    own inputs.  No entry of ``TABLE``, whose entries are the differentiable operations."""
    expr = expr or (lambda *a: S.Name(f"{name}({', '.join(map(str, a))})"))
    prim = Primitive(name, impl, (None,) * arity, (None,) * arity, (None,) * arity, expr,
                     jax or impl, code=code)
    prim.vmap = elementwise_vmap(prim)
    return prim.bind


# Identity with a zero derivative (jax.lax.stop_gradient): like the decisions, no entry of
# TABLE, whose entries are differentiated and checked against finite differences.
_stop_gradient = Primitive("stop_gradient", lambda x: x, (None,), (None,), (None,),
                           lambda a: S.call("stop_gradient", a), "jax.lax.stop_gradient",
                           code="{0}")
_stop_gradient.vmap = elementwise_vmap(_stop_gradient)
stop_gradient = _stop_gradient.bind

_DECIDE = {name: nondifferentiable(name, impl, f"{{0}} {symbol} {{1}}", 2,
                           lambda a, b, _s=symbol: S.BinOp(_s, a, b))
           for name, impl, symbol in [("lt", operator.lt, "<"), ("le", operator.le, "<="),
                                      ("gt", operator.gt, ">"), ("ge", operator.ge, ">="),
                                      ("eq", operator.eq, "=="), ("ne", operator.ne, "!=")]}
_LOGICAL = {name: nondifferentiable(name, impl, code, arity) for name, impl, code, arity in [
    ("logical_not", np.invert, "np.invert({0})", 1),  # ``~``: on booleans, logical not
    ("logical_and", np.logical_and, "np.logical_and({0}, {1})", 2),
    ("logical_or", np.logical_or, "np.logical_or({0}, {1})", 2),
    ("logical_xor", np.logical_xor, "np.logical_xor({0}, {1})", 2)]}


def _logical(name: str, *operands) -> Mask:
    """``~``, ``&``, ``|``, ``^`` of masks or traced booleans (a jit input, a comparison's
    value): recorded where one is a variable of an open trace, else evaluated."""
    return Mask(_LOGICAL[name](*[_operand(unmask(m)) for m in operands]))


def _operand(x):
    """``x`` as a decision's operation takes it: a variable of an open trace (recorded), or
    its value (a finished trace's variable: evaluated)."""
    return x if recorded(x) or type(x) is not Variable else concrete(x)


def _mask_compare(name: str):
    """``==`` and ``!=`` between masks (recorded as comparisons are)."""
    def compare(self, other):
        return Mask(_DECIDE[name](_operand(self.value), _operand(unmask(other))))
    return compare


for _cls in (Mask, Variable):
    _cls.__invert__ = lambda self: _logical("logical_not", self)
    _cls.__and__ = _cls.__rand__ = lambda self, other: _logical("logical_and", self, other)
    _cls.__or__ = _cls.__ror__ = lambda self, other: _logical("logical_or", self, other)
    _cls.__xor__ = _cls.__rxor__ = lambda self, other: _logical("logical_xor", self, other)
Mask.__eq__, Mask.__ne__, Mask.__hash__ = _mask_compare("eq"), _mask_compare("ne"), None


def truth(x) -> bool:
    """``bool(x)`` of a traced value: a decision on the recorded ``x != 0`` (Python's ``if x:``)."""
    if not recorded(x):
        return bool(np.asarray(concrete(x)))
    return decide(_DECIDE["ne"](x, 0))


Variable.__bool__ = truth

# Rounding: no derivative (JAX's is zero), so, like stop_gradient, no entry of TABLE.
round = Primitive("round", lambda x, *, decimals: np.round(x, decimals), (None,), (None,), (None,),
                  lambda a, *, decimals: S.call("round", a), "jax.numpy.round",
                  code="np.round({0}, {decimals})").bind


_ARITHMETIC = {name: TABLE[name] for name in ("add", "sub", "mul", "truediv", "pow")}


def _install_operators(cls, *, arrays: bool) -> None:
    """Give ``cls`` Python's arithmetic operators (and, for arrays, the rest) via the table."""
    for dunder, prim in _ARITHMETIC.items():
        setattr(cls, f"__{dunder}__", lambda self, other, _p=prim: bind(_p, self, other))
        setattr(cls, f"__r{dunder}__", _reflected(prim))
    cls.__neg__ = lambda self: neg(self)
    cls.__pos__ = lambda self: self
    cls.__abs__ = lambda self: absolute(self)
    if arrays:
        cls.__matmul__ = lambda self, other: matmul(self, other)
        cls.__rmatmul__ = _reflected(matmul)
        cls.__getitem__ = lambda self, index: getitem(self, index=_plain_index(index))
        for name, op in [("lt", operator.lt), ("le", operator.le), ("gt", operator.gt),
                         ("ge", operator.ge), ("eq", operator.eq), ("ne", operator.ne)]:
            setattr(cls, f"__{name}__", _compare(op))


def _plain_index(index):
    """Indices are never differentiated: unwrap masks and traced integer arrays."""
    items = index if isinstance(index, tuple) else (index,)
    if recording_decisions() and any(type(unmask(i)) is Variable for i in items):
        raise TracedValueError(
            "mg.jit: an array was indexed with a traced mask or traced integers; the "
            "compiled program would keep the positions chosen at this one point. Fix: select "
            "with mnp.where(condition, x, 0.0), or call the function without mg.jit.")
    if isinstance(index, tuple):
        return tuple(concrete(unmask(i)) for i in index)
    return concrete(unmask(index))


_install_operators(Variable, arrays=True)
_install_operators(Const, arrays=False)

# How NumPy's operator ufuncs reach us when an ndarray is the left operand.
UFUNC_OPERATORS = {
    "add": add, "subtract": sub, "multiply": mul, "true_divide": truediv, "divide": truediv,
    "power": power, "matmul": matmul, "negative": neg, "absolute": absolute,
    "less": _compare(operator.lt), "less_equal": _compare(operator.le),
    "greater": _compare(operator.gt), "greater_equal": _compare(operator.ge),
    "equal": _compare(operator.eq), "not_equal": _compare(operator.ne),
}

# The entries whose rules hold on complex numbers (``Primitive.holomorphic``): arithmetic,
# the complex-analytic functions, and the (multi)linear structural operations (linalg.py
# marks inv, solve and det).  The rest (abs, sign, maximum, clip, astype, logaddexp, erf,
# cholesky, svd...) are refused by the transformations on complex values rather than
# differentiated without conjugation.
HOLOMORPHIC = (
    "add", "sub", "mul", "truediv", "neg", "pow", "square", "sqrt", "reciprocal", "exp",
    "expm1", "log", "log1p", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arctan", "arcsin",
    "arccos", "arcsinh", "arccosh", "arctanh", "log2", "log10", "exp2", "sigmoid", "sum",
    "mean", "prod", "cumsum", "einsum", "matmul", "transpose", "reshape", "broadcast_to",
    "getitem", "scatter_add", "concatenate", "stack", "where", "name",
)
for _name in HOLOMORPHIC:
    TABLE[_name].holomorphic = True
TABLE["scatter"].holomorphic = lambda *, index, op, mode: op in ("set", "add", "mul")  # (min, max compare)
