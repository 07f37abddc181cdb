"""The two interpreters of AD over a recorded graph: forward and reverse sweeps.

Both are plain loops over the graph's list (its recording order is a topological
order), so a chain of a million operations needs no recursion.  ``None`` stands for a
zero tangent or adjoint, so variables that do not depend on the seeds cost nothing.
The rules come from the primitive table; run on traced values, they are recorded in
the enclosing trace, which is how higher derivatives arise.

(*) Elementwise rules (``Scaled``: seed times local derivative) are the innermost step of
both sweeps, so they are applied inline rather than through ``Scaled.__call__``, and with
explicit arguments for one and two inputs: CPython runs a call written ``d(out, a, b)``
inside the running interpreter loop, but enters a new one for ``d(out, *args)``.  Inputs
are counted by hand: ``enumerate`` would allocate a pair and an index object per input.
Each of the three saves 3-7 % of a scalar gradient (bench/README.md).
"""

from __future__ import annotations

from itertools import islice
from typing import Callable, Mapping

import numpy as np

from .graph import Graph, Variable
from .primitives import Scaled, broadcast_to, lift, reduce_sum, reshape, stack
from .pytree import tree_map


def _shape(x) -> tuple:
    if type(x) is float:
        return ()
    shape = getattr(x, "shape", None)  # arrays, NumPy scalars and variables have one
    return shape if shape is not None else np.shape(x)


def unbroadcast(g, shape: tuple):
    """Sum ``g`` over the axes that broadcasting added to an operand of ``shape``."""
    g_shape = _shape(g)
    if g_shape == shape:
        return g
    lead = len(g_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g_shape[lead + i] != 1
    )
    g = reduce_sum(g, axis=axes, keepdims=True)
    return reshape(g, shape=shape)


def forward_sweep(graph: Graph, seeds: Mapping[int, object],
                  on_contribution: Callable | None = None) -> list:
    """Tangent of every variable (``None`` for zero), given tangents of some variables.

    ``seeds`` maps a variable's index to its tangent, usually one per input.
    ``on_contribution(v, i, c)``, if given, is called after each contribution ``c`` to the
    tangent of ``v`` from its input ``v.inputs[i]`` (the position tells repeated uses apart).
    """
    trace = graph._trace
    tangents: list = [None] * len(graph.variables)
    for i, t in seeds.items():
        tangents[i] = t
    for v in graph.variables:
        prim = v.prim
        if prim is None:
            continue
        jvp, total = prim.jvp, None
        i = -1  # the input's position, counted by hand (*)
        for x in v.inputs:
            i += 1
            if type(x) is not Variable or x.trace is not trace:
                continue
            t = tangents[x.index]
            if t is None:
                continue
            rule = jvp[i]
            if type(rule) is Scaled:  # t times the local derivative, inline and arity by arity (*)
                d = rule.d
                if type(d) is int:  # a constant local derivative, 1 or -1
                    contribution = t if d == 1 else -t
                else:
                    args = v.args
                    if v.params:
                        contribution = t * d(v.value, *args, **v.params)
                    elif len(args) == 1:
                        contribution = t * d(v.value, args[0])
                    elif len(args) == 2:
                        contribution = t * d(v.value, args[0], args[1])
                    else:
                        contribution = t * d(v.value, *args)
            elif rule is None:  # not differentiable in this input
                continue
            else:
                contribution = rule(t, v.value, *v.args, **v.params)
            total = contribution if total is None else total + contribution
            if on_contribution is not None:
                on_contribution(v, i, contribution)
        if total is not None:
            if type(v.value) is not float:  # a Python float's inputs are scalars: no broadcast
                shape = _shape(v.value)
                if _shape(total) != shape:
                    total = broadcast_to(total, shape=shape)
            tangents[v.index] = total
    return tangents


def batched_forward_sweep(graph: Graph, seeds: Mapping[int, object], size: int) -> list:
    """Tangents along ``size`` directions at once: every seed and tangent has a leading axis
    of directions (``jacfwd``'s columns in one sweep, as JAX's ``vmap`` of the JVP).

    Elementwise rules broadcast over that axis as they are; structural ones use their
    entry's ``batch`` rule, or, without one, their JVP direction by direction.  For ``n``
    columns this is a few operations on arrays with ``n`` rows instead of ``n`` sweeps.
    """
    trace = graph._trace
    tangents: list = [None] * len(graph.variables)
    for i, t in seeds.items():
        tangents[i] = t
    for v in graph.variables:
        prim = v.prim
        if prim is None:
            continue
        ndim, total = len(_shape(v.value)), None
        for i, x in enumerate(v.inputs):
            if type(x) is not Variable or x.trace is not trace or tangents[x.index] is None:
                continue
            t, rule = tangents[x.index], prim.jvp[i]
            if rule is None:
                continue
            if type(rule) is Scaled:  # an elementwise product: directions first, axes aligned
                contribution = rule(lift(t, ndim), v.value, *v.args, **v.params)
            else:
                contribution = NotImplemented if prim.batch is None else \
                    prim.batch(i, t, v.value, *v.args, **v.params)
                if contribution is NotImplemented:
                    contribution = stack(*[_broadcast(rule(t[k], v.value, *v.args, **v.params), v.value)
                                           for k in range(size)], axis=0)
            total = contribution if total is None else total + contribution
        if total is not None:
            shape = (size,) + _shape(v.value)
            if _shape(total) != shape:
                total = broadcast_to(lift(total, ndim), shape=shape)
            tangents[v.index] = total
    return tangents


def _broadcast(t, value):
    shape = _shape(value)
    return t if _shape(t) == shape else broadcast_to(t, shape=shape)


def reverse_sweep(graph: Graph, seeds: Mapping[int, object],
                  on_contribution: Callable | None = None) -> list:
    """Adjoint of every variable (``None`` for zero), given adjoints of some variables.

    ``seeds`` maps a variable's index to its cotangent, usually 1 on the output.
    Variables used more than once receive one contribution per use, summed.
    ``on_contribution(v, i, c)``, if given, is called after each contribution ``c`` of ``v``
    to the adjoint of its input ``v.inputs[i]`` (the position tells repeated uses apart).
    """
    trace = graph._trace
    adjoints: list = [None] * len(graph.variables)
    for i, g in seeds.items():
        adjoints[i] = g if adjoints[i] is None else adjoints[i] + g
    variables = graph.variables
    last = max(seeds, default=-1)  # nothing after the last seeded variable reaches a seed
    for v in islice(reversed(variables), len(variables) - 1 - last, None):
        g = adjoints[v.index]
        if g is None:
            continue
        prim = v.prim
        if prim is None:
            continue
        vjp = prim.vjp
        scalar = type(v.value) is float  # then its inputs are scalars: nothing to unbroadcast
        i = -1  # the input's position, counted by hand (*)
        for x in v.inputs:
            i += 1
            if type(x) is not Variable or x.trace is not trace:
                continue
            rule = vjp[i]
            if type(rule) is Scaled:  # g times the local derivative, inline and arity by arity (*)
                d = rule.d
                if type(d) is int:  # a constant local derivative, 1 or -1
                    contribution = g if d == 1 else -g
                else:
                    args = v.args
                    if v.params:
                        contribution = g * d(v.value, *args, **v.params)
                    elif len(args) == 1:
                        contribution = g * d(v.value, args[0])
                    elif len(args) == 2:
                        contribution = g * d(v.value, args[0], args[1])
                    else:
                        contribution = g * d(v.value, *args)
            elif rule is None:  # not differentiable in this input
                continue
            else:
                contribution = rule(g, v.value, *v.args, **v.params)
            if not scalar:
                shape = _shape(x.value)
                if _shape(contribution) != shape:
                    contribution = unbroadcast(contribution, shape)
            j = x.index
            previous = adjoints[j]
            adjoints[j] = contribution if previous is None else previous + contribution
            if on_contribution is not None:
                on_contribution(v, i, contribution)
    return adjoints


def replay(graph: Graph, inputs: list):
    """The primal interpreter: ``graph``'s operations applied again, to new ``inputs`` (one per
    input variable, in order); returns its outputs in their structure.  Each operation is
    bound, so a replay inside a transformation is recorded like any code."""
    trace = graph._trace
    values: list = [None] * len(graph.variables)
    for v, x in zip(graph.inputs, inputs):
        values[v.index] = x
    for v in graph.variables:
        if v.prim is not None:
            args = [values[x.index] if type(x) is Variable and x.trace is trace else x for x in v.inputs]
            values[v.index] = v.prim.bind(*args, **v.params)
    return tree_map(lambda o: values[o.index] if graph.owns(o) else o, graph.outputs)
