"""The explicit computation graph: variables, the Wengert list that holds them, recording.

A ``Variable`` is one node of the evaluation trace: the primitive that made it, its
inputs (variables or constants), its parameters and its value.  Nodes point to their
inputs and never back, and never to their graph (they hold a small ``_Trace`` token
instead), so a finished graph is freed by reference counting alone, without waking
the cyclic garbage collector.

``bind`` is the one place where an operation meets its arguments: if any is a variable
of an open trace, the operation is recorded there (in the innermost trace, so that
nested transformations never mix their perturbations); otherwise the primitive is
simply evaluated, on NumPy, on JAX, or folded as a symbolic constant.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import inspect
import operator
import threading
import weakref
from types import FunctionType, MethodType
from typing import Any, Callable, Sequence

import numpy as np

from . import symbolic as S
from .errors import (EscapedVariableError, MinigradError, ShapeError, SingularMatrixError,
                     TracedValueError)
from .pytree import flatten, leaf_paths, tree_map, unflatten


class _Trace:
    """Identity of one recording: its depth in the stack of open traces, and if it is open.

    While open it also holds the graph's list of variables, where ``bind`` appends; closing
    drops that reference, so no cycle (list -> variable -> trace -> list) outlives it.
    ``names`` maps an input's index to its name, which ``Variable.name`` reads: one dict
    per graph instead of a field that every node would set.  ``decisions`` is the graph's
    list of ``Decision``s, where ``decide`` appends while the trace is open.  ``evaluates``:
    the trace only evaluates (``mg.jit``'s), it differentiates nothing (``evaluated_only``).
    """

    __slots__ = ("depth", "open", "variables", "names", "decisions", "evaluates")

    def __init__(self, depth: int, variables: list, decisions: list, evaluates: bool = False):
        self.depth = depth
        self.evaluates = evaluates
        self.open = True
        self.variables = variables
        self.decisions = decisions
        self.names: dict[int, str] = {}  # input variable index -> its name


class _State(threading.local):
    """This thread's recording state, as JAX keeps its trace state per thread: a trace or
    scope opened in one thread is never nested in, closed by or tagged by another.

    ``open``: the open graphs, outermost first (index == depth); ``scopes``: one
    ``(path, [(graph, start), ...])`` per open ``mg.scope``, outermost first.  Only opening
    and closing a trace or scope reads it; ``bind`` finds its trace on its arguments.
    """

    def __init__(self):
        self.open: list[Graph] = []
        self.scopes: list[tuple[str, list]] = []


_STATE = _State()


class ThreadFlag:
    """A switch that is on, in this thread only, inside ``with flag.on():`` (a nested ``with``
    restores the state around it): how a transformation tells the code it runs a mode."""

    __slots__ = ("_local",)

    def __init__(self):
        self._local = threading.local()

    def __bool__(self) -> bool:
        return getattr(self._local, "on", False)

    @contextlib.contextmanager
    def on(self):
        was = bool(self)
        self._local.on = True
        try:
            yield
        finally:
            self._local.on = was


class Variable:
    """One node of the Wengert list: ``value = prim(*inputs, **params)``.

    Inputs of a graph have ``prim is None``.  ``index`` is the position in the graph's
    list (``v{index+1}`` in tables); ``name`` is set for inputs (the parameter's name).
    ``args`` are the arguments as the primitive saw them (this graph's variables replaced
    by their values): what the rules are applied to, kept from recording so that no
    sweep has to rebuild them.
    """

    __slots__ = ("trace", "index", "prim", "inputs", "args", "params", "value")
    # No ``__init__``: ``bind`` and ``Graph.add_input`` set the fields, since ``Variable()``
    # runs in C alone, and a Python-level call would cost a tenth of recording a scalar.

    @property
    def name(self) -> str | None:
        """An input's name (the parameter's), held by the trace rather than by every node."""
        return self.trace.names.get(self.index)

    # -- what a variable looks like from outside: the shape and dtype of its value
    @property
    def shape(self) -> tuple:
        return np.shape(concrete(self))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def dtype(self):
        return np.result_type(concrete(self))

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError(f"len() of unsized traced variable {label(self)} (a scalar)")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __array_namespace__(self, api_version=None):
        from . import numpy as mnp

        return mnp

    def __repr__(self) -> str:
        value = concrete(self)
        shown = f"shape={np.shape(value)}" if np.ndim(value) else f"value={value!r}"
        op = "input" if self.prim is None else self.prim.name
        return f"<Variable {label(self)}: {op}, {shown}>"

    __hash__ = object.__hash__

    # -- concrete conversions are where a trace would silently lose its variables
    # (``bool()`` is not one: it is a recorded decision, ``primitives.truth``)

    def _no_concrete(self, what: str):
        raise TracedValueError(
            f"{what} was applied to traced variable {label(self)}, which would drop it "
            f"from the graph. Fix: use the minigrad.numpy function instead (for example "
            f"mnp.sin, not math.sin), or convert only outside the traced function."
        )

    def __float__(self):
        self._no_concrete("float() (or a math-module function such as math.sin)")

    def __int__(self):
        self._no_concrete("int()")

    def __index__(self):
        self._no_concrete("using it as an integer index")

    def __complex__(self):
        self._no_concrete("complex()")

    def __array__(self, dtype=None, copy=None):
        self._no_concrete("np.asarray / np.array (or a NumPy function)")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # ``ndarray * variable`` reaches here through NumPy: send operators to the
        # primitive table; any other ufunc (np.sin) would bypass recording.
        from .primitives import UFUNC_OPERATORS

        prim = UFUNC_OPERATORS.get(ufunc.__name__)
        if method == "__call__" and prim is not None and not kwargs:
            return prim(*inputs)
        self._no_concrete(f"np.{ufunc.__name__} (a NumPy ufunc)")

    def __array_function__(self, func, types, args, kwargs):
        self._no_concrete(
            f"np.{func.__name__} (use mnp.{func.__name__} from minigrad.numpy instead)"
        )


class Const(float):
    """A scalar constant that remembers how it was made (``2 pi``, ``0.5 log 2 pi``).

    Operations on constants alone are folded into a new ``Const``, never recorded, so a
    trace table can print the readable expression instead of 0.9189385332046727.
    It is a float in every numerical respect.  An expression of more than
    ``symbolic.MAX_CONSTANT_SIZE`` nodes is abbreviated to the number itself.
    """

    __slots__ = ("sym",)

    def __new__(cls, value: float, sym: S.Sym):
        self = super().__new__(cls, value)
        # a long expression prints as the number (inline: folding is on the hot path)
        self.sym = sym if sym._size <= S.MAX_CONSTANT_SIZE else S.Abbreviated(float(value))
        return self

    def __reduce__(self):
        return (Const, (float(self), self.sym))


class Mask:
    """The boolean result of comparing traced values: usable by mnp.where and indexing.

    ``value`` is the recorded comparison (a variable, not differentiable) or, once its
    trace has finished, the plain booleans.  ``bool()`` (Python's ``if``, ``while``,
    ``and``, ``or``) is a *decision*: it returns the value taken and records it in the
    graph (``decide``), as the branch the graph holds for.
    """

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __bool__(self):
        return decide(self.value)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(concrete(self.value), dtype=dtype)

    def __repr__(self):
        return f"Mask({concrete(self.value)!r})"


def unmask(x):
    """The boolean value behind a ``Mask``; anything else unchanged."""
    return x.value if isinstance(x, Mask) else x


def concrete(x):
    """The plain value under any number of nested variables."""
    while isinstance(x, Variable):
        x = x.value
    return x


class Decision:
    """A value-dependent choice the trace made: ``variable`` (a recorded comparison, or a
    branch index) had the value ``taken``: a bool, or with ``branches`` the index chosen
    (clamped into ``0 .. branches - 1``).  The graph holds only where every one of its
    decisions goes the same way: programs written from it check them first (guards)."""

    __slots__ = ("variable", "taken", "branches")
    guarded = True  # (a ``Choice`` is computed by the program instead)

    def __init__(self, variable: Variable, taken, branches: int | None = None):
        self.variable, self.taken, self.branches = variable, taken, branches

    def __repr__(self) -> str:
        return f"<Decision {label(self.variable)}: {self.taken!r}>"


class Choice:
    """A choice an operation's derivative made on values that a program written from the
    graph makes again on every call, so that it needs no guard (a ``Decision`` does):
    ``where``'s mask, the side of the kink of ``abs``, ``maximum`` or ``clip``, where a ``max``
    is attained.  ``variable`` is the operation; ``relation`` is ``(op, left, right)`` from its
    entry's ``choices`` (operands: variables or constants; op None: the truth of ``left``);
    ``taken`` the value it had (a bool, or an array of them); ``ties`` how many of a strict
    relation's elements were ties (``a == b``: the derivative is shared, as JAX does)."""

    __slots__ = ("variable", "relation", "taken", "ties")
    guarded = False  # (a Decision is)

    def __init__(self, variable: Variable, relation: tuple, taken, ties: int):
        self.variable, self.relation, self.taken, self.ties = variable, relation, taken, ties

    def __repr__(self) -> str:
        return f"<Choice of {label(self.variable)} ({self.variable.prim.name}): {self.taken!r}>"


_RELATIONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
              "==": operator.eq, "!=": operator.ne}


def value_choices(graph: "Graph") -> list[Choice]:
    """The choices the graph's operations made on its variables' values (``Choice``), in
    order, read from the primitive table's ``choices`` after recording (recording pays
    nothing for them): called on the values, for what each took, and on the operands (the
    variable itself for its output), for what each was made of.  Relations between
    constants alone are no choice of the inputs."""
    found = []
    for v in graph.variables:
        rule = None if v.prim is None else v.prim.choices
        if rule is None:
            continue
        values = rule(concrete(v), *[concrete(unmask(a)) for a in v.args], **v.params)
        for (op, left, right), (_, a, b) in zip(rule(v, *v.inputs, **v.params), values):
            if not (graph.owns(left) or graph.owns(right)):
                continue
            a = np.asarray(a)
            if op is None:
                taken, ties = a.astype(bool), 0
            else:
                taken = _RELATIONS[op](a, b)
                ties = int(np.sum(np.broadcast_to(a == b, taken.shape))) if op in "<>" else 0
            found.append(Choice(v, (op, left, right), bool(taken) if taken.ndim == 0 else taken, ties))
    return found


def choice(value, branches: int | None = None):
    """What a decision takes from ``value``: its truth, or the branch index it clamps to."""
    if branches is None:
        return bool(value)
    return min(max(int(value), 0), branches - 1)


def decide(x, branches: int | None = None):
    """The choice made on the value under ``x`` (``choice``: Python's ``if`` and ``while``,
    a branch index), recorded as a ``Decision`` in every open trace ``x`` belongs to (an
    inner trace's variable is the outer one's value, so nested traces each hold it)."""
    value = concrete(x)
    taken = choice(value if type(value) is bool else np.asarray(value), branches)
    while type(x) is Variable:
        trace = x.trace
        if trace.open:
            trace.decisions.append(Decision(x, taken, branches))
        x = x.value
    return taken


def evaluated_only(xs) -> bool:
    """Whether every open trace that the values ``xs`` belong to (an inner trace's variable
    is an outer one's value) only evaluates (``mg.jit``'s): no transformation differentiates
    them, so a custom rule's primal output is not asked for, as in JAX."""
    for x in xs:
        while type(x) is Variable:
            if x.trace.open and not x.trace.evaluates:
                return False
            x = x.value
    return True


@contextlib.contextmanager
def discarded():
    """Run code whose recording is thrown away: what the open traces (of this thread)
    record inside is removed at the end (a branch run only to learn its output's shape)."""
    marks = [(g, len(g.variables), len(g.decisions)) for g in _STATE.open]
    try:
        yield
    finally:
        for g, n, d in marks:
            del g.variables[n:], g.decisions[d:]
            for k in [k for k in g.scopes if k >= n]:
                del g.scopes[k]


@contextlib.contextmanager
def pruned(roots: list):
    """Run code whose recording in the open traces (of this thread) is kept only where it is
    read: the variables in ``roots`` (filled in by the code inside), the decisions made
    inside, and what those depend on (through operands and values, across nested traces).
    The rest is removed at the end and the kept variables renumbered.  (``vmap`` records one
    example in a trace of its own; the copies of its operations that the outer traces
    record too are never read, as the batched operations replace them.)"""
    marks = [(g, len(g.variables), len(g.decisions)) for g in _STATE.open]
    yield
    starts = {g._trace: n for g, n, _ in marks}
    stack = list(roots) + [d.variable for g, _, d in marks for d in g.decisions[d:]]
    reached: set = set()
    while stack:
        v = stack.pop()
        if type(v) is not Variable or v in reached:
            continue
        start = starts.get(v.trace)
        if start is None or v.index < start:
            continue  # recorded before, or in a trace opened inside
        reached.add(v)
        stack += [*v.inputs, *v.args, v.value]
    for g, n, _ in marks:
        kept = [v for v in g.variables[n:] if v in reached]
        renumbered = {v.index: n + k for k, v in enumerate(kept)}
        for v in kept:
            v.index = renumbered[v.index]
        del g.variables[n:]
        g.variables += kept
        tags = {k: g.scopes.pop(k) for k in [k for k in g.scopes if k >= n]}
        g.scopes.update({renumbered[k]: path for k, path in tags.items() if k in renumbered})


def label(v: Variable) -> str:
    """How errors name a variable: ``v3 (sigma)``, or ``v5``."""
    base = f"v{v.index + 1}"
    return f"{base} ({v.name})" if v.name else base


# ----------------------------------------------------------------------------- recording

def bind(prim, *args, **params):
    """Apply ``prim``: record it in the innermost open trace among ``args``, else evaluate."""
    top = None
    values = []  # the arguments as the primitive sees them: the trace's variables unwrapped
    plain = True  # all Python floats and ints (scalar code): no dispatch needed, the fast path
    for a in args:
        kind = type(a)
        if kind is Variable:
            if top is None:
                top = a.trace
            elif a.trace is not top:  # variables of nested traces: record in the innermost
                top = max((x.trace for x in args if type(x) is Variable), key=_depth)
                values = [x.value if type(x) is Variable and x.trace is top else x for x in args]
                plain = False
                break
            a = a.value
            kind = type(a)
        if kind is not float and kind is not int:
            plain = False
        values.append(a)
    if top is None:
        if not plain:
            return prim.evaluate(args, params)
        values = args  # nothing was unwrapped
    elif top.open:
        values = tuple(values)  # (a tuple: calls unpack it without a copy, the variable keeps it)
    else:
        escaped = next(a for a in args if type(a) is Variable and a.trace is top)
        raise EscapedVariableError(
            f"{prim.name} was applied to variable {label(escaped)}, which belongs to a "
            f"trace that has already finished. Fix: return values out of the traced "
            f"function instead of keeping its variables (for example in a global)."
        )
    try:
        if plain:  # (calling with **params would copy even an empty dict)
            try:
                out = prim.scalar(*values, **params) if params else prim.scalar(*values)
            except (ValueError, OverflowError, ZeroDivisionError):  # NumPy's inf or nan instead
                out = prim.impl(*values, **params)
        elif top.depth and any(type(a) is Variable for a in values):
            out = bind(prim, *values, **params)  # an enclosing trace records it too
        else:
            out = prim.evaluate(values, params)
    except MinigradError:
        raise
    except (ValueError, TypeError, IndexError) as e:
        raise _operation_error(prim, args, params, e) from e
    if top is None:
        return out
    variables = top.variables
    var = Variable()
    var.trace = top
    var.index = len(variables)
    var.prim = prim
    var.inputs = args
    var.args = values
    var.params = params or _NO_PARAMS
    var.value = out
    variables.append(var)
    return var


_depth = operator.attrgetter("depth")
_NO_PARAMS: dict = {}  # shared by every variable without parameters (never mutated): memory


def _operation_error(prim, args, params, err: Exception) -> MinigradError:
    def describe(a):
        who = label(a) if isinstance(a, Variable) else "a constant"
        return f"{who} of shape {np.shape(concrete(a))}"

    operands = ", ".join(describe(a) for a in args)
    if isinstance(err, np.linalg.LinAlgError):  # a value, not a shape, is at fault
        return SingularMatrixError(
            f"{prim.name} of {operands}: {str(err).strip()} (JAX returns inf or nan here). Fix: "
            f"give an invertible matrix (for cholesky, a symmetric positive-definite one), or "
            f"regularise it, e.g. A + 1e-9 * I.")
    extra = f" with {params}" if params else ""
    return ShapeError(
        f"{prim.name}{extra} cannot be applied to {operands}: {str(err).strip()}. Fix: make the shapes "
        f"fit (NumPy broadcasting aligns trailing axes; reshape, transpose or index one "
        f"operand, e.g. x[:, None])."
    )


# Recording allocates nodes that form no cycles, yet CPython's cyclic collector would
# still scan everything alive (JAX alone holds hundreds of thousands of objects), and
# every new node again, as a graph grows: about half the recording time.  So it is paused
# while a trace records and while a transformation sweeps it, and restored as it was.
# The collector is one per process, so the record of pauses is too, shared by all threads
# without a lock (a lock would double the cost of a pause): ``_gc_holds`` has one entry per
# pause in progress (list append and pop are atomic), and ``_gc_restore`` says that some
# pause found the collector on.  Whichever thread ends the last pause turns it back on; a
# race between one thread's last resume and another's pause can only turn it on early.
_gc_holds: list = []
_gc_restore = False


def pause_gc() -> None:
    """Pause the cyclic garbage collector; calls nest, ``resume_gc`` undoes one."""
    global _gc_restore
    if gc.isenabled():
        gc.disable()
        _gc_restore = True
    _gc_holds.append(None)


def resume_gc() -> None:
    """Undo one ``pause_gc``; the last one (in any thread) restores the collector as it was."""
    global _gc_restore
    _gc_holds.pop()
    if not _gc_holds and _gc_restore:
        _gc_restore = False
        gc.enable()


def gc_paused(fn: Callable) -> Callable:
    """Decorate ``fn`` to run with the cyclic collector paused (``pause_gc``)."""
    @functools.wraps(fn)
    def paused(*args, **kwargs):
        pause_gc()
        try:
            return fn(*args, **kwargs)
        finally:
            resume_gc()

    return paused


class Graph:
    """A recorded evaluation trace (Wengert list): ``inputs``, ordered ``variables``, ``outputs``.

    The order of ``variables`` is the recording order, inputs first, which is already a
    topological order: every sweep is a plain loop over this list.  ``decisions`` are the
    choices the recording made on values (``if x > 0``, a while loop's tests, a branch
    index): the graph holds where each goes the same way, which compiled programs check.
    """

    def __init__(self, name: str = "f", evaluates: bool = False):
        self.name = name
        self.evaluates = evaluates  # recorded to be evaluated only (mg.jit), not differentiated
        self.variables: list[Variable] = []
        self.inputs: list[Variable] = []
        self.outputs: Any = None
        self.scopes: dict[int, str] = {}  # variable index -> scope path ("layer1/attn")
        self.decisions: list[Decision] = []  # the choices made on values, in order
        self._trace: _Trace | None = None
        self._opened: list | None = None  # while recording: its thread's stack of open graphs

    def __len__(self) -> int:
        return len(self.variables)

    def __repr__(self) -> str:
        return f"<Graph {self.name}: {len(self.inputs)} inputs, {len(self.variables)} variables>"

    def __enter__(self) -> "Graph":
        opened = _STATE.open
        self._trace = _Trace(len(opened), self.variables, self.decisions, self.evaluates)
        self._opened = opened  # the opening thread's stack, where __exit__ pops (one lookup)
        pause_gc()
        opened.append(self)
        return self

    def __exit__(self, *exc) -> None:
        trace, opened = self._trace, self._opened
        trace.open = False
        trace.variables = trace.decisions = None
        self._opened = None  # (no graph -> stack -> graph cycle outlives the recording)
        try:
            if not opened or opened[-1] is not self:
                raise MinigradError(
                    f"the trace of {self.name!r} was closed before a trace opened inside "
                    f"it; open and close traces with `with` (Graph is a context manager).")
            opened.pop()
        finally:
            resume_gc()

    def add_input(self, value, name: str | None = None) -> Variable:
        """Wrap ``value`` as a new input variable of this (open) graph."""
        var = Variable()
        var.trace, var.index, var.prim, var.value = self._trace, len(self.variables), None, value
        var.inputs = var.args = ()
        var.params = _NO_PARAMS
        if name:
            self._trace.names[var.index] = name
        self.variables.append(var)
        self.inputs.append(var)
        return var

    @property
    def choices(self) -> list[Choice]:
        """The choices its operations' derivatives made on values, which programs written
        from it compute on every call (``where``'s mask, ``abs``'s kink...): ``Choice``."""
        return value_choices(self)

    def add_known(self, prim, inputs: Sequence, params: dict, value) -> Variable:
        """Record ``prim(*inputs, **params)`` in this open graph without evaluating it: its
        output ``value`` is known (a residual ``mg.checkpoint`` saved).  The sweeps read the
        node as any other."""
        var = Variable()
        var.trace, var.index, var.prim, var.value = self._trace, len(self.variables), prim, value
        var.inputs = tuple(inputs)
        var.args = tuple(x.value if self.owns(x) else x for x in var.inputs)
        var.params = params or _NO_PARAMS
        self.variables.append(var)
        return var

    def table(self, mode: str | None = None, wrt=None, naming: str = "v", **options):
        """The trace table (primal values and partials; tangents or adjoints by ``mode``);
        further keyword options go to ``explain.table.build_table``."""
        from .explain.table import build_table

        return build_table(self, mode, wrt, naming, **options)

    def to_dot(self, mode: str | None = None, **options):
        """A ``graphviz.Digraph`` of this graph (values; tangents or adjoints by ``mode``)."""
        from .explain.dot import to_dot

        return to_dot(self, mode=mode, **options)

    def render(self, path, mode: str | None = None, **options):
        """Draw this graph to ``path`` (svg, pdf, png, dot, mmd or tex, from the suffix)."""
        from .explain.dot import render

        return render(self, path, mode=mode, **options)

    def to_mermaid(self, mode: str | None = None, wrt=None, naming: str = "v", **options) -> str:
        """A Mermaid ``flowchart LR`` of this graph, for Markdown docs and slides."""
        from .explain.text_backends import to_mermaid

        return to_mermaid(self, mode=mode, wrt=wrt, naming=naming, **options)

    def to_tikz(self, mode: str | None = None, wrt=None, naming: str = "v", **options) -> str:
        """A standalone-compilable TikZ picture of this graph (LaTeX math, layered layout)."""
        from .explain.text_backends import to_tikz

        return to_tikz(self, mode=mode, wrt=wrt, naming=naming, **options)

    def backward_graph(self, seed=None) -> "Graph":
        """The gradient program: the adjoint computation of reverse mode, as a graph of its own.

        Its inputs stand for this graph's inputs; its outputs are their adjoints (one input:
        the adjoint itself; several: a tuple).  ``seed`` is the output's cotangent (1).
        """
        from .explain.programs import backward_graph

        return backward_graph(self, seed=seed)

    def forward_graph(self, wrt=None) -> "Graph":
        """The tangent program: forward mode's computation, seeded along ``wrt``, as a graph."""
        from .explain.programs import forward_graph

        return forward_graph(self, wrt=wrt)

    def memory(self):
        """What the reverse sweep holds: peak live values and bytes, with the checkpoints
        (``mg.checkpoint``) as recorded and without them, and per backward step
        (``explain.memory.Memory``)."""
        from .explain.memory import memory

        return memory(self)

    def to_python(self, mode: str | None = None, wrt=None) -> str:
        """This graph as the source of a Python function, one statement per variable; with
        ``mode="reverse"`` (or ``"forward"``, seeded by ``wrt``) the adjoint (tangent)
        statements follow, commented with their rules.  ``.compile()`` makes the function."""
        from .codegen import to_python

        return to_python(self, mode=mode, wrt=wrt)

    def frames(self, mode: str = "reverse", wrt=None, naming: str = "v", theme: str = "light",
               max_nodes: int | None = None, memory: bool = False):
        """One frame per step of the forward or reverse sweep, for slides (``.write(dir)``);
        in a notebook they display as an interactive stepper.  ``memory=True`` (reverse)
        captions each step with the values it holds and recomputes (``Graph.memory()``)."""
        from .explain.frames import frames

        return frames(self, mode=mode, wrt=wrt, naming=naming, theme=theme, max_nodes=max_nodes,
                      memory=memory)

    def display(self, mode: str | None = None, wrt=None, **options):
        """The drawing of this graph as a notebook shows it (``g.display(mode="reverse")``:
        with adjoints; ``mode="forward", wrt=...``: with tangents); laid out to fit a cell."""
        from .explain.display import draw

        return draw(self, mode=mode, wrt=wrt, **options)

    def to_svg(self, mode: str | None = None, wrt=None, **options) -> str:
        """The SVG drawing of this graph (``to_dot``'s options), with or without Graphviz's
        program (``explain.layout``)."""
        from .explain.dot import to_svg

        return to_svg(self, mode=mode, wrt=wrt, **options)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        from .explain.display import mimebundle

        return mimebundle(self)

    def owns(self, x) -> bool:
        """Whether ``x`` is a variable recorded in this graph (not a constant to it)."""
        return isinstance(x, Variable) and x.trace is self._trace


class scope(contextlib.ContextDecorator):
    """Tag the variables recorded inside ``with mg.scope("layer1"):`` with that name.

    Each graph open when the scope is entered remembers, in ``graph.scopes`` (variable
    index -> scope path), which of its variables were recorded inside; nested scopes give
    paths such as ``"layer1/attention"`` (the innermost scope wins).  The graph writers
    draw each scope as a cluster.  Also usable as a decorator, ``@mg.scope("layer")``.
    Tags are written when the scope closes, so recording costs nothing extra; a trace
    opened and closed inside the scope (``with mg.scope("a"): mg.trace(f, x)``) is not
    tagged: put the scope inside the traced function.
    """

    def __init__(self, name: str):
        if not isinstance(name, str) or not name:
            raise ValueError(f"scope: the name must be a non-empty string, got {name!r}")
        self.name = name

    def __enter__(self) -> "scope":
        state = _STATE
        path = f"{state.scopes[-1][0]}/{self.name}" if state.scopes else self.name
        state.scopes.append((path, [(g, len(g.variables)) for g in state.open]))
        return self

    def __exit__(self, *exc) -> None:
        path, starts = _STATE.scopes.pop()  # scopes close in the order they opened, per thread
        for g, start in starts:
            tags = g.scopes
            for i in range(start, len(g.variables)):
                tags.setdefault(i, path)  # inner scopes closed first and keep their path


def record(f: Callable, args: Sequence, argnums: Sequence[int], names: Sequence[str],
           evaluates: bool = False):
    """Call ``f(*args)`` with the leaves of ``args[i]`` for ``i`` in ``argnums`` as inputs
    (``evaluates``: the graph is recorded only to be evaluated, as ``mg.jit`` records).

    Returns ``(graph, out, wrapped)`` where ``wrapped[k]`` is the pytree of input
    variables standing for ``args[argnums[k]]``.
    """
    graph = Graph(getattr(f, "__name__", "f"), evaluates)
    call_args = list(args)
    wrapped = []
    with graph:
        for i in argnums:
            if type(args[i]) is float:  # one input, no tree to walk: the commonest case
                call_args[i] = graph.add_input(args[i], names[i])
            else:
                leaves, tree = flatten(args[i])
                paths = leaf_paths(args[i])
                inputs = [graph.add_input(leaf, names[i] + path)
                          for leaf, path in zip(leaves, paths)]
                call_args[i] = unflatten(tree, inputs)
            wrapped.append(call_args[i])
        out = f(*call_args)
        if type(out) is not Variable and type(out) is not float:  # (the common cases, at once)
            out = tree_map(unmask, out)  # a comparison returned is its boolean variable, as in JAX
    graph.outputs = out
    return graph, out, wrapped


def parameter_names(f: Callable, count: int) -> list[str]:
    """Names for ``count`` positional arguments of ``f``: its parameters', else x1, x2, ..."""
    params = _positional_parameters(f)
    if len(params) < count:
        params = params + tuple(f"x{i + 1}" for i in range(len(params), count))
    return list(params[:count])


def _positional_parameters(f: Callable) -> tuple[str, ...]:
    """The names of ``f``'s positional parameters, without keeping ``f`` alive anywhere.

    A plain function or a method bound to one carries them in its code object (read in
    well under a microsecond); other callables (partials, callable objects, decorated
    functions, whose ``inspect.signature`` costs more than differentiating a small
    function) are looked up once each, in a cache that holds them weakly: a bound method
    or closure over a model's data must not keep that data alive (issue 13, item 3).
    """
    fn = f.__func__ if type(f) is MethodType else f
    if type(fn) is FunctionType and not fn.__dict__:  # no __wrapped__ or __signature__
        code = fn.__code__
        return code.co_varnames[fn is not f:code.co_argcount]
    try:
        return _SIGNATURES[f]
    except (KeyError, TypeError):  # not yet seen; or unhashable / not weakly referable
        pass
    params = _signature_parameters(f)
    with contextlib.suppress(TypeError):
        _SIGNATURES[f] = params
    return params


def _signature_parameters(f: Callable) -> tuple[str, ...]:
    try:
        return tuple(
            p.name for p in inspect.signature(f).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        )
    except (TypeError, ValueError):
        return ()


_SIGNATURES: "weakref.WeakKeyDictionary[Callable, tuple[str, ...]]" = weakref.WeakKeyDictionary()


def trace(f: Callable, *args, names: Sequence[str] | None = None) -> Graph:
    """Record ``f(*args)`` as an explicit graph; inputs are named after ``f``'s parameters.

    ``mg.trace(lognormal, 1.5, 0.0, 2.0, names=("y", "mu", "sigma"))`` gives the ten
    variables of the textbook table.  Array and pytree arguments are allowed: each leaf
    is one input variable.
    """
    if names is None:
        names = parameter_names(f, len(args))
    elif len(names) != len(args):
        raise ValueError(
            f"trace: names has {len(names)} entries but {len(args)} arguments were given; "
            f"give one name per positional argument."
        )
    graph, _, _ = record(f, args, range(len(args)), list(names))
    return graph
