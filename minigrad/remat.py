"""``mg.checkpoint`` (``mg.remat``): recompute inside ``f`` in the backward sweep instead of
holding its intermediates.

A checkpointed function is one entry of the primitive table, made when it is wrapped (as
``custom_vjp`` makes one): called on traced values it runs on their values, unrecorded,
and the trace records ONE node holding only its inputs and output.  Its reverse rule
records ``f`` again at those inputs and runs the reverse sweep over that short graph, which
is then dropped: the intermediates live only while their own segment is swept.  A chain
of ``n`` steps checkpointed every ``k`` keeps about ``n / k + k`` values instead of ``n``
(``sqrt(n)`` segments of ``sqrt(n)`` steps: ``2 sqrt(n)``), for one more forward sweep.
``Graph.memory()`` counts them (``minigrad.explain.memory``).

Forward mode has nothing to save: the JVP rule is ``f``'s own (``mg.jvp`` over it).  On JAX
values the function is ``jax.checkpoint`` of the same function.  Under ``vmap`` a batch of
calls is one call of the checkpointed ``vmap(f)``.
"""

from __future__ import annotations

from typing import Callable, Sequence

from .custom import _Call, _Custom, _zero
from .errors import TransformError

__all__ = ["checkpoint", "remat", "Checkpointed"]


class Checkpointed(_Custom):
    """A function wrapped by ``mg.checkpoint``: see the module docstring."""

    _kind = "checkpoint"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.entry.vmap = self._vmap_rule

    def _vmap_rule(self, batched, out, *leaves, call: _Call):
        """A batch of calls is one call of the checkpointed ``vmap`` of ``f``: its segment is
        recomputed batched too, not example by example."""
        from .batching import vmap

        body = self._body(call)
        body.__name__ = self.__name__
        return checkpoint(vmap(body, in_axes=tuple(0 if b else None for b in batched)))(*leaves)

    def _entry_name(self) -> str:
        return f"checkpoint_{self.__name__}"

    def _rule_name(self) -> str:
        return f"recompute {self.__name__}"

    def _define_jax(self, f) -> None:
        pass

    def _jax_function(self):
        if self._jax is None:
            import jax

            self._jax = jax.checkpoint(self.fun, static_argnums=self.nondiff_argnums)
        return self._jax

    def _body(self, call: _Call) -> Callable:
        """``f`` as a function of the node's operands, giving the node's own output leaf."""
        def body(*leaves):
            return call.pick(self.fun(*call.all_args(leaves)), "the output", self.__name__)

        return body

    def _jvp_rule(self, i: int, t, out, *leaves, call: _Call):
        from .transforms import jvp

        tangents = [_zero(x) for x in leaves]
        tangents[i] = t
        return jvp(self._body(call), tuple(leaves), tuple(tangents))[1]

    def _vjp_rule(self, i: int, g, out, *leaves, call: _Call):
        return self._cotangent_once(i, g, out, leaves, call)

    def _cotangents(self, g, leaves, call: _Call) -> list:
        """Every operand's cotangent: ``f`` recorded again at the operands, swept back, dropped."""
        from .transforms import vjp

        return list(vjp(self._body(call), *leaves)[1](g))


def checkpoint(fun: Callable, *, prevent_cse: bool = True, policy: Callable | None = None,
               static_argnums: int | Sequence[int] = ()) -> Checkpointed:
    """Like ``jax.checkpoint`` (alias ``remat``): ``fun`` whose intermediates reverse mode does
    not keep but recomputes, segment by segment, in the backward sweep.

    ``static_argnums``: arguments that are not differentiated (plain Python values).
    ``prevent_cse`` is accepted for JAX's signature (minigrad never merges operations).
    ``policy``: only None, "save nothing but the inputs", is supported.
    """
    if policy is not None:
        raise TransformError(
            f"checkpoint: policy={getattr(policy, '__name__', policy)!r} is not supported; "
            f"minigrad saves only a checkpointed function's inputs and recomputes the rest. "
            f"Fix: leave policy=None, or checkpoint a smaller function to save more.")
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    return Checkpointed(fun, nondiff_argnums=nums)


remat = checkpoint
