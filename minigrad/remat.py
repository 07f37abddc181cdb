"""``mg.checkpoint`` (``mg.remat``): recompute inside ``f`` in the backward sweep instead of
holding its intermediates; ``checkpoint_policies`` say which ones to hold after all.

A checkpointed function is one entry of the primitive table, made when it is wrapped (as
``custom_vjp`` makes one): called on traced values it runs on their values, unrecorded,
and the trace records ONE node holding only its inputs and output.  Its reverse rule
records ``f`` again at those inputs and runs the reverse sweep over that short graph, which
is then dropped: the intermediates live only while their own segment is swept.  A chain
of ``n`` steps checkpointed every ``k`` keeps about ``n / k + k`` values instead of ``n``
(``sqrt(n)`` segments of ``sqrt(n)`` steps: ``2 sqrt(n)``), for one more forward sweep.
``Graph.memory()`` counts them (``minigrad.explain.memory``).

With a ``policy`` (JAX's: ``policy(prim, *args, **params) -> bool`` per operation inside
``f``), ``f`` is recorded when it is called, and the outputs of the operations the policy
saves are kept with the node (its residuals) while the rest of that recording is dropped.
The reverse rule then replays the recording (``_recompute``): saved operations take their
kept value and only the others are computed again.  Inside another transformation's
recording (a higher derivative: the operands are traced) and where the rule is applied to
other operands (generated code), everything is recomputed, as without a policy: the
values are the same, only what is held differs.

Forward mode has nothing to save: the JVP rule is ``f``'s own (``mg.jvp`` over it).  On JAX
values the function is ``jax.checkpoint`` of the same function, with JAX's twin of the
policy.  Under ``vmap`` a batch of calls is one call of the checkpointed ``vmap(f)``.
"""

from __future__ import annotations

import types
from typing import Callable, Sequence

import numpy as np

from .custom import _Call, _Custom, _zero
from .errors import TransformError
from .graph import Graph, Variable, concrete, trace
from .modes import reverse_sweep
from .primitives import TABLE as _TABLE
from .primitives import checkpoint_name as _name_op
from .pytree import flatten, tree_map

__all__ = ["checkpoint", "remat", "checkpoint_name", "checkpoint_policies", "Checkpointed",
           "Policy", "saved_variables"]

_NAME = _name_op.__self__  # the ``name`` entry of the table


def checkpoint_name(x, name: str):
    """Like ``jax.ad_checkpoint.checkpoint_name``: ``x`` (a pytree) unchanged, each leaf
    recorded as a ``name`` operation carrying ``name``, which the policies
    ``save_only_these_names`` and ``save_any_names_but_these`` read."""
    if not isinstance(name, str):
        raise TypeError(f"checkpoint_name: name must be a string, got {name!r}. Fix: "
                        f"checkpoint_name(x, 'h1').")
    return tree_map(lambda leaf: _name_op(leaf, name=name), x)


# ------------------------------------------------------------------------------ policies

class Policy:
    """A checkpoint policy, called as JAX calls one: ``policy(prim, *args, **params)`` is
    True where the output of that operation (minigrad's table entry ``prim``, applied to
    ``args``) is saved for the backward sweep, False where it is recomputed.  ``jax()`` is
    JAX's own policy of the same meaning, for ``jax.checkpoint`` on JAX values."""

    def __init__(self, name: str, saves: Callable, jax: Callable):
        self.__name__ = name
        self._saves, self._jax = saves, jax

    def __call__(self, prim, *args, **params) -> bool:
        return bool(self._saves(prim, args, params))

    def jax(self) -> Callable:
        return self._jax()

    def __repr__(self) -> str:
        return f"<checkpoint policy {self.__name__}>"


def _jax_policies():
    import jax

    return jax.checkpoint_policies


def _is_dot(prim, args) -> bool:
    """matmul, and einsum of two or more operands: JAX's ``dot_general``."""
    return prim.name in ("matmul", "einsum") and len(args) >= 2 and prim is _TABLE[prim.name]


def _has_batch_dims(prim, args, params) -> bool:
    """Whether a dot has batch dimensions, as JAX's ``dot_general`` would: a matmul of two
    stacks of matrices; an einsum index shared by two operands and kept in the output."""
    if prim.name == "matmul":
        return min(np.ndim(concrete(a)) for a in args) > 2
    inputs, out = params["spec"].split("->")
    terms = inputs.split(",")
    return any(c in out and sum(c in t for t in terms) > 1 for c in set(inputs) - {","})


def _names_policy(kind: str, names: tuple, keep: Callable) -> Policy:
    for n in names:
        if not isinstance(n, str):
            raise TypeError(f"checkpoint_policies.{kind}: names are strings (those given to "
                            f"checkpoint_name), got {n!r}.")
    chosen = frozenset(names)
    return Policy(f"{kind}{tuple(sorted(chosen))!r}",
                  lambda prim, args, params: keep(prim is _NAME, params.get("name") in chosen),
                  lambda: getattr(_jax_policies(), kind)(*sorted(chosen)))


def save_only_these_names(*names: str) -> Policy:
    """Save only the values named (``checkpoint_name``) with one of ``names``."""
    return _names_policy("save_only_these_names", names, lambda named, listed: named and listed)


def save_any_names_but_these(*names: str) -> Policy:
    """Save only named values (``checkpoint_name``), except those named with ``names``."""
    return _names_policy("save_any_names_but_these", names, lambda named, listed: named and not listed)


def save_anything_except_these_names(*names: str) -> Policy:
    """Save every value except those named with ``names``.  (JAX 0.10's own version saves
    everything, its source says it does not work yet: the gradients are the same.)"""
    return _names_policy("save_anything_except_these_names", names,
                         lambda named, listed: not (named and listed))


def save_from_both_policies(policy_1: Callable, policy_2: Callable) -> Policy:
    """Save what either policy saves."""
    names = ", ".join(getattr(p, "__name__", repr(p)) for p in (policy_1, policy_2))
    return Policy(f"save_from_both_policies({names})",
                  lambda prim, args, params: policy_1(prim, *args, **params) or policy_2(prim, *args, **params),
                  lambda: _jax_policies().save_from_both_policies(jax_policy(policy_1), jax_policy(policy_2)))


def jax_policy(policy: Callable | None) -> Callable | None:
    """The policy to give ``jax.checkpoint``: a ``Policy``'s JAX twin; a function of the user's
    own as it is (JAX calls it with its primitive, whose ``.name`` is JAX's)."""
    return policy.jax() if isinstance(policy, Policy) else policy


everything_saveable = Policy("everything_saveable", lambda prim, args, params: True,
                             lambda: _jax_policies().everything_saveable)
nothing_saveable = Policy("nothing_saveable", lambda prim, args, params: False,
                          lambda: _jax_policies().nothing_saveable)
dots_saveable = Policy("dots_saveable", lambda prim, args, params: _is_dot(prim, args),
                       lambda: _jax_policies().dots_saveable)
dots_with_no_batch_dims_saveable = Policy(
    "dots_with_no_batch_dims_saveable",
    lambda prim, args, params: _is_dot(prim, args) and not _has_batch_dims(prim, args, params),
    lambda: _jax_policies().dots_with_no_batch_dims_saveable)

checkpoint_policies = types.SimpleNamespace(
    everything_saveable=everything_saveable,
    nothing_saveable=nothing_saveable,
    dots_saveable=dots_saveable,
    checkpoint_dots=dots_saveable,
    dots_with_no_batch_dims_saveable=dots_with_no_batch_dims_saveable,
    checkpoint_dots_with_no_batch_dims=dots_with_no_batch_dims_saveable,
    save_only_these_names=save_only_these_names,
    save_any_names_but_these=save_any_names_but_these,
    save_anything_except_these_names=save_anything_except_these_names,
    save_from_both_policies=save_from_both_policies,
)
"""JAX's ``jax.checkpoint_policies``, on minigrad's operations (dots: ``matmul`` and
``einsum``; names: ``checkpoint_name``).  JAX's offloading policies have no meaning here."""


def saved_variables(graph: Graph, policy: Callable) -> list[Variable]:
    """The variables of ``graph`` (a checkpointed function's recording) whose values
    ``policy`` saves: every operation's output it says True to, but the outputs of ``f``,
    which the checkpoint's node holds anyway."""
    outputs = {o.index for o in flatten(graph.outputs)[0] if graph.owns(o)}
    return [v for v in graph.variables if v.prim is not None and v.index not in outputs
            and policy(v.prim, *v.args, **v.params)]


# ---------------------------------------------------------------------------- checkpoint

class Checkpointed(_Custom):
    """A function wrapped by ``mg.checkpoint``: see the module docstring."""

    _kind = "checkpoint"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = (),
                 policy: Callable | None = None, prevent_cse: bool = True):
        super().__init__(fun, nondiff_argnums)
        self.policy, self.prevent_cse = policy, prevent_cse
        self.entry.vmap = self._vmap_rule

    def _vmap_rule(self, batched, out, *leaves, call: _Call):
        """A batch of calls is one call of the checkpointed ``vmap`` of ``f``: its segment is
        recomputed batched too, not example by example."""
        from .batching import vmap

        body = self._body(call)
        body.__name__ = self.__name__
        return checkpoint(vmap(body, in_axes=tuple(0 if b else None for b in batched)),
                          policy=self.policy)(*leaves)

    def _entry_name(self) -> str:
        return f"checkpoint_{self.__name__}"

    def _rule_name(self) -> str:
        return f"recompute {self.__name__}"

    def _define_jax(self, f) -> None:
        pass

    def _jax_function(self):
        if self._jax is None:
            import jax

            self._jax = jax.checkpoint(self.fun, static_argnums=self.nondiff_argnums,
                                       policy=jax_policy(self.policy), prevent_cse=self.prevent_cse)
        return self._jax

    def _body(self, call: _Call) -> Callable:
        """``f`` as a function of the node's operands, giving the node's own output leaf."""
        def body(*leaves):
            return call.pick(self.fun(*call.all_args(leaves)), "the output", self.__name__)

        return body

    def _forward(self, operands: list, call: _Call):
        """With a policy, on plain operands: ``f`` recorded, the values the policy saves and
        the outputs kept (``call.residuals``), the rest of the recording's values dropped."""
        if self.policy is None or any(type(x) is Variable for x in operands):
            return super()._forward(operands, call)

        def whole(*leaves):
            return self.fun(*call.all_args(leaves))

        whole.__name__ = self.__name__
        graph = trace(whole, *operands)
        outputs = [o for o in flatten(graph.outputs)[0] if graph.owns(o)]
        known = {v.index: v.value for v in saved_variables(graph, self.policy) + outputs}
        out = tree_map(lambda o: known[o.index] if graph.owns(o) else o, graph.outputs)
        if any(type(x) is Variable and not graph.owns(x) for v in graph.variables for x in v.inputs):
            return tree_map(concrete, out)  # f closes over traced values: recomputed in full
        for v in graph.variables:  # (the structure is kept, to be replayed; the values dropped)
            v.args = None
            if v.prim is not None:
                v.value = None
        call.residuals[0] = (operands, (graph, known))
        return out

    def _jvp_rule(self, i: int, t, out, *leaves, call: _Call):
        from .transforms import jvp

        tangents = [_zero(x) for x in leaves]
        tangents[i] = t
        return jvp(self._body(call), tuple(leaves), tuple(tangents))[1]

    def _vjp_rule(self, i: int, g, out, *leaves, call: _Call):
        return self._cotangent_once(i, g, out, leaves, call)

    def _cotangents(self, g, leaves, call: _Call) -> list:
        """Every operand's cotangent: ``f``'s recording replayed with its residuals, or ``f``
        recorded again at the operands; swept back, dropped."""
        kept = call.residuals[0]
        if kept is not None and len(kept[0]) == len(leaves) and \
                all(a is b for a, b in zip(kept[0], leaves)):
            return _recompute(*kept[1], leaves, g, call)
        from .transforms import vjp

        return list(vjp(self._body(call), *leaves)[1](g))


def _recompute(recording: Graph, known: dict, leaves: list, g, call: _Call) -> list:
    """The operands' cotangents from ``recording`` (values dropped) replayed at ``leaves``:
    each operation ``known`` holds a value for (a residual) is recorded with it, the others
    computed again, then the reverse sweep from this node's output leaf."""
    with Graph(recording.name) as again:
        values: list = [None] * len(recording.variables)
        for v, x in zip(recording.inputs, leaves):
            values[v.index] = again.add_input(x, v.name)
        for v in recording.variables:
            if v.prim is None:
                continue
            inputs = [values[x.index] if recording.owns(x) else x for x in v.inputs]
            values[v.index] = (again.add_known(v.prim, inputs, v.params, known[v.index])
                               if v.index in known else v.prim.bind(*inputs, **v.params))
    out = call.pick(recording.outputs, "the output", "checkpoint")
    seeds = {values[out.index].index: g} if recording.owns(out) else {}
    adjoints = reverse_sweep(again, seeds)
    return [_zero(x) if adjoints[values[v.index].index] is None else adjoints[values[v.index].index]
            for v, x in zip(recording.inputs, leaves)]


def checkpoint(fun: Callable, *, prevent_cse: bool = True, policy: Callable | None = None,
               static_argnums: int | Sequence[int] = ()) -> Checkpointed:
    """Like ``jax.checkpoint`` (alias ``remat``): ``fun`` whose intermediates reverse mode does
    not keep but recomputes, segment by segment, in the backward sweep.

    ``policy``: which intermediates to keep after all, one of ``mg.checkpoint_policies``
    (``dots_saveable``: the matrix products' outputs; ``save_only_these_names("h")``: values
    tagged with ``mg.checkpoint_name``) or a function ``policy(prim, *args, **params) ->
    bool`` of your own, asked about every operation inside ``fun``; None saves nothing but
    the inputs.  ``Graph.memory()`` shows what each keeps and recomputes.
    ``static_argnums``: arguments that are not differentiated (plain Python values).
    ``prevent_cse`` is accepted with JAX's default, and given to ``jax.checkpoint`` on JAX
    values; minigrad itself has no common-subexpression elimination that could merge the
    recomputation with the forward sweep, so it changes nothing here.
    """
    if policy is not None and not callable(policy):
        raise TransformError(f"checkpoint: policy must be a function (prim, *args, **params) -> "
                             f"bool, got {policy!r}. Fix: pass one of mg.checkpoint_policies, "
                             f"e.g. policy=mg.checkpoint_policies.dots_saveable, or None.")
    if not isinstance(prevent_cse, (bool, tuple, list)):
        raise TransformError(f"checkpoint: prevent_cse must be a bool, got {prevent_cse!r}. "
                             f"Fix: leave it out (JAX's default, True).")
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    return Checkpointed(fun, nondiff_argnums=nums, policy=policy, prevent_cse=prevent_cse)


remat = checkpoint
