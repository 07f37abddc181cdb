"""Users' own derivative rules, with JAX's API: ``custom_jvp``, ``custom_vjp``, ``primitive``.

Each decorated function owns one entry of the primitive table, made when it is decorated
(``Primitive``, like every built-in one): so on minigrad values a call records ONE node
named after the function, both sweeps apply the user's rule, and the trace table, the
drawings, the frames, the checker and the code generator read it as they read ``sin``.
On JAX values the function is a ``jax.custom_jvp`` / ``jax.custom_vjp`` with the very same
rule functions (so ``jaxbridge`` and ``jax.jit`` use them); on anything else it just runs.

A function may return a pytree (a tuple, a dict...), as in JAX.  On minigrad values it then
records one node per output leaf, all of them applications of the function's one entry
(``(sincos v1)[0]``, ``(sincos v1)[1]``; the function runs once for them all), each rule
reading its own leaf: the leaf of the JVP's tangent pytree, or ``bwd`` given a cotangent
pytree with the node's cotangent at its leaf and zeros at the others (JAX too passes zeros
for an output the loss does not use).  The graph keeps one output per node, so every
interpreter reads these nodes as any other.

How the entry's rules follow from the user's (minigrad's rules are per input, summed):

* custom_jvp, forward: the user's rule with the tangent of input i and zeros elsewhere
  (the rule is linear in the tangents, so the contributions add up to the full JVP);
* custom_jvp, reverse: the transpose of that linear map, by minigrad's own reverse mode
  over the rule (as JAX transposes the linear JVP);
* custom_vjp, reverse: ``bwd(*nondiff, res, g)`` with ``res`` from ``fwd``; forward mode
  is refused, as in JAX.

Which output a recorded call holds follows JAX: where a transformation differentiates it
(``grad``, ``jvp``, and ``mg.trace``, whose graph is recorded to be differentiated) the
rule's primal output (custom_jvp's ``primal_out``, custom_vjp's ``fwd`` output: what
``jax.jvp`` and ``jax.linearize`` return); where it is only evaluated (``jit``, ``vmap``)
the function's own output, as ``jax.jit`` and ``jax.vmap`` give.

User entries live in ``USER_TABLE``, beside the built-in ``TABLE`` (whose entries are
minigrad's own operations, each with a test spec of its own).
"""

from __future__ import annotations

import functools
import sys
from typing import Callable, Sequence

import numpy as np

from . import symbolic as S
from .errors import ShapeError, TracedValueError, TransformError
from .graph import ThreadFlag, Variable, concrete, evaluated_only, parameter_names
from .primitives import PerInput, Primitive, Scaled, USER_TABLE, elementwise_vmap
from .pytree import flatten, leaf_paths, tree_map, unflatten

__all__ = ["custom_jvp", "custom_vjp", "primitive", "USER_TABLE", "plain_bodies"]

_BODIES = ThreadFlag()


def plain_bodies():
    """Inside, custom functions run (and are differentiated) through their bodies, their rules
    ignored, in this thread: the reference ``check_rules`` holds a rule against."""
    return _BODIES.on()


def _is_jax(x) -> bool:
    jax = sys.modules.get("jax")
    return jax is not None and isinstance(x, jax.Array)


def _unwrapped(leaves: list) -> list:
    """The operands as the innermost trace's rules see them (its variables' values), as
    ``bind`` unwraps them."""
    traces = [x.trace for x in leaves if type(x) is Variable]
    top = max(traces, key=lambda t: t.depth)
    return [x.value if type(x) is Variable and x.trace is top else x for x in leaves]


def _zero(x):
    """The zero tangent of a leaf: 0.0 for a scalar, else zeros of its shape."""
    value = concrete(x)
    if np.ndim(value) == 0:
        return 0.0
    return np.zeros(np.shape(value), dtype=np.result_type(value, np.float32))


class _Call:
    """How one call's arguments became the entry's operands: the diff arguments' leaves are
    the operands; the nondiff arguments and the trees are this parameter.  A function whose
    output is a pytree records one node per output leaf: each node's parameter is this call's
    ``output(leaf)``, naming the leaf (its position among the output's leaves, and its path)."""

    __slots__ = ("nargs", "nondiff", "trees", "counts", "out_tree", "leaf", "path", "shared",
                 "residuals", "last_bwd", "differentiated")

    def __init__(self, nargs: int, nondiff: dict, trees: list, counts: list):
        self.nargs, self.nondiff, self.trees, self.counts = nargs, nondiff, trees, counts
        self.out_tree, self.leaf, self.path = None, None, ""
        self.shared = [None]  # while a call records its nodes: (operands, the output), computed once
        # custom_vjp: [(the operands fwd ran on, its residuals)], shared by the call's nodes;
        # and this node's last bwd result, (out, g, input, cotangents): see _cotangent_once
        self.residuals, self.last_bwd = [None], None
        # recorded where a transformation differentiates it: its output is the rule's primal
        # output (JAX's jvp and vjp return it), not the function's (mg.jit's plain evaluation)
        self.differentiated = True

    def output(self, leaf: int, path: str) -> "_Call":
        """The parameter of the node recording output leaf ``leaf`` (reached by ``path``)."""
        view = _Call(self.nargs, self.nondiff, self.trees, self.counts)
        view.out_tree, view.leaf, view.path, view.shared = self.out_tree, leaf, path, self.shared
        view.residuals, view.differentiated = self.residuals, self.differentiated
        return view

    def pick(self, tree, what: str, name: str):
        """This node's leaf of an output-shaped ``tree`` (the output, or a tangent of it)."""
        if self.leaf is None:
            return tree
        found, structure = flatten(tree)
        if len(found) != self.out_tree.num_leaves:
            raise TypeError(f"{name}: {what} has {len(found)} leaves but the function's output "
                            f"has {self.out_tree.num_leaves}. Fix: return {what} with the "
                            f"output's structure (a tuple of the same length).")
        return found[self.leaf]

    def diff_args(self, leaves) -> list:
        out, k = [], 0
        for tree, n in zip(self.trees, self.counts):
            out.append(unflatten(tree, list(leaves[k:k + n])))
            k += n
        return out

    def all_args(self, leaves) -> list:
        diff = iter(self.diff_args(leaves))
        return [self.nondiff[i] if i in self.nondiff else next(diff) for i in range(self.nargs)]

    def nondiff_values(self) -> list:
        return [self.nondiff[i] for i in sorted(self.nondiff)]

    def __repr__(self) -> str:  # how generated code and tables describe this parameter
        return f"<call of {self.nargs} argument(s){', output ' + self.path if self.path else ''}>"


class _Custom:
    """What custom_jvp and custom_vjp share: dispatch, the per-function entry, the JAX twin."""

    _kind = "custom"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        if not callable(fun):
            raise TypeError(f"{self._kind}: expected a function, got {type(fun).__name__}")
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(sorted(int(i) for i in nondiff_argnums))
        self.__name__ = getattr(fun, "__name__", "custom")
        self._jax = None
        self.entry = Primitive(
            self._entry_name(), self._impl, PerInput(self._jvp_rule), PerInput(self._vjp_rule),
            PerInput(self._partial), self._expr, self._jax_impl)
        self.entry.custom = self  # (how check_rules finds a custom function in a graph)
        USER_TABLE[self.entry.name] = self.entry

    def __repr__(self) -> str:
        return f"<{self._kind} {self.__name__}>"

    def _entry_name(self) -> str:
        return self.__name__

    def _split(self, args: tuple) -> tuple[list, _Call]:
        nondiff, trees, counts, leaves = {}, [], [], []
        for i, a in enumerate(args):
            if i in self.nondiff_argnums or i - len(args) in self.nondiff_argnums:
                if any(type(x) is Variable for x in flatten(a)[0]):
                    raise TracedValueError(
                        f"{self.__name__}: argument {i} is in nondiff_argnums but was given a "
                        f"traced value. Fix: pass it as a plain value, or remove {i} from "
                        f"nondiff_argnums so that it is differentiated.")
                nondiff[i] = a
                continue
            found, tree = flatten(a)
            leaves += found
            trees.append(tree)
            counts.append(len(found))
        return leaves, _Call(len(args), nondiff, trees, counts)

    def __call__(self, *args):
        if _BODIES:
            return self.fun(*args)
        self._check_defined()
        leaves, call = self._split(args)
        if any(type(x) is Variable for x in leaves):
            return self._record(leaves, call)
        if any(_is_jax(x) for x in leaves):
            return self._jax_function()(*args)
        return self.fun(*args)

    def _record(self, leaves: list, call: _Call):
        """One node for a single output; for a pytree of outputs (a tuple, a dict), one node
        per output leaf, each an application of this entry picking its leaf (the function
        runs once for them all), put back into the output's structure."""
        values = [concrete(x) for x in leaves]
        call.differentiated = not evaluated_only(leaves)
        operands = _unwrapped(leaves)
        out = self._forward(operands, call) if call.differentiated else \
            tree_map(concrete, self.fun(*call.all_args(operands)))
        found, tree = flatten(out)
        call.shared[0] = (values, out)
        try:
            if tree.kind == "leaf":
                return self.entry.bind(*leaves, call=call)
            call.out_tree, paths = tree, leaf_paths(out)
            return unflatten(tree, [self.entry.bind(*leaves, call=call.output(j, paths[j]))
                                    for j in range(len(found))])
        finally:
            call.shared[0] = None

    def _impl(self, *leaves, call: _Call):
        cached = call.shared[0]  # (only while _record binds this call's nodes)
        if cached is not None and len(cached[0]) == len(leaves) and \
                all(a is b for a, b in zip(cached[0], leaves)):
            out = cached[1]
        elif call.differentiated:  # (a generated program computing a differentiated call)
            out = self._primal(leaves, call)
        else:
            out = self.fun(*call.all_args(leaves))
        return call.pick(out, "the output", f"{self._kind} {self.__name__}")

    def _primal(self, operands: list, call: _Call):
        """The output of a differentiated call: the rule's where it gives one (custom_jvp's
        primal_out, custom_vjp's fwd output: JAX's jvp and vjp return them), else the function's."""
        return self.fun(*call.all_args(operands))

    def _forward(self, operands: list, call: _Call):
        """The output a differentiated call has, computed once from the operands as the
        innermost trace's rules will see them."""
        return tree_map(concrete, self._primal(operands, call))

    def _check_shape(self, got, want, what: str, of: str) -> None:
        """Refuse a rule's tangent or cotangent whose shape is not its primal's, as JAX does
        (broadcasting it would give a wrong derivative with no error)."""
        if got is None:
            return
        shape, expected = np.shape(concrete(got)), np.shape(concrete(want))
        if shape != expected:
            raise ShapeError(f"{self._kind} {self.__name__}: {what} returned shape {shape} for "
                             f"{of} of shape {expected}. Fix: return a value of its primal's "
                             f"shape (zeros: np.zeros_like).")

    def _cotangent_once(self, i: int, g, out, leaves, call: _Call):
        """Input ``i``'s cotangent from ``self._cotangents`` (all inputs' at once): a sweep asks
        for them in increasing order, with the same g and out, so that runs once per visit
        of the node, not once per input (custom_vjp's bwd, checkpoint's recomputation)."""
        last = call.last_bwd
        if last is not None and last[0] is out and last[1] is g and last[2] < i:
            call.last_bwd = (out, g, i, last[3])
            return last[3][i]
        flat = self._cotangents(g, leaves, call)
        call.last_bwd = (out, g, i, flat)
        return flat[i]

    def _expr(self, *args, call: _Call):
        applied = S.call(self.entry.name, *args)
        return S.Postfix(applied, call.path) if call.path else applied

    def _jax_impl(self, *leaves, call: _Call):
        return self._jax_function()(*call.all_args(leaves))

    def _partial(self, i: int, out, *args, call: _Call):
        """The rule that gives this partial, as the table and drawings show it; with several
        differentiable inputs, the one it is for: ``fixed_point_rev[x]`` (its part for x,
        so ``f(x, x)`` reads ``fixed_point_rev[a] + fixed_point_rev[x]``)."""
        if len(args) == 1:
            return S.Name(self._rule_name())
        names = [n for k, n in enumerate(parameter_names(self.fun, call.nargs)) if k not in call.nondiff]
        paths = [names[k] + path for k, tree in enumerate(call.diff_args(args))
                 for path in leaf_paths(tree)]
        return S.Name(f"{self._rule_name()}[{paths[i]}]")

    def _check_defined(self):
        pass

    def _jax_function(self):
        """``jax.custom_jvp`` / ``jax.custom_vjp`` of the same function, with the same rules."""
        if self._jax is None:
            import jax

            f = getattr(jax, self._kind)(self.fun, nondiff_argnums=self.nondiff_argnums)
            self._define_jax(f)
            self._jax = f
        return self._jax


class custom_jvp(_Custom):
    """Like ``jax.custom_jvp``: ``fun`` differentiated by the rule given to ``defjvp``.

    ``@mg.custom_jvp`` (or ``functools.partial(mg.custom_jvp, nondiff_argnums=(0,))``) on
    ``fun(*args)``, then ``@fun.defjvp`` on ``rule(*nondiff_args, primals, tangents) ->
    (primal_out, tangent_out)``; ``defjvps(*rules)`` gives one ``rule(t, ans, *args)`` per
    argument instead.  Write both with ``minigrad.numpy``: they run on every engine.
    """

    _kind = "custom_jvp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.jvp = None

    def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
        """Set the rule ``jvp(*nondiff_args, primals, tangents) -> (out, tangent_out)``."""
        if symbolic_zeros:
            raise NotImplementedError(f"{self.__name__}.defjvp: symbolic_zeros=True is not "
                                      f"supported; tangents are always arrays of zeros")
        self.jvp, self._jax = jvp, None
        return jvp

    def defjvps(self, *jvps: Callable | None) -> None:
        """One rule per argument, ``jvp_i(t, ans, *args)`` (None: no dependence), summed."""
        def rule(*nondiff_and_pair):
            primals, tangents = nondiff_and_pair[-2:]
            out = self.fun(*primals)
            total = 0.0
            for f, t, in zip(jvps, tangents):
                if f is not None:
                    total = total + f(t, out, *primals)
            return out, total

        rule.__name__ = "+".join(getattr(f, "__name__", "rule") for f in jvps if f is not None)
        self.defjvp(rule)

    def _check_defined(self):
        if self.jvp is None:
            raise TypeError(f"custom_jvp {self.__name__}: no JVP rule defined. Fix: decorate "
                            f"the rule with @{self.__name__}.defjvp before calling it.")

    def _rule_name(self) -> str:
        return getattr(self.jvp, "__name__", "jvp rule")

    def _define_jax(self, f) -> None:
        f.defjvp(self.jvp)

    def _apply_rule(self, leaves, tangents, call: _Call) -> tuple:
        result = self.jvp(*call.nondiff_values(), tuple(call.diff_args(leaves)),
                          tuple(call.diff_args(tangents)))
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(f"custom_jvp {self.__name__}: the rule {self._rule_name()} must "
                            f"return a pair (primal_out, tangent_out), got {type(result).__name__}")
        return result

    def _primal(self, operands: list, call: _Call):
        """The rule's primal_out, which JAX's jvp (and vjp, grad) return, not the function's."""
        return self._apply_rule(operands, [_zero(x) for x in operands], call)[0]

    def _tangent_out(self, i: int, t, out, leaves, call: _Call):
        tangents = [_zero(x) for x in leaves]
        tangents[i] = t
        tangent = call.pick(self._apply_rule(leaves, tangents, call)[1],
                            f"the tangent_out of {self._rule_name()}", f"custom_jvp {self.__name__}")
        self._check_shape(tangent, out, f"the rule {self._rule_name()}",
                          f"the output{' ' + call.path if call.path else ''}")
        return tangent

    def _jvp_rule(self, i: int, t, out, *leaves, call: _Call):
        return self._tangent_out(i, t, out, leaves, call)

    def _vjp_rule(self, i: int, g, out, *leaves, call: _Call):
        # the rule is linear in the tangent: its transpose, by reverse mode over the rule
        from .transforms import vjp

        _, pullback = vjp(lambda t: self._tangent_out(i, t, out, leaves, call), _zero(leaves[i]))
        return pullback(g)[0]


class custom_vjp(_Custom):
    """Like ``jax.custom_vjp``: ``fun`` differentiated in reverse mode by ``defvjp(fwd, bwd)``.

    ``fwd(*args) -> (out, residuals)``; ``bwd(*nondiff_args, residuals, g)`` returns one
    cotangent per differentiable argument (a tuple; None for zero).  As in JAX there is
    no forward mode (``mg.jvp``, ``jacfwd`` refuse it); ``grad(grad(f))`` works when
    ``bwd`` is written with ``minigrad.numpy``.
    """

    _kind = "custom_vjp"

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        super().__init__(fun, nondiff_argnums)
        self.fwd = self.bwd = None

    def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False,
               optimize_remat: bool = False) -> None:
        """Set ``fwd(*args) -> (out, res)`` and ``bwd(*nondiff_args, res, g) -> cotangents``."""
        if symbolic_zeros:
            raise NotImplementedError(f"{self.__name__}.defvjp: symbolic_zeros=True is not supported")
        self.fwd, self.bwd, self._jax = fwd, bwd, None

    def _check_defined(self):
        if self.fwd is None:
            raise TypeError(f"custom_vjp {self.__name__}: no VJP rule defined. Fix: call "
                            f"{self.__name__}.defvjp(fwd, bwd) before calling it.")

    def _rule_name(self) -> str:
        return getattr(self.bwd, "__name__", "bwd")

    def _define_jax(self, f) -> None:
        f.defvjp(self.fwd, self.bwd)

    def _jvp_rule(self, i: int, t, out, *leaves, call: _Call):
        raise TransformError(
            f"forward mode (jvp, jacfwd, hessian) of custom_vjp function {self.__name__}: it "
            f"has a reverse-mode rule only, as in JAX. Fix: differentiate it in reverse mode "
            f"(grad, vjp, jacrev), or define it with mg.custom_jvp.")

    def _run_fwd(self, operands, call: _Call) -> tuple:
        result = self.fwd(*call.all_args(operands))
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(f"custom_vjp {self.__name__}: fwd must return a pair (output, "
                            f"residuals), got {type(result).__name__}")
        return result

    def _primal(self, operands: list, call: _Call):
        return self._run_fwd(operands, call)[0]

    def _forward(self, operands: list, call: _Call):
        """fwd's output, its residuals kept for bwd: as in JAX, fwd runs once, when the
        function is recorded (``vjp`` is called), and only bwd when a cotangent arrives."""
        out, res = self._run_fwd(operands, call)
        call.residuals[0] = (operands, (out, res))
        return tree_map(concrete, out)

    def _fwd_at(self, leaves, call: _Call) -> tuple:
        """fwd's (output, residuals) at ``leaves``: the recording's, for the operands it saw;
        else (generated code, other values) fwd runs again."""
        kept = call.residuals[0]
        if kept is not None and len(kept[0]) == len(leaves) and \
                all(a is b for a, b in zip(kept[0], leaves)):
            return kept[1]
        return self._run_fwd(leaves, call)

    def _vjp_rule(self, i: int, g, out, *leaves, call: _Call):
        return self._cotangent_once(i, g, out, leaves, call)

    def _cotangents(self, g, leaves, call: _Call) -> list:
        primal_out, res = self._fwd_at(leaves, call)
        if call.leaf is not None:  # this node's output leaf: g; the others': zeros, as in JAX
            outs = flatten(primal_out)[0]
            if len(outs) != call.out_tree.num_leaves:
                raise TypeError(f"custom_vjp {self.__name__}: fwd returned an output with "
                                f"{len(outs)} leaves, the function {call.out_tree.num_leaves}. "
                                f"Fix: fwd returns (the function's output, residuals).")
            g = unflatten(call.out_tree, [g if k == call.leaf else _zero(o) for k, o in enumerate(outs)])
        cts = self.bwd(*call.nondiff_values(), res, g)
        n = len(call.trees)
        if not isinstance(cts, (tuple, list)) or len(cts) != n:
            raise TypeError(
                f"custom_vjp {self.__name__}: bwd ({self._rule_name()}) must return a tuple of "
                f"{n} cotangent(s), one per differentiable argument, got {cts!r:.60}")
        flat = []
        names = [n for k, n in enumerate(parameter_names(self.fun, call.nargs)) if k not in call.nondiff]
        for ct, tree, arg, name in zip(cts, call.trees, call.diff_args(leaves), names):
            parts = flatten(arg)[0]
            found = [None] * len(parts) if ct is None else flatten(ct)[0]
            if len(found) != len(parts):
                raise TypeError(f"custom_vjp {self.__name__}: bwd returned {len(found)} leaves "
                                f"for input {name}, which has {len(parts)}. Fix: return its "
                                f"cotangent in the input's structure.")
            for c, p, path in zip(found, parts, leaf_paths(arg)):
                self._check_shape(c, p, "bwd", f"input {name}{path}")
            flat += [_zero(p) if c is None else c for c, p in zip(found, parts)]
        return flat


def primitive(name: str, impl: Callable, *, deriv: Sequence | None = None,
              jvp: Sequence | Callable | None = None, vjp: Sequence | Callable | None = None,
              partials: Sequence | None = None, jax: str | Callable | None = None,
              expr: Callable | None = None, scalar: Callable | None = None,
              batch: Callable | None = None, vmap: Callable | None = None) -> Primitive:
    """A new entry of the primitive table, as the built-in ones are made (``primitives.define``).

    ``impl`` computes on NumPy values; ``deriv`` gives per input the local derivative
    ``d(out, *args)`` (elementwise), or ``jvp``/``vjp`` give per input the rules
    ``jvp_i(t, out, *args)``, ``vjp_i(g, out, *args)``; ``partials`` per input
    ``p_i(out, *args)`` over symbols, for tables (default: ``d name / d x_i``); ``jax`` is its
    JAX counterpart (a function or ``"jax.numpy.name"``).  ``batch(i, t, out, *args)``, if
    given, is input ``i``'s JVP for tangents with a leading axis of directions (``jacfwd``
    sweeps all its columns at once; without it, a ``jvp`` rule is applied one direction at a
    time).  ``vmap(batched, out, *args)``, if given, applies the entry to operands of which those
    flagged in ``batched`` carry a leading batch axis (``mg.vmap``); elementwise entries
    (``deriv``) batch by broadcasting without one, others example by example.  Returns the
    entry: call it.
    """
    if deriv is None and (jvp is None or vjp is None):
        raise TypeError(f"primitive({name!r}): give deriv=(one local derivative per input), or "
                        f"both jvp= and vjp= (one rule per input)")
    if callable(jvp):
        jvp = (jvp,)
    if callable(vjp):
        vjp = (vjp,)
    if deriv is not None:
        deriv = (deriv,) if callable(deriv) else tuple(deriv)
        for d in deriv:
            if not (d is None or callable(d) or (type(d) is int and d in (1, -1))):
                raise ValueError(f"primitive({name!r}): a local derivative is None, 1, -1 or a "
                                 f"function of (out, *args), not {d!r}")
        jvp = vjp = tuple(None if d is None else Scaled(_checked_deriv(name, k, d))
                          for k, d in enumerate(deriv))
    else:
        jvp = tuple(_checked(name, "jvp", k, r) for k, r in enumerate(jvp))
        vjp = tuple(_checked(name, "vjp", k, r) for k, r in enumerate(vjp))
    n = len(jvp)
    if len(vjp) != n:
        raise ValueError(f"primitive({name!r}): {n} jvp rule(s) but {len(vjp)} vjp rule(s); "
                         f"give one per input")
    if partials is None:
        partials = tuple(None if r is None else
                         (lambda o, *a, _k=k, **p: S.Name(f"d{name}/dx{_k + 1}"))
                         for k, r in enumerate(jvp))
    if expr is None:
        expr = lambda *a, **p: S.call(name, *a)  # noqa: E731
    entry = Primitive(name, impl, tuple(jvp), tuple(vjp), tuple(partials), expr,
                      jax if jax is not None else _no_jax(name), scalar,
                      batch=None if batch is None else _checked_batch(name, batch), vmap=vmap)
    if deriv is not None and vmap is None:
        entry.vmap = elementwise_vmap(entry)
    USER_TABLE[name] = entry
    return entry


def _shape_checked(rule: Callable, wrong: Callable) -> Callable:
    """``rule`` with its result refused where ``wrong(shape of the result, *rule's arguments)``
    says why (a sentence; None where it fits): a user's rule whose result the sweep would
    broadcast, or sum over axes, into a wrong derivative with no error."""
    def checked(*args, **params):
        result = rule(*args, **params)
        if result is not NotImplemented:
            problem = wrong(np.shape(concrete(result)), *args)
            if problem:
                raise ShapeError(problem)
        return result

    return checked


def _checked(name: str, kind: str, i: int, rule: Callable | None) -> Callable | None:
    """A jvp or vjp rule: a tangent must fit the output's shape, a cotangent its input's (or
    the output's, for an input broadcast against others)."""
    def wrong(shape, t, out, *args):
        out_shape = np.shape(concrete(out))
        fits = [out_shape] if kind == "jvp" else [np.shape(concrete(args[i])), out_shape]
        if shape not in fits and not _broadcasts_into(shape, out_shape):
            what = "the output" if kind == "jvp" else f"input {i + 1}"
            return (f"primitive {name!r}: its {kind} rule for input {i + 1} returned shape "
                    f"{shape} for {what} of shape {fits[0]}. Fix: return a "
                    f"{'tangent' if kind == 'jvp' else 'cotangent'} of that shape.")

    return None if rule is None else _shape_checked(rule, wrong)


def _checked_deriv(name: str, i: int, d):
    """A local derivative must broadcast into the output's shape (a (3,) derivative of a
    scalar would make the gradient three numbers)."""
    def wrong(shape, out, *args):
        if not _broadcasts_into(shape, np.shape(concrete(out))):
            return (f"primitive {name!r}: its deriv for input {i + 1} returned shape {shape} for "
                    f"the output of shape {np.shape(concrete(out))}. Fix: return the local "
                    f"derivative elementwise, of the output's shape (or a scalar).")

    return d if type(d) is int else _shape_checked(d, wrong)


def _checked_batch(name: str, batch: Callable) -> Callable:
    """A batch rule's result has the directions first, then the output's shape: broadcasting
    a result without that axis would mix the directions up."""
    def wrong(shape, i, t, out, *args):
        want = np.shape(concrete(t))[:1] + np.shape(concrete(out))
        if len(shape) != len(want) or not _broadcasts_into(shape, want):
            return (f"primitive {name!r}: its batch rule for input {i + 1} returned shape {shape} "
                    f"for {want[0]} directions of the output of shape {want[1:]}. Fix: return "
                    f"shape {want}, the directions' axis first.")

    return _shape_checked(batch, wrong)


def _broadcasts_into(shape: tuple, target: tuple) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _no_jax(name: str) -> Callable:
    def missing(*args, **params):
        raise TypeError(f"primitive {name!r} was called on JAX values but has no JAX "
                        f"counterpart. Fix: give mg.primitive(..., jax=<function of JAX arrays>).")
    return missing

