"""The differential check behind issue 22's fuzzer: one program on every engine, against JAX.

``check_program(prog, tangent)`` runs a ``BranchingProgram`` (``minigrad.testing.strategies``)
at its three points (the one it is traced at, one near it, one across a decision): its
value, its JVP along ``tangent`` and its gradient from JAX (eagerly, float64: the
reference), from the program on Python floats, from minigrad's eager transformations, from
``mg.jit`` (of the function, its JVP and its gradient, first called at the traced point) and
from ``g.to_python()`` / ``to_python(mode="reverse")`` of the graph traced at the first point.
Every result agrees with JAX's (booleans exactly, numbers to ``RTOL``), or JAX refuses and so
does every engine, with a minigrad error; a generated program may also refuse away from its
traced point with a one-line ``GuardError``. Disagreements raise one ``AssertionError``, a
line each naming the quantity, the engine and the point.
"""

from __future__ import annotations

import contextlib

import numpy as np

import minigrad as mg
from minigrad.errors import GuardError, MinigradError

from .strategies import BranchingProgram

__all__ = ["check_program", "Refused", "RTOL", "ATOL"]

RTOL, ATOL = 1e-9, 1e-10


class Refused:
    """An engine's refusal: the exception, kept to compare and to show."""

    def __init__(self, error: BaseException):
        self.error = error

    def __repr__(self) -> str:
        return f"refused: {type(self.error).__name__}: {str(self.error).splitlines()[0][:300]}"


def attempt(fn, *args):
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001 (what each engine raises is compared below)
        return Refused(e)


def _leaves(x) -> list:
    if isinstance(x, (tuple, list)):
        return [leaf for item in x for leaf in _leaves(item)]
    return [x]


def agree(got, want, what: str, guarded: bool = False) -> None:
    """``got`` is ``want`` within tolerance (booleans exactly), or both are refusals and
    minigrad's is one of its own errors; with ``guarded``, a GuardError also stands."""
    if guarded and isinstance(got, Refused) and isinstance(got.error, GuardError):
        assert "\n" not in str(got.error).strip(), f"{what}: a GuardError of several lines"
        return
    if isinstance(want, Refused):
        assert isinstance(got, Refused), f"{what}: the reference refuses ({want!r}) but minigrad gives {got!r}"
        assert isinstance(got.error, MinigradError), \
            f"{what}: the reference refuses ({want!r}); minigrad with no error of its own: {got!r}"
        return
    assert not isinstance(got, Refused), f"{what}: the reference gives {want!r} but minigrad {got!r}"
    got_leaves, want_leaves = _leaves(got), _leaves(want)
    assert len(got_leaves) == len(want_leaves), f"{what}: {got!r} has another structure than {want!r}"
    for g, w in zip(got_leaves, want_leaves):
        w = np.asarray(w)
        if w.dtype == bool:
            assert np.asarray(g).dtype == bool and np.array_equal(g, w), f"{what}: {g!r} is not {w!r}"
        else:
            g = np.asarray(g, dtype=float)
            assert g.shape == w.shape and np.allclose(g, w, rtol=RTOL, atol=ATOL, equal_nan=True), \
                f"{what}: minigrad gives {g!r}, the reference {w!r} (rtol {RTOL:g}, atol {ATOL:g})"


def _value_part(prog: BranchingProgram):
    return (lambda *xs: prog.fn(*xs)[0]) if prog.returns_mask else prog.fn


def jax_results(prog: BranchingProgram, point: tuple, tangent: tuple) -> dict:
    import jax
    import jax.numpy as jnp

    argnums = tuple(range(prog.n_inputs))
    # lax.cond and while_loop compile each new branch and body, a second each; op by op
    # (disable_jit) JAX computes the same numbers without compiling, but differentiates a
    # while_loop in reverse mode, which compiled JAX refuses: its gradient is asked compiled
    looping = {"cond", "while"} & prog.features
    op_by_op = jax.disable_jit if looping else contextlib.nullcontext
    with jax.enable_x64(True):
        xs = tuple(jnp.asarray(x, dtype=jnp.float64) for x in point)
        ts = tuple(jnp.asarray(t, dtype=jnp.float64) for t in tangent)
        with op_by_op():
            value = attempt(lambda: jax.tree_util.tree_map(np.asarray, prog.fn(*xs)))
            jvp = attempt(lambda: tuple(np.asarray(v) for v in jax.jvp(_value_part(prog), xs, ts)))
        with op_by_op() if "while" not in prog.features else contextlib.nullcontext():
            grad = attempt(lambda: jax.tree_util.tree_map(
                np.asarray, jax.grad(prog.fn, argnums=argnums, has_aux=prog.returns_mask)(*xs)))
    return {"value": value, "jvp": jvp, "grad": grad}


class Engines:
    """minigrad's engines for one program: the jitted and generated functions are made once
    (traced at the first point) and called at every point."""

    def __init__(self, prog: BranchingProgram, tangent: tuple):
        self.prog, self.tangent = prog, tangent
        argnums = tuple(range(prog.n_inputs))
        value = _value_part(prog)
        self.grad = mg.grad(prog.fn, argnums=argnums, has_aux=prog.returns_mask)
        self.jvp = lambda *xs: mg.jvp(value, xs, tangent)
        self.jit_value, self.jit_jvp, self.jit_grad = mg.jit(prog.fn), mg.jit(self.jvp), mg.jit(self.grad)
        graph = attempt(mg.trace, value, *prog.points[0])
        if isinstance(graph, Refused):  # the trace refused: so does every program from it
            self.primal = self.adjoint = graph
        else:
            self.primal = attempt(lambda: graph.to_python().compile())
            self.adjoint = attempt(lambda: graph.to_python(mode="reverse").compile())

    def results(self, point: tuple) -> dict:
        def generated(made):
            if isinstance(made, Refused):
                return made
            return attempt(made, *point)

        adjoint = generated(self.adjoint)
        if not isinstance(adjoint, (tuple, Refused)):  # one input: its adjoint alone
            adjoint = (adjoint,)
        return {
            "value": {"python floats": attempt(self.prog.fn, *point), "jit": attempt(self.jit_value, *point)},
            "jvp": {"eager": attempt(self.jvp, *point), "jit": attempt(self.jit_jvp, *point)},
            "grad": {"eager": attempt(self.grad, *point), "jit": attempt(self.jit_grad, *point)},
            "to_python": {"value": generated(self.primal), "grad": adjoint},
        }


def check_program(prog: BranchingProgram, tangent: tuple, reference: str = "jax") -> None:
    """Every engine agrees with ``reference`` at the program's three points, or refuses as
    it does: ``"jax"``, or ``"eager"`` (the program on Python floats and minigrad's eager
    jvp and grad: a hundred times cheaper than JAX op by op, it checks ``jit`` and
    ``to_python`` against eager minigrad, and minigrad's refusals against each other)."""
    if reference not in ("jax", "eager"):
        raise ValueError(f"check_program: reference={reference!r}; choose 'jax' or 'eager'")
    engines = Engines(prog, tangent)
    problems: list[str] = []

    def check(*args, **options):
        try:
            agree(*args, **options)
        except AssertionError as e:
            problems.append(" ".join(str(e).split()))

    for k, point in enumerate(prog.points):
        got = engines.results(point)
        if reference == "jax":
            want = jax_results(prog, point, tangent)
        else:
            want = {"value": got["value"].pop("python floats"), "jvp": got["jvp"].pop("eager"),
                    "grad": got["grad"].pop("eager")}
        where = f"at point {k} {point}"
        for quantity in ("value", "jvp", "grad"):
            for engine, result in got[quantity].items():
                check(result, want[quantity], f"{quantity}, {engine}, {where}")
        value = want["value"]
        if prog.returns_mask and not isinstance(value, Refused):
            value = value[0]
        check(got["to_python"]["value"], value, f"to_python value, {where}", guarded=k > 0)
        gradient = want["grad"]
        if prog.returns_mask and not isinstance(gradient, Refused):
            gradient = gradient[0]
        check(got["to_python"]["grad"], gradient, f"to_python(mode='reverse'), {where}", guarded=k > 0)
    if problems:  # one line each, the first first
        raise AssertionError("\n".join(problems))
