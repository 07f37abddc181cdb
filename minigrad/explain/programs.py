"""The sweeps as programs: the adjoint (or tangent) computation of a graph, as a graph.

Reverse mode on a graph performs a computation of its own, the *gradient program*: it
replays the primal and then, from the output back, applies each primitive's VJP rule.
``backward_graph`` records exactly that program, the way nested transformations do:

1. open a new graph, the program, with one input per input of the original graph;
2. inside it, open a second graph and *replay* the original one there, primitive by
   primitive, on the program's inputs: each operation is recorded twice, in the replay
   graph (whose values are the program's variables) and in the program (the primal
   replay);
3. run ``reverse_sweep`` over the replay graph: its rules see the program's variables as
   values, so every operation they perform is recorded in the program (the adjoint
   computation).  Operations on constants alone fold, as in any trace.

The program's outputs are the adjoints of the inputs.  ``forward_graph`` does the same
with ``forward_sweep`` and a seed direction: the tangent program.  Both return a
``Program``, an ordinary ``Graph`` (``.table()``, ``.to_dot()``, ``.render()``,
``.backward_graph()``...) that also knows which variable is which: ``roles`` (``primal``,
``adjoint`` or ``tangent`` per variable), the scopes ``primal``, ``adjoint`` and
``tangent`` (so the drawings cluster them; the original graph's ``mg.scope`` names nest
inside), ``primal_of`` and ``derivative_of`` (per variable of the original graph: the
program value that replays it, and its final adjoint or tangent) and ``contributions``.

Like every trace, a program holds for the point it was recorded at: where a rule decides
something on concrete values (which argument of a ``max`` wins), the decision is a
constant of the program.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..graph import Graph, Variable, bind, concrete
from ..modes import forward_sweep, reverse_sweep
from ..pytree import tree_map
from ..transforms import zeros_like
from .table import _forward_seeds, _output


@dataclass(frozen=True)
class ProgramContribution:
    """One term a sweep added: from ``source`` to ``target`` (indices of the original graph).

    Reverse: the adjoint of ``source`` (the active variable) times its partial with respect
    to its input ``target``; forward: the tangent of ``source`` (an input of the active
    variable ``target``) times the partial.  ``position`` tells repeated uses apart;
    ``value`` is the program's variable (or a constant, when it folded) holding the term.
    """

    source: int
    target: int
    position: int
    value: object


class Program(Graph):
    """A graph recorded from a sweep over another graph (see the module docstring)."""

    def __init__(self, name: str, source: Graph, kind: str):
        super().__init__(name)
        self.source = source
        self.kind = kind  # "backward" or "forward"
        self.roles: dict[int, str] = {}  # program index -> "primal", "adjoint" or "tangent"
        self.primal_of: dict[int, object] = {}  # original index -> its replay in the program
        self.derivative_of: dict[int, object] = {}  # original index -> final adjoint/tangent
        self.contributions: list[ProgramContribution] = []

    def __repr__(self) -> str:
        counts = {r: sum(1 for x in self.roles.values() if x == r) for r in set(self.roles.values())}
        parts = ", ".join(f"{n} {r}" for r, n in sorted(counts.items()))
        return f"<Program {self.name}: {len(self.inputs)} inputs, {len(self.variables)} variables ({parts})>"

    @property
    def notes(self) -> dict[int, str]:
        """Per program variable holding a final adjoint or tangent: which (``adjoint of v3
        (sigma)``); the drawings print it under the node's value."""
        word = "adjoint" if self.kind == "backward" else "tangent"
        found: dict[int, list[str]] = {}
        for i, d in self.derivative_of.items():
            if self.owns(d):
                v = self.source.variables[i]
                found.setdefault(d.index, []).append(f"v{i + 1}" + (f" ({v.name})" if v.name else ""))
        return {k: f"{word} of " + ", ".join(names) for k, names in found.items()}

    def derivative(self, x):
        """The adjoint (or tangent) of ``x`` in the program: a variable, or a constant.

        ``x`` is a variable of the original graph, its index, its table name (``"v3"``) or
        an input's name (``"sigma"``); zero derivatives are ``None``.
        """
        return self.derivative_of.get(self._source_index(x))

    def _source_index(self, x) -> int:
        src = self.source
        if isinstance(x, Variable):
            return x.index
        if isinstance(x, (int, np.integer)):
            return int(x)
        names = {v.name: v.index for v in src.inputs if v.name}
        if x in names:
            return names[x]
        if isinstance(x, str) and x[:1] == "v" and x[1:].isdigit() and 0 < int(x[1:]) <= len(src):
            return int(x[1:]) - 1
        raise KeyError(f"{x!r} is not a variable of {src.name}: give an index, 'v3' or an input's name")


class _Tagger:
    """Gives every program variable recorded since the last call a role and a scope."""

    def __init__(self, program: Program):
        self.program = program
        self.mark = len(program.variables)

    def __call__(self, role: str, source_scope: str | None) -> None:
        prog = self.program
        path = role if source_scope is None else f"{role}/{source_scope}"
        for i in range(self.mark, len(prog.variables)):
            prog.roles[i] = role
            prog.scopes.setdefault(i, path)
        self.mark = len(prog.variables)


def _replay(graph: Graph, prog: Program, replay: Graph, tag: _Tagger) -> list:
    """Inside the open ``prog`` and ``replay``: program inputs, and ``graph`` replayed on them.

    Returns, per variable of ``graph``, what stands for it in the replay (a replay
    variable, or a constant where it folded).
    """
    rep: list = [None] * len(graph.variables)
    for v in graph.variables:
        if v.prim is None:
            p = prog.add_input(concrete(v.value), v.name)
            tag.mark = len(prog.variables)
            rep[v.index] = replay.add_input(p, v.name)
            prog.primal_of[v.index] = p
            continue
        args = [rep[x.index] if graph.owns(x) else
                (concrete(x) if isinstance(x, Variable) else x) for x in v.inputs]
        r = bind(v.prim, *args, **(v.params or {}))
        rep[v.index] = r
        prog.primal_of[v.index] = r.value if replay.owns(r) else r
        tag("primal", graph.scopes.get(v.index))
    return rep


def backward_graph(graph: Graph, seed=None) -> Program:
    """The gradient program of ``graph``: primal replay, then the reverse sweep's rules.

    Its inputs stand for ``graph``'s inputs (same names and values); its outputs are their
    adjoints (with one input the adjoint itself, else a tuple in input order; an input the
    output does not depend on gets a zero constant).  ``seed`` is the cotangent of the
    output, 1 by default (a scalar output is required then).
    """
    out = _output(graph, "backward_graph", scalar=seed is None,
                  fix="give seed= (a cotangent of that shape), or reduce the output to a scalar")
    seed = 1.0 if seed is None else seed
    prog = _sweep_program(graph, "backward", {out.index: seed})
    grads = [prog.derivative_of.get(v.index, None) for v in graph.inputs]
    grads = [zeros_like(v.value) if g is None else g for v, g in zip(graph.inputs, grads)]
    prog.outputs = grads[0] if len(grads) == 1 else tuple(grads)
    return prog


def forward_graph(graph: Graph, wrt=None) -> Program:
    """The tangent program of ``graph``: primal replay, then the forward sweep's rules.

    ``wrt`` chooses the seed direction as in ``graph.table(mode="forward", wrt=...)``: an
    input's name or position (a unit seed), or one seed per input.  The outputs are the
    tangents of ``graph``'s outputs, in their structure.
    """
    prog = _sweep_program(graph, "forward", _forward_seeds(graph, wrt))

    def tangent_of(o):
        t = prog.derivative_of.get(o.index) if graph.owns(o) else None
        return zeros_like(o) if t is None else t

    prog.outputs = tree_map(tangent_of, graph.outputs)
    return prog


def _sweep_program(graph: Graph, kind: str, seeds: dict) -> Program:
    """Replay ``graph`` in a new trace, then run its sweep there so every rule is recorded.

    ``kind`` is "backward" (reverse sweep, adjoints) or "forward" (forward sweep,
    tangents); ``seeds`` are keyed by ``graph``'s own variable indices.
    """
    backward = kind == "backward"
    label = "adjoint" if backward else "tangent"
    prog = Program(f"{graph.name}_{kind}", graph, kind)
    tag = _Tagger(prog)
    replay = Graph(graph.name)
    with prog, replay:
        rep = _replay(graph, prog, replay, tag)
        back = {r.index: v.index for v, r in zip(graph.variables, rep) if replay.owns(r)}

        def on_contribution(v, i, c):
            active, operand = back[v.index], back[v.inputs[i].index]
            tag(label, graph.scopes.get(active))
            source, target = (active, operand) if backward else (operand, active)
            prog.contributions.append(ProgramContribution(source, target, i, c))

        replay_seeds = {rep[k].index: s for k, s in seeds.items() if replay.owns(rep[k])}
        sweep = reverse_sweep if backward else forward_sweep
        derivatives = sweep(replay, replay_seeds, on_contribution)
        tag(label, None)
    for v, r in zip(graph.variables, rep):
        d = derivatives[r.index] if replay.owns(r) else None
        if d is not None:
            prog.derivative_of[v.index] = d
    return prog


def output_values(graph: Graph):
    """The values of a graph's outputs, in their structure (constants as they are)."""
    return tree_map(lambda o: concrete(o.value) if graph.owns(o) else concrete(o), graph.outputs)
