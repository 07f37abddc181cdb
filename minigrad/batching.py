"""``mg.vmap``: the batching interpreter, one more reading of a recorded graph.

``vmap(f)(xs)`` records ``f`` once, on one example (the first slice of each batched
argument), then walks that graph and applies every operation to whole batches with its
entry's ``vmap`` rule (``Primitive``): elementwise operations broadcast as they are,
reductions and shape operations move their axes past the batch axis, matmul and einsum
stack their operands.  An entry without a rule (a user's ``mg.primitive`` given none, a
``custom_jvp`` or ``custom_vjp`` function) is applied example by example and the results
stacked: right, and as slow as a Python loop.  A ``lax.while_loop`` whose test depends on
a mapped value is batched as in JAX: it runs while any example's test holds (decided on
the whole batch's values, ``batch_value``, and under nested vmaps on all their examples),
each example keeping its carry once its own test fails.

The batched operations are ordinary operations (``bind``): under ``grad`` they are
differentiated, under ``jit`` they are the compiled program, and inside another ``vmap``
batched again, so ``vmap`` composes with every transformation.  Inside another trace only
they are recorded there: what the enclosing traces recorded while the example was traced
(copies of its operations, as nested traces record) is removed unless the batched
program reads it (``graph.pruned``).  As in JAX, a Python branch
on a batched value raises, and comparisons are recorded (as ``mg.jit`` records them), so
``mnp.where(x > 0, ...)`` chooses per example.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable

import numpy as np

from .errors import TransformError
from .lax import selecting
from .graph import Graph, Variable, concrete, evaluated_only, gc_paused, label, parameter_names, pruned, record
from .primitives import broadcast_to, getitem, lift, record_decisions, stack, transpose
from .pytree import TreeDef, _children, flatten, leaf_paths, unflatten

__all__ = ["vmap"]


def _shape(x) -> tuple:
    return np.shape(concrete(x))


def _axes_for_leaves(prefix, tree, what: str) -> list:
    """One axis (an int or None) per leaf of ``tree``, from ``prefix``, a pytree prefix of it
    whose leaves are ints or None (JAX's ``in_axes`` / ``out_axes`` rule): a node of the
    prefix matches a node of the tree of its kind (tuples and lists match each other, a
    registered class itself with the same auxiliary data) with as many children."""
    if prefix is None or isinstance(prefix, int):
        return [prefix] * len(flatten(tree)[0])
    mine, theirs = _children(prefix), _children(tree)
    sequences = (tuple, list)
    if mine is not None and theirs is not None and len(mine[2]) == len(theirs[2]) and (
            (isinstance(prefix, sequences) and isinstance(tree, sequences))
            or mine[:2] == theirs[:2]):
        return [a for p, t in zip(mine[2], theirs[2]) for a in _axes_for_leaves(p, t, what)]
    raise TransformError(
        f"vmap: {what} {prefix!r} does not match the structure of the value it describes "
        f"({type(tree).__name__}{'' if not hasattr(tree, '__len__') else f' of length {len(tree)}'}). "
        f"Fix: give an int or None, or a pytree of the value's structure (a tuple, list, dict "
        f"or registered class) with an int or None at each of its leaves or subtrees.")


def _move(x, source: int, dest: int):
    """``x`` with its axis ``source`` moved to ``dest`` (a recorded transpose if needed)."""
    nd = len(_shape(x))
    if source == dest:
        return x
    order = [k for k in range(nd) if k != source]
    order.insert(dest, source)
    return transpose(x, axes=tuple(order))


def vmap(fun: Callable, in_axes: Any = 0, out_axes: Any = 0, axis_size: int | None = None) -> Callable:
    """Like ``jax.vmap``: ``fun`` mapped over an axis of its arguments, in one batched program.

    ``in_axes``: an int (the axis of every argument to map over), None (not mapped) or a tuple
    with one entry per positional argument, each an int, None, or a pytree prefix of the
    argument (a dict of axes for a dict argument); negative axes count from the end.
    ``out_axes``: where the batch axis goes in each output (a prefix of the output's pytree);
    an output that does not depend on mapped arguments is broadcast along it, unless its
    axis is None.  Keyword arguments are not mapped (JAX maps them over their axis 0): pass
    a mapped value positionally.  ``axis_size`` is needed only when no argument is mapped.
    See the module docstring for how it batches.
    """
    if not callable(fun):
        raise TransformError(f"vmap: expected a function, got {type(fun).__name__}.")
    if not (in_axes is None or isinstance(in_axes, (int, tuple, list))):
        raise TransformError(f"vmap: in_axes must be an int, None or a tuple with one entry per "
                             f"positional argument, got {in_axes!r}. Fix: for one argument, "
                             f"wrap its axes in a tuple: in_axes=({in_axes!r},).")

    @functools.wraps(fun)
    @gc_paused
    def vmapped(*args, **kwargs):
        axes_tree = in_axes if isinstance(in_axes, (int, type(None))) else tuple(in_axes)
        if isinstance(axes_tree, tuple) and len(axes_tree) != len(args):
            raise TransformError(
                f"vmap: in_axes has {len(axes_tree)} entries but {getattr(fun, '__name__', 'the function')} "
                f"was called with {len(args)} positional argument(s). Fix: one entry per "
                f"positional argument (None for an argument not mapped).")
        leaves, tree = flatten(list(args))
        axes = _axes_for_leaves(list(axes_tree) if isinstance(axes_tree, tuple) else axes_tree,
                                list(args), "in_axes")
        names = [n + path for n, a in zip(parameter_names(fun, len(args)), args) for path in leaf_paths(a)]
        size, moved = _batch_size(leaves, axes, names, axis_size)
        return _run(fun, kwargs, tree, leaves, names, moved, size, out_axes)

    return vmapped


def _batch_size(leaves: list, axes: list, names: list, axis_size: int | None):
    """The batch size, and each mapped leaf with its axis moved to the front (else None)."""
    sizes, moved = {}, []
    for leaf, axis, name in zip(leaves, axes, names):
        if axis is None:
            moved.append(None)
            continue
        nd = len(_shape(leaf))
        if not -nd <= axis < nd or nd == 0:
            raise TransformError(
                f"vmap: in_axes={axis} for argument '{name}' of shape {_shape(leaf)}, which has "
                f"no such axis. Fix: map over an existing axis, or pass None for an argument "
                f"not mapped.")
        moved.append(_move(leaf, axis % nd, 0))
        sizes[name] = _shape(leaf)[axis % nd]
    if len(set(sizes.values())) > 1:
        listed = ", ".join(f"'{n}': {s}" for n, s in sizes.items())
        raise TransformError(f"vmap got mapped axes of different sizes ({listed}). Fix: map "
                             f"over axes of one length, or pass None for an argument not mapped.")
    if not sizes:
        if axis_size is None:
            raise TransformError("vmap: no argument is mapped (in_axes is None everywhere), so "
                                 "the batch size is unknown. Fix: pass axis_size=n.")
        return int(axis_size), moved
    size = next(iter(sizes.values()))
    if axis_size is not None and axis_size != size:
        raise TransformError(f"vmap: axis_size={axis_size} but the mapped axes have length "
                             f"{size}. Fix: leave axis_size out, or make them agree.")
    return size, moved


def _example(x):
    """The first example of a batch (zeros when the batch is empty): what ``fun`` is traced on."""
    value = concrete(x)
    if np.shape(value)[0]:
        return value[0]
    return np.zeros(np.shape(value)[1:], dtype=np.result_type(value))


def _run(fun: Callable, kwargs: dict, tree: TreeDef, leaves: list, names: list, moved: list,
         size: int, out_axes):
    mapped = [k for k, m in enumerate(moved) if m is not None]

    def on_example(*examples):
        if examples:
            eager.trace = examples[0].trace
        call = list(leaves)
        for k, e in zip(mapped, examples):
            call[k] = e
        return fun(*unflatten(tree, call), **kwargs)

    on_example.__name__ = getattr(fun, "__name__", "f")
    names = [names[k] for k in mapped]
    outside: list = []  # the enclosing traces' variables the example's graph reads
    eager = _Eager([moved[k] for k in mapped], size)
    with pruned(outside), record_decisions(), selecting(), eager:
        # The example is traced on plain values: a custom_jvp or custom_vjp function in it
        # runs its body, as under jax.vmap, unless a transformation differentiates the
        # mapped arguments (grad(vmap(f))), which asks for its rule's primal output.
        graph, out, _ = record(on_example, [_example(moved[k]) for k in mapped], range(len(mapped)),
                               names, evaluates=evaluated_only([leaves[k] for k in mapped]))
        _refuse_decisions(graph)
        outside += [x for v in graph.variables for x in v.inputs if type(x) is Variable and not graph.owns(x)]
        outside += [o for o in flatten(out)[0] if type(o) is Variable and not graph.owns(o)]
    batched = batch_graph(graph, [moved[k] for k in mapped], size)
    outs, out_tree = flatten(out)
    axes = _axes_for_leaves(out_axes, out, "out_axes")
    return unflatten(out_tree, [_place(graph, batched, o, axis, size) for o, axis in zip(outs, axes)])


def _refuse_decisions(graph: Graph) -> None:
    """Every variable of the example's graph depends on a mapped argument, so a decision on
    one (Python's ``if`` or ``while``: ``Graph.decisions`` where traces record them) may go
    another way for another example: refused, as JAX refuses it.  (``lax.cond`` and
    ``lax.switch`` select per example instead: ``lax.selecting``.)"""
    decisions = getattr(graph, "decisions", ())
    if decisions:
        raise TransformError(
            f"vmap: Python control flow (if, while, and, or, bool()) decided on "
            f"{label(decisions[0].variable)}, which depends on a mapped argument, so each "
            f"example could take another branch. Fix: compute both branches and choose per "
            f"example with mnp.where(condition, a, b), or use lax.cond, which vmap batches so.")


def _place(graph: Graph, batched: list, o, axis, size: int):
    """One output leaf with its batch axis at ``axis`` (unmapped outputs broadcast)."""
    if not graph.owns(o):  # does not depend on the mapped arguments
        if axis is None:
            return o
        o = broadcast_to(o, shape=(size,) + _shape(o))
    else:
        if axis is None:
            raise TransformError(
                "vmap: an output depends on a mapped argument but its out_axes is None. Fix: "
                "give the output an axis (out_axes=0), or make it independent of the mapped "
                "arguments.")
        o = batched[o.index]
    nd = len(_shape(o))
    if not -nd <= axis < nd:
        raise TransformError(f"vmap: out_axes={axis} for an output of {nd - 1} axes. Fix: use an "
                             f"axis in [{-nd}, {nd - 1}].")
    return _move(o, 0, axis % nd)


def batch_graph(graph: Graph, inputs: list, size: int) -> list:
    """Every variable of ``graph`` for the whole batch (batch axis first), given its inputs'
    batches: each operation applied by its entry's ``vmap`` rule, or example by example."""
    trace = graph._trace
    values: list = [None] * len(graph.variables)
    for v, x in zip(graph.inputs, inputs):
        values[v.index] = x
    for v in graph.variables:
        if v.prim is not None:
            values[v.index] = _apply(v, trace, values, size)
    return values


def _apply(v: Variable, trace, values: list, size: int, outside: Callable = lambda x: x):
    """Variable ``v`` for the whole batch, from its operands' batches (``values``, by index)
    and ``outside(x)`` for an operand not of ``trace`` (a constant to it)."""
    prim = v.prim
    flags = tuple(type(x) is Variable and x.trace is trace for x in v.inputs)
    args = [values[x.index] if b else outside(x) for x, b in zip(v.inputs, flags)]
    out = NotImplemented if prim.vmap is None else prim.vmap(flags, concrete(v.value), *args, **v.params)
    if out is NotImplemented:
        out = _example_by_example(prim, flags, args, v.params, size)
    shape = (size,) + _shape(v.value)
    if _shape(out) != shape:
        out = broadcast_to(lift(out, len(shape) - 1), shape=shape)
    return out


_EAGER = threading.local()


class _Eager:
    """While ``vmap`` records its example: the whole batch's values of the example's
    variables, computed on plain arrays as far as one is asked for (``batch_value``), so
    that a choice the batch makes as one (a batched while loop's "does any example go on")
    is made on every example's values, as JAX's batched loop makes it.  Inside other
    ``vmap`` s' examples, on every example of theirs too (their batch axes first), so that
    nested vmaps decide as one on all their examples, as nested ``jax.vmap`` s do."""

    def __init__(self, inputs: list, size: int):
        self.inputs, self.size, self.trace = inputs, size, None
        self.outer: "_Eager | None" = None  # the enclosing vmap's, when no batch is empty
        self.lead: tuple = ()  # the batch sizes of the enclosing vmaps: the values' first axes
        self.seen: list = []  # the example's variables computed so far, and their batches
        self.values: list = []

    def __enter__(self) -> "_Eager":
        stack = _EAGER.__dict__.setdefault("stack", [])
        if stack and 0 not in (*stack[-1].lead, stack[-1].size):
            self.outer, self.lead = stack[-1], (*stack[-1].lead, stack[-1].size)
        stack.append(self)
        return self

    def __exit__(self, *exc) -> None:
        _EAGER.stack.pop()

    def batch(self, x) -> np.ndarray | None:
        """``x``'s value on the whole batch where it depends on this example, else None."""
        while type(x) is Variable and x.trace is not self.trace:
            x = x.value
        return self.value(x) if type(x) is Variable else None

    def value(self, x: Variable) -> np.ndarray:
        variables = self.trace.variables
        keep = next((k for k, v in enumerate(self.seen) if variables[k] is not v), len(self.seen))
        del self.seen[keep:], self.values[keep:]  # (a recording discarded since: recomputed)
        with np.errstate(all="ignore"):
            for v in variables[len(self.seen):x.index + 1]:
                self.values.append(self._outside(self.inputs[len(self.seen)]) if v.prim is None else
                                   self._apply(v))
                self.seen.append(v)
        return self.values[x.index]

    def _outside(self, x) -> np.ndarray:
        """A value from outside the example: on every example of the enclosing vmaps."""
        if self.outer is None:
            return concrete(x)
        batch = self.outer.batch(x)
        return np.broadcast_to(concrete(x), self.lead + _shape(x)) if batch is None else batch

    def _apply(self, v: Variable) -> np.ndarray:
        if self.outer is None:
            return concrete(_apply(v, self.trace, self.values, self.size, concrete))
        outs = [concrete(_apply(v, self.trace, _Example(self.values, k), self.size,
                                lambda x: self._outside(x)[k])) for k in np.ndindex(*self.lead)]
        return np.reshape(outs, self.lead + np.shape(outs[0]))


class _Example:
    """The values of one example ``k`` (an index tuple) of the enclosing vmaps, by index."""

    def __init__(self, values: list, k: tuple):
        self.values, self.k = values, k

    def __getitem__(self, index: int) -> np.ndarray:
        return self.values[index][self.k]


def batch_value(x) -> np.ndarray | None:
    """The whole batch's value of ``x`` (batch axis first, after those of the enclosing
    vmaps' batches) where it depends on the mapped arguments of the ``vmap`` recording its
    example in this thread (directly, or through traces opened inside it), else None."""
    stack = getattr(_EAGER, "stack", None)
    return stack[-1].batch(x) if stack else None


def _example_by_example(prim, flags: tuple, args: list, params: dict, size: int):
    """The fallback for an entry without a batching rule: one application per example."""
    outs = [prim.bind(*[getitem(a, index=k) if b else a for a, b in zip(args, flags)], **params)
            for k in range(size)]
    return stack(*outs, axis=0)
