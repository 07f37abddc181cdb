"""``mg.linearize`` and ``mg.linear_transpose``: the JVP as a graph of its own, run backwards.

``linearize(f, *primals)`` records ``f`` once, then runs the forward sweep with the tangents
as the inputs of a second, open graph: the rules' primal factors (``cos(x)``, ``1/sigma``)
are computed there and then, as constants, and only the operations on tangents are
recorded.  That second graph is the linear map ``t -> J t``: ``f_jvp`` replays it on new
tangents, without the primal computation, and ``f_jvp.graph`` can be tabled and drawn.

``linear_transpose(f_lin, *primals)`` records a linear function (``f_jvp``, or any function
built from linear operations: the entries' ``linear`` field says which are) and returns
its transpose, which runs that graph in reverse: the reverse sweep over a linear graph is
its transpose.  So ``linear_transpose(f_jvp, *primals)(1.0)`` is the gradient, as
Autodidax derives ``vjp`` from ``jvp``: the VJP is the transposed JVP.
"""

from __future__ import annotations

import inspect
from typing import Callable

import numpy as np

from .errors import TransformError
from .graph import Graph, Variable, concrete, gc_paused, label, parameter_names, record
from .modes import forward_sweep, replay, reverse_sweep
from .pytree import flatten, leaf_paths, tree_map
from .transforms import (_check_inexact, _gather, _refuse_non_holomorphic, _seed_outputs, _split_aux,
                         _strip, zeros_like)

__all__ = ["linearize", "linear_transpose", "LinearFunction"]


class LinearFunction:
    """A linear map held as a recorded graph: call it to apply the map; ``graph`` (an
    ordinary ``Graph``: ``.table()``, ``.render()``, ``.display()``) shows its operations."""

    def __init__(self, graph: Graph, apply: Callable, doc: str, parameters: list[str]):
        self.graph = graph
        self._apply = apply
        self.__doc__ = doc
        self.__name__ = graph.name
        # (``linear_transpose`` names the inputs of the graph it records after these)
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in parameters])

    def __repr__(self) -> str:
        return f"<LinearFunction {self.graph.name}: {len(self.graph.variables)} variables>"

    def __call__(self, *args):
        return self._apply(*args)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return self.graph._repr_mimebundle_(include, exclude)


def _check_like(given, expected, what: str, fname: str) -> list:
    """The leaves of ``given``, which must have ``expected``'s structure and shapes."""
    leaves, tree = flatten(given)
    want, want_tree = flatten(expected)
    if tree != want_tree:
        raise TransformError(f"{fname}: the {what} must have the structure of "
                             f"{'the primals' if what == 'tangents' else 'the output'}. Fix: "
                             f"pass one per leaf, in the same tuples, lists and dicts.")
    for path, a, b in zip(leaf_paths(expected), leaves, want):
        if np.shape(concrete(a)) != np.shape(concrete(b)):
            raise TransformError(
                f"{fname}: the {what[:-1]} at {path or 'the top'} has shape "
                f"{np.shape(concrete(a))}, expected {np.shape(concrete(b))}. Fix: give it the "
                f"shape of the value it goes with.")
    return leaves


@gc_paused
def linearize(fun: Callable, *primals, has_aux: bool = False) -> tuple:
    """Like ``jax.linearize``: ``(fun(*primals), f_jvp)`` with ``f_jvp(*tangents)`` the JVP at
    ``primals``, from one forward sweep whose tangent operations were recorded as a graph
    (``f_jvp.graph``); each call replays only that linear graph.  With ``has_aux``, ``fun``
    returns ``(output, aux)`` and the result is ``(output, f_jvp, aux)``."""
    names = parameter_names(fun, len(primals))
    for p, name in zip(primals, names):
        _check_inexact(p, name, "linearize")
    graph, out, wrapped = record(fun, primals, range(len(primals)), names)
    out, aux = _split_aux(out, has_aux, "linearize")
    _refuse_non_holomorphic(graph, "linearize")
    inputs, _ = flatten(wrapped)
    lin = Graph(f"{graph.name}_jvp")
    with lin:
        seeds = {v.index: lin.add_input(zeros_like(v.value), f"d{v.name}") for v in inputs}
        tangents = forward_sweep(graph, seeds)
    lin.outputs = tree_map(
        lambda o: (tangents[o.index] if graph.owns(o) and tangents[o.index] is not None
                   else zeros_like(_strip(graph, o))), out)

    def f_jvp(*tangent_args):
        leaves = _check_like(list(tangent_args), list(primals), "tangents", "linearize's f_jvp")
        return replay(lin, leaves)

    doc = f"The JVP of {graph.name} at the primals given to linearize: f_jvp(*tangents)."
    f_lin = LinearFunction(lin, f_jvp, doc, [f"d{n}" for n in names])
    return (_strip(graph, out), f_lin, _strip(graph, aux)) if has_aux else (_strip(graph, out), f_lin)


def _check_linear(graph: Graph) -> None:
    """Each recorded operation must be linear in the variables it was given (``Primitive.linear``)."""
    trace = graph._trace
    for v in graph.variables:
        if v.prim is None:
            continue
        traced = [k for k, x in enumerate(v.inputs) if type(x) is Variable and x.trace is trace]
        linear = v.prim.linear
        ok = linear == "all" or (linear == "one" and len(traced) == 1) or (
            isinstance(linear, tuple) and all(k in linear for k in traced))
        if not ok:
            raise TransformError(
                f"linear_transpose: the function is not linear: {label(v)} = {v.prim.name} of "
                f"{', '.join(label(v.inputs[k]) for k in traced)}, which is not linear in "
                f"{'them' if len(traced) > 1 else 'it'}. Fix: transpose a linear function, such "
                f"as the f_jvp that mg.linearize returns.")


@gc_paused
def linear_transpose(fun: Callable, *primals) -> LinearFunction:
    """Like ``jax.linear_transpose``: the transpose of the linear ``fun``, whose arguments are
    shaped like ``primals``.  ``f_t(cotangent)`` returns a tuple, one cotangent per primal,
    from one reverse sweep over ``fun``'s recorded graph (``f_t.graph``, drawn with
    ``mode="reverse"`` to show the transposed run).  A nonlinear operation raises."""
    names = parameter_names(fun, len(primals))
    graph, out, wrapped = record(fun, primals, range(len(primals)), names)
    _check_linear(graph)
    outs, _ = flatten(out)

    def f_transpose(cotangent):
        cts = _check_like(cotangent, out, "cotangents", "linear_transpose's function")
        adjoints = reverse_sweep(graph, _seed_outputs(graph, outs, cts))
        return tuple(_gather(graph, adjoints, wrapped))

    doc = f"The transpose of {graph.name}: f_t(cotangent) -> one cotangent per primal."
    return LinearFunction(graph, f_transpose, doc, ["cotangent"])
