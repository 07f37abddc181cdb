"""What reverse mode holds in memory, step by step: ``Graph.memory()``.

The reverse sweep needs the recorded values (the tape) until the backward step that uses
them last: walking back, the step of variable ``v_j`` still needs ``v_1 .. v_j`` (every
later one has been swept: its uses all come after it).  So the values live at that step
are ``j``, plus, at a checkpointed function's node (``mg.checkpoint``), the intermediates
its reverse rule records again, which live only during that step.  Without checkpointing,
each such node would have held those intermediates on the tape from the forward sweep on.

The recomputed intermediates are counted by recording the checkpointed function again at
the node's inputs, as its reverse rule does (a checkpoint nested inside one is counted the
same way, recursively).  With a checkpoint policy, the values it saves
(``remat.saved_variables``) are held with the node from the forward sweep on, like the
tape, and only the others are recomputed at its step (its output too is then known, not
recomputed).  Bytes are the values' ``nbytes`` (8 for a Python float).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..graph import Graph, Variable, concrete, trace
from ..remat import saved_variables


def _nbytes(value) -> int:
    value = concrete(value)
    return 8 if isinstance(value, (float, int)) else int(np.asarray(value).nbytes)


@dataclass
class Step:
    """The backward step of one variable: what is live while it is swept."""

    index: int  # the variable's position in the graph
    live_values: int
    live_bytes: int
    recomputed: int  # values its reverse rule records again (a checkpointed function's)


@dataclass
class Memory:
    """Peak live values and bytes of the reverse sweep, with checkpointing as recorded and
    as if every checkpointed function had kept its intermediates; ``steps`` per variable,
    in the order the backward sweep visits them."""

    peak_values: int
    peak_bytes: int
    values_without_checkpointing: int
    bytes_without_checkpointing: int
    recomputed_values: int  # over the whole sweep: the extra forward work, in values
    saved_values: int  # kept on the tape by checkpoint policies (mg.checkpoint(f, policy=...))
    steps: list[Step]

    def __str__(self) -> str:
        lines = [f"peak live values: {self.peak_values} ({self.peak_bytes} bytes)",
                 f"without checkpointing: {self.values_without_checkpointing} "
                 f"({self.bytes_without_checkpointing} bytes)"]
        if self.saved_values:
            lines.append(f"saved by checkpoint policies: {self.saved_values} values")
        if self.recomputed_values:
            lines.append(f"recomputed in the backward sweep: {self.recomputed_values} values")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return "\n".join(f"- {line}" for line in str(self).splitlines())


def _segment(v: Variable) -> tuple[Graph, list, list, bool] | None:
    """The graph a checkpointed function's reverse rule records again, the values its policy
    saves (held from the forward sweep on), the outputs it then knows, and whether ``v`` is
    its call's first node (a function returning a pytree has one per output leaf, which
    share one call's residuals and, without checkpointing, its intermediates); or None."""
    custom = getattr(v.prim, "custom", None)
    body = getattr(custom, "_body", None)
    if body is None:
        return None
    call = v.params["call"]
    segment = trace(body(call), *[concrete(a) for a in v.args])
    first = call.leaf in (None, 0)
    policy = getattr(custom, "policy", None)
    if policy is None:
        return segment, [], [], first
    saved = saved_variables(segment, policy)
    known = [x for x in [segment.outputs] if segment.owns(x)] + saved
    return segment, saved if first else [], known, first


def _count(variables) -> tuple[int, int]:
    return len(variables), sum(_nbytes(x.value) for x in variables)


def memory(graph: Graph) -> Memory:
    """The memory profile of ``graph``'s reverse sweep (see the module docstring)."""
    sizes = [(1, _nbytes(v.value)) for v in graph.variables]  # what each value holds on the tape
    inline = list(sizes)  # ... had no function been checkpointed
    extra: dict[int, tuple[int, int]] = {}  # what a checkpoint node's step records again
    for v in graph.variables:
        found = _segment(v) if v.prim is not None else None
        if found is not None:
            segment, held, known, first = found
            inner = memory(segment)
            n_in, in_bytes = _count(segment.inputs)
            n_known, known_bytes = _count(known)
            n_held, held_bytes = _count(held)
            extra[v.index] = (inner.peak_values - n_in - n_known, inner.peak_bytes - in_bytes - known_bytes)
            sizes[v.index] = (1 + n_held, sizes[v.index][1] + held_bytes)
            inline[v.index] = (inner.values_without_checkpointing - n_in,
                               inner.bytes_without_checkpointing - in_bytes) if first else (0, 0)
    steps, held_values, held_bytes = [], 0, 0
    prefix = []
    for n, b in sizes:
        held_values, held_bytes = held_values + n, held_bytes + b
        prefix.append((held_values, held_bytes))
    for v in reversed(graph.variables):
        n, b = prefix[v.index]
        r, rb = extra.get(v.index, (0, 0))
        steps.append(Step(v.index, n + r, b + rb, r))
    return Memory(
        peak_values=max((s.live_values for s in steps), default=0),
        peak_bytes=max((s.live_bytes for s in steps), default=0),
        values_without_checkpointing=sum(n for n, _ in inline),
        bytes_without_checkpointing=sum(b for _, b in inline),
        recomputed_values=sum(r for r, _ in extra.values()),
        saved_values=sum(n - 1 for n, _ in sizes),
        steps=steps,
    )
