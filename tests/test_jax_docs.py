"""JAX's own documentation runs on minigrad with the namespace changed (issue 24).

Two pages of the jax repository (docs/notebooks, as of commit cec06d1, August 2026):
"Custom derivative rules for JAX-transformable Python functions"
(Custom_derivative_rules_for_Python_code.md) and "The Autodiff Cookbook"
(autodiff_cookbook.md).  Each code cell is kept as written, in order, inside one function
per section whose parameters are the names the page imports, ``print`` included: the
page's prints are collected and compared, one by one, between a run with JAX's objects
(x64, so both compute in float64) and a run with minigrad's (numbers to rtol 1e-9, text
exactly).  Plots are left out (their data are returned instead), and so are the cells
that need what only JAX has, each listed where it would run with the reason:

* ``make_jaxpr`` (custom rules page): JAX's IR; minigrad shows the same program as its
  trace table (``mg.trace(grad(log1pexp), 100.).table()``), run instead.
* ``%timeit`` (cookbook): IPython timing magics; the functions they time are run and
  compared instead.
* Complex numbers (the cookbook's last section: ``jnp.real``/``imag``/``conjugate``, a
  complex Cholesky): minigrad has no real/imag/conjugate and its rules no conjugation.
  ``grad(..., holomorphic=True)`` gives JAX's f'(z) (``test_holomorphic_derivatives_are_jaxs``
  here, tests/test_complex.py); a non-holomorphic function of complex numbers is refused
  (docs/api/namespace.md).

Where minigrad differs from JAX the test says why, next to the difference.
"""

from __future__ import annotations

import sys
from functools import partial

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp

jax = pytest.importorskip("jax")

TOL = dict(rtol=1e-9, atol=1e-12)


@pytest.fixture(scope="module")
def jx(jax_x64):
    return jax_x64


def namespaces(jx) -> dict:
    """The names the pages import, from JAX and from minigrad."""
    import jax.numpy as jnp
    from jax.test_util import check_grads as jax_check_grads

    from minigrad.test_util import check_grads
    return {
        "jax": dict(jnp=jnp, grad=jx.grad, jit=jx.jit, vmap=jx.vmap, jvp=jx.jvp, vjp=jx.vjp,
                    jacfwd=jx.jacfwd, jacrev=jx.jacrev, value_and_grad=jx.value_and_grad,
                    custom_jvp=jx.custom_jvp, custom_vjp=jx.custom_vjp, random=jx.random,
                    while_loop=jx.lax.while_loop, check_grads=jax_check_grads),
        "minigrad": dict(jnp=mnp, grad=mg.grad, jit=mg.jit, vmap=mg.vmap, jvp=mg.jvp, vjp=mg.vjp,
                         jacfwd=mg.jacfwd, jacrev=mg.jacrev, value_and_grad=mg.value_and_grad,
                         custom_jvp=mg.custom_jvp, custom_vjp=mg.custom_vjp, random=mg.random,
                         while_loop=mg.lax.while_loop, check_grads=check_grads),
    }


def run(section, ns: dict) -> tuple[list, object]:
    """Run a page's section with the names ``ns``; return what it printed and returned."""
    printed = []
    names = section.__code__.co_varnames[:section.__code__.co_argcount]
    given = {k: ns[k] for k in names if k in ns}
    if "print" in names:
        given["print"] = lambda *args: printed.append(args)
    if "timeit" in names:  # (the page's %timeit: what it times is computed once, and printed)
        given["timeit"] = lambda fn: printed.append((fn(),))
    return printed, section(**given)


def compare(ours, theirs, where: str = "", **tol) -> None:
    """Two results agree: containers leaf by leaf (a namedtuple keeps its type), text
    exactly, numbers and arrays to ``tol`` with the same shape."""
    tol = tol or TOL
    if isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs), where
        for k in theirs:
            compare(ours[k], theirs[k], f"{where}[{k!r}]", **tol)
    elif isinstance(theirs, (list, tuple)):
        assert type(ours).__name__ == type(theirs).__name__, (where, ours, theirs)  # (Point: one class per run)
        assert len(ours) == len(theirs), (where, ours, theirs)
        for i, (a, b) in enumerate(zip(ours, theirs)):
            compare(a, b, f"{where}[{i}]", **tol)
    elif isinstance(theirs, (str, bool, type(None))):
        assert ours == theirs, (where, ours, theirs)
    else:
        a, b = np.asarray(ours), np.asarray(theirs)
        assert a.shape == b.shape, (where, a.shape, b.shape)
        np.testing.assert_allclose(a, b, err_msg=where, equal_nan=True, **tol)


def both(jx, section, **tol):
    """``section`` run through JAX and through minigrad: prints and results agree."""
    ns = namespaces(jx)
    theirs, ours = run(section, ns["jax"]), run(section, ns["minigrad"])
    compare(ours, theirs, section.__name__, **tol)
    return ours


# ============================================ "Custom derivative rules for ... Python functions"

def tldr(jnp, custom_jvp, custom_vjp, jvp, grad, print):
    @custom_jvp
    def f(x, y):
      return jnp.sin(x) * y

    @f.defjvp
    def f_jvp(primals, tangents):
      x, y = primals
      x_dot, y_dot = tangents
      primal_out = f(x, y)
      tangent_out = jnp.cos(x) * x_dot * y + jnp.sin(x) * y_dot
      return primal_out, tangent_out

    print(f(2., 3.))
    y, y_dot = jvp(f, (2., 3.), (1., 0.))
    print(y)
    print(y_dot)
    print(grad(f)(2., 3.))

    # Equivalent alternative using the defjvps convenience wrapper

    @custom_jvp
    def f(x, y):
      return jnp.sin(x) * y

    f.defjvps(lambda x_dot, primal_out, x, y: jnp.cos(x) * x_dot * y,
              lambda y_dot, primal_out, x, y: jnp.sin(x) * y_dot)

    print(f(2., 3.))
    y, y_dot = jvp(f, (2., 3.), (1., 0.))
    print(y)
    print(y_dot)
    print(grad(f)(2., 3.))

    @custom_vjp
    def f(x, y):
      return jnp.sin(x) * y

    def f_fwd(x, y):
      # Returns primal output and residuals to be used in backward pass by f_bwd.
      return f(x, y), (jnp.cos(x), jnp.sin(x), y)

    def f_bwd(res, g):
      cos_x, sin_x, y = res # Gets residuals computed in f_fwd
      return (cos_x * g * y, sin_x * g)

    f.defvjp(f_fwd, f_bwd)

    print(grad(f)(2., 3.))


def test_tldr(jx):
    both(jx, tldr)


def numerical_stability(jnp, custom_jvp, jit, grad, vmap, print):
    def log1pexp(x):
      return jnp.log(1. + jnp.exp(x))

    out = [log1pexp(3.)]
    print(jit(log1pexp)(3.))
    print(jit(grad(log1pexp))(3.))
    print(vmap(jit(grad(log1pexp)))(jnp.arange(3.)))
    print(grad(log1pexp)(100.))  # nan: exp(100) / (1 + exp(100)) overflows to inf / inf
    # (make_jaxpr(grad(log1pexp))(100.): JAX only; the trace table is test_the_nan_shows_in_the_table)

    @custom_jvp
    def log1pexp(x):
      return jnp.log(1. + jnp.exp(x))

    @log1pexp.defjvp
    def log1pexp_jvp(primals, tangents):
      x, = primals
      x_dot, = tangents
      ans = log1pexp(x)
      ans_dot = (1 - 1/(1 + jnp.exp(x))) * x_dot
      return ans, ans_dot

    print(grad(log1pexp)(100.))
    print(jit(log1pexp)(3.))
    print(jit(grad(log1pexp))(3.))
    print(vmap(jit(grad(log1pexp)))(jnp.arange(3.)))

    @custom_jvp
    def log1pexp(x):
      return jnp.log(1. + jnp.exp(x))

    log1pexp.defjvps(lambda t, ans, x: (1 - 1/(1 + jnp.exp(x))) * t)

    print(grad(log1pexp)(100.))
    print(jit(log1pexp)(3.))
    print(jit(grad(log1pexp))(3.))
    print(vmap(jit(grad(log1pexp)))(jnp.arange(3.)))
    return out


def test_numerical_stability(jx):
    printed, _ = both(jx, numerical_stability)
    # The page's nan is float32's: exp(100.) overflows there.  A Python float is float64 on
    # minigrad (and on JAX with x64, as here): no overflow, both give 1.0.
    assert printed[3] == printed[4] == (1.0,)
    ns = namespaces(jx)
    for engine in ("jax", "minigrad"):  # in float32 both find the page's nan
        jnp = ns[engine]["jnp"]
        with np.errstate(all="ignore"):
            assert np.isnan(ns[engine]["grad"](lambda x: jnp.log(1. + jnp.exp(x)))(np.float32(100.)))


def test_the_nan_shows_in_the_table():
    """The page reads make_jaxpr(grad(log1pexp))(100.) to find the nan: 0 times inf.  The
    trace table of the gradient shows the same steps, with their values."""
    def log1pexp(x):
        return mnp.log(1. + mnp.exp(x))

    with np.errstate(all="ignore"):
        table = str(mg.trace(mg.grad(log1pexp), np.float32(100.)).table())
    assert "inf" in table and "nan" in table


def convention(jnp, custom_jvp, grad, print):
    def f(x):
      return x / (1 + jnp.sqrt(x))

    print(grad(f)(0.))

    @custom_jvp
    def f(x):
      return x / (1 + jnp.sqrt(x))

    @f.defjvp
    def f_jvp(primals, tangents):
      x, = primals
      x_dot, = tangents
      ans = f(x)
      ans_dot = ((jnp.sqrt(x) + 2) / (2 * (jnp.sqrt(x) + 1)**2)) * x_dot
      return ans, ans_dot

    print(grad(f)(0.))

    @custom_jvp
    def f(x):
      return x / (1 + jnp.sqrt(x))

    f.defjvps(lambda t, ans, x: ((jnp.sqrt(x) + 2) / (2 * (jnp.sqrt(x) + 1)**2)) * t)

    print(grad(f)(0.))


def test_enforcing_a_differentiation_convention(jx):
    with np.errstate(all="ignore"):
        printed, _ = both(jx, convention)
    assert np.isnan(printed[0][0]) and printed[1] == printed[2] == (1.0,)


def gradient_clipping(jnp, custom_vjp, grad, vmap):
    @custom_vjp
    def clip_gradient(lo, hi, x):
      return x  # identity function

    def clip_gradient_fwd(lo, hi, x):
      return x, (lo, hi)  # save bounds as residuals

    def clip_gradient_bwd(res, g):
      lo, hi = res
      return (None, None, jnp.clip(g, lo, hi))  # use None to indicate zero cotangents for lo and hi

    clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)

    t = jnp.linspace(0, 10, 1000)

    plots = [jnp.sin(t), vmap(grad(jnp.sin))(t)]  # plt.plot(...) of each

    def clip_sin(x):
      x = clip_gradient(-0.75, 0.75, x)
      return jnp.sin(x)

    plots += [clip_sin(t), vmap(grad(clip_sin))(t)]
    return plots


def test_gradient_clipping(jx):
    plots = both(jx, gradient_clipping)[1]
    assert np.max(np.abs(plots[3])) == 0.75 and np.max(np.abs(plots[1])) > 0.99


def fixed_point_by_iteration(jnp, while_loop, print):
    def fixed_point(f, a, x_guess):
      def cond_fun(carry):
        x_prev, x = carry
        return jnp.abs(x_prev - x) > 1e-6

      def body_fun(carry):
        _, x = carry
        return x, f(a, x)

      _, x_star = while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
      return x_star

    def newton_sqrt(a):
      update = lambda a, x: 0.5 * (x + a / x)
      return fixed_point(update, a, a)

    print(newton_sqrt(2.))
    # print(jit(vmap(newton_sqrt))(jnp.array([1., 2., 3., 4.]))): see the test
    return newton_sqrt


def test_fixed_point_by_iteration(jx):
    """The page's next cell, ``jit(vmap(newton_sqrt))``, batches a while_loop whose test
    depends on the mapped value: both run every example until the last converges, each
    example keeping its carry once its own test fails (a batched predicate)."""
    ns = namespaces(jx)
    (theirs, jax_sqrt), (ours, mg_sqrt) = (run(fixed_point_by_iteration, ns[k]) for k in ns)
    compare(ours, theirs)
    a = np.array([1., 2., 3., 4.])
    compare(jx.jit(jx.vmap(jax_sqrt))(a), np.sqrt(a), rtol=1e-9)
    compare(ns["minigrad"]["jit"](ns["minigrad"]["vmap"](mg_sqrt))(a),
            jx.jit(jx.vmap(jax_sqrt))(a))


def implicit_differentiation(jnp, custom_vjp, grad, vjp, while_loop, print):
    def newton_sqrt(a):
      update = lambda a, x: 0.5 * (x + a / x)
      return fixed_point(update, a, a)

    @partial(custom_vjp, nondiff_argnums=(0,))
    def fixed_point(f, a, x_guess):
      def cond_fun(carry):
        x_prev, x = carry
        return jnp.abs(x_prev - x) > 1e-6

      def body_fun(carry):
        _, x = carry
        return x, f(a, x)

      _, x_star = while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
      return x_star

    def fixed_point_fwd(f, a, x_init):
      x_star = fixed_point(f, a, x_init)
      return x_star, (a, x_star)

    def fixed_point_rev(f, res, x_star_bar):
      a, x_star = res
      _, vjp_a = vjp(lambda a: f(a, x_star), a)
      a_bar, = vjp_a(fixed_point(partial(rev_iter, f),
                                 (a, x_star, x_star_bar),
                                 x_star_bar))
      return a_bar, jnp.zeros_like(x_star)

    def rev_iter(f, packed, u):
      a, x_star, x_star_bar = packed
      _, vjp_x = vjp(lambda x: f(a, x), x_star)
      return x_star_bar + vjp_x(u)[0]

    fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)

    print(newton_sqrt(2.))
    print(grad(newton_sqrt)(2.))
    print(grad(grad(newton_sqrt))(2.))
    print(grad(jnp.sqrt)(2.))
    print(grad(grad(jnp.sqrt))(2.))


def test_implicit_function_differentiation_of_a_while_loop(jx):
    printed = both(jx, implicit_differentiation)[0]
    # the fixed point's derivatives are the square root's to the loop's tolerance
    np.testing.assert_allclose(printed[1] + printed[2], printed[3] + printed[4], rtol=1e-6)


def custom_jvp_basics(jnp, custom_jvp, jvp, grad, vmap, jit, print):
    # f :: a -> b
    @custom_jvp
    def f(x):
      return jnp.sin(x)

    # f_jvp :: (a, T a) -> (b, T b)
    def f_jvp(primals, tangents):
      x, = primals
      t, = tangents
      return f(x), jnp.cos(x) * t

    f.defjvp(f_jvp)

    print(f(3.))

    y, y_dot = jvp(f, (3.,), (1.,))
    print(y)
    print(y_dot)

    print(grad(f)(3.))
    print(grad(grad(f))(3.))

    @custom_jvp
    def f(x, y):
      return x ** 2 * y

    @f.defjvp
    def f_jvp(primals, tangents):
      x, y = primals
      x_dot, y_dot = tangents
      primal_out = f(x, y)
      tangent_out = 2 * x * y * x_dot + x ** 2 * y_dot
      return primal_out, tangent_out

    print(grad(f)(2., 3.))

    @custom_jvp
    def f(x):
      return jnp.sin(x)

    f.defjvps(lambda t, ans, x: jnp.cos(x) * t)

    print(grad(f)(3.))

    @custom_jvp
    def f(x, y):
      return x ** 2 * y

    f.defjvps(lambda x_dot, primal_out, x, y: 2 * x * y * x_dot,
              lambda y_dot, primal_out, x, y: x ** 2 * y_dot)

    print(grad(f)(2., 3.))
    print(grad(f, 0)(2., 3.))  # same as above
    print(grad(f, 1)(2., 3.))

    @custom_jvp
    def f(x, y):
      return x ** 2 * y

    f.defjvps(lambda x_dot, primal_out, x, y: 2 * x * y * x_dot,
              None)

    print(grad(f)(2., 3.))
    print(grad(f, 0)(2., 3.))  # same as above
    print(grad(f, 1)(2., 3.))


def test_custom_jvp_basics(jx):
    both(jx, custom_jvp_basics)


def custom_jvp_side_effects(jnp, custom_jvp, jvp, grad, vmap, jit, print):
    @custom_jvp
    def f(x):
      print('called f!')  # a harmless side-effect
      return jnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
      print('called f_jvp!')  # a harmless side-effect
      x, = primals
      t, = tangents
      return f(x), jnp.cos(x) * t

    print(f(3.))
    print(vmap(f)(jnp.arange(3.)))
    print(jit(f)(3.))
    y, y_dot = jvp(f, (3.,), (1.,))
    print(y_dot)
    print(grad(f)(3.))
    return grad(grad(f))(3.)


def test_custom_jvp_runs_its_rule_only_when_differentiating(jx):
    """The values are JAX's, and so is every message JAX prints, in its order; minigrad
    prints more.  A plain call runs only ``f``, as in JAX.  Under ``vmap`` minigrad runs the
    function on the first example (its trace) and then example by example (JAX traces it
    once); under ``jit`` the first call runs ``f`` twice (JAX: once, when it traces)."""
    ns = namespaces(jx)
    theirs, ours = (run(custom_jvp_side_effects, ns[k]) for k in ("jax", "minigrad"))
    text = [[p for p in printed if isinstance(p[0], str)] for printed in (theirs[0], ours[0])]
    compare([p for p in ours[0] if not isinstance(p[0], str)],
            [p for p in theirs[0] if not isinstance(p[0], str)])
    compare(ours[1], theirs[1])
    assert ours[0][:2] == theirs[0][:2]  # f(3.): 'called f!', then its value
    remaining = iter(text[1])
    assert all(message in remaining for message in text[0]), text  # a subsequence
    assert len(text[1]) > len(text[0])


def control_flow(jnp, custom_jvp, grad, print):
    @custom_jvp
    def f(x):
      if x > 0:
        return jnp.sin(x)
      else:
        return jnp.cos(x)

    @f.defjvp
    def f_jvp(primals, tangents):
      x, = primals
      x_dot, = tangents
      ans = f(x)
      if x > 0:
        return ans, 2 * x_dot
      else:
        return ans, 3 * x_dot

    print(grad(f)(1.))
    print(grad(f)(-1.))


def test_python_control_flow_in_a_custom_jvp(jx):
    assert both(jx, control_flow)[0] == [(2.0,), (3.0,)]


def custom_vjp_basics(jnp, custom_vjp, grad, vjp, jvp, print):
    # f :: a -> b
    @custom_vjp
    def f(x):
      return jnp.sin(x)

    # f_fwd :: a -> (b, c)
    def f_fwd(x):
      return f(x), jnp.cos(x)

    # f_bwd :: (c, CT b) -> CT a
    def f_bwd(cos_x, y_bar):
      return (cos_x * y_bar,)

    f.defvjp(f_fwd, f_bwd)

    print(f(3.))
    print(grad(f)(3.))

    @custom_vjp
    def f(x, y):
      return jnp.sin(x) * y

    def f_fwd(x, y):
      return f(x, y), (jnp.cos(x), jnp.sin(x), y)

    def f_bwd(res, g):
      cos_x, sin_x, y = res
      return (cos_x * g * y, sin_x * g)

    f.defvjp(f_fwd, f_bwd)

    print(grad(f)(2., 3.))

    @custom_vjp
    def f(x):
      print("called f!")
      return jnp.sin(x)

    def f_fwd(x):
      print("called f_fwd!")
      return f(x), jnp.cos(x)

    def f_bwd(cos_x, y_bar):
      print("called f_bwd!")
      return (cos_x * y_bar,)

    f.defvjp(f_fwd, f_bwd)

    print(f(3.))
    print(grad(f)(3.))

    y, f_vjp = vjp(f, 3.)
    print(y)
    print(f_vjp(1.))

    try:
      jvp(f, (3.,), (1.,))
    except TypeError as e:
      print('ERROR! {}'.format(e))


def test_custom_vjp_basics(jx):
    """Everything as JAX, but the text of the forward-mode refusal (a TypeError in both)."""
    ns = namespaces(jx)
    theirs, ours = (run(custom_vjp_basics, ns[k]) for k in ("jax", "minigrad"))
    assert theirs[0][-1][0].startswith("ERROR! can't apply forward-mode autodiff (jvp) to a custom_vjp")
    assert ours[0][-1][0].startswith("ERROR! forward mode (jvp, jacfwd, hessian) of custom_vjp function f")
    compare(ours[0][:-1], theirs[0][:-1])


def pdb_in_the_backward_pass(jnp, custom_vjp, grad, pdb):
    @custom_vjp
    def debug(x):
      return x  # acts like identity

    def debug_fwd(x):
      return x, x

    def debug_bwd(x, g):
      pdb.set_trace()
      return g

    debug.defvjp(debug_fwd, debug_bwd)

    def foo(x):
      y = x ** 2
      y = debug(y)  # insert pdb in corresponding backward pass step
      return jnp.sin(y)

    return grad(foo)(3.)


class _Pdb:
    """A stand-in for ``pdb`` that records what ``(Pdb) p x`` and ``p g`` would print."""

    def __init__(self):
        self.seen = []

    def set_trace(self):
        frame = sys._getframe(1)
        self.seen.append({k: frame.f_locals[k] for k in ("x", "g")})


def test_pdb_sees_the_backward_pass_values(jx):
    """The page's bwd returns ``g``, not ``(g,)``: JAX refuses that (a TypeError, after the
    breakpoint), and so does minigrad; at the breakpoint both show the page's values."""
    ns = namespaces(jx)
    stops = {}
    for k in ns:
        stops[k] = _Pdb()
        with pytest.raises(TypeError, match="bwd"):
            run(pdb_in_the_backward_pass, dict(ns[k], pdb=stops[k]))
    compare(stops["minigrad"].seen, stops["jax"].seen)
    compare(stops["minigrad"].seen[0]["x"], 9.0)  # the page's session: p x is 9.


def pytrees(jnp, custom_jvp, custom_vjp, grad, print):
    from collections import namedtuple
    Point = namedtuple("Point", ["x", "y"])

    @custom_jvp
    def f(pt):
      x, y = pt.x, pt.y
      return {'a': x ** 2,
              'b': (jnp.sin(x), jnp.cos(y))}

    @f.defjvp
    def f_jvp(primals, tangents):
      pt, = primals
      pt_dot, =  tangents
      ans = f(pt)
      ans_dot = {'a': 2 * pt.x * pt_dot.x,
                 'b': (jnp.cos(pt.x) * pt_dot.x, -jnp.sin(pt.y) * pt_dot.y)}
      return ans, ans_dot

    def fun(pt):
      dct = f(pt)
      return dct['a'] + dct['b'][0]

    pt = Point(1., 2.)

    print(f(pt))
    print(grad(fun)(pt))

    @custom_vjp
    def f(pt):
      x, y = pt.x, pt.y
      return {'a': x ** 2,
              'b': (jnp.sin(x), jnp.cos(y))}

    def f_fwd(pt):
      return f(pt), pt

    def f_bwd(pt, g):
      a_bar, (b0_bar, b1_bar) = g['a'], g['b']
      x_bar = 2 * pt.x * a_bar + jnp.cos(pt.x) * b0_bar
      y_bar = -jnp.sin(pt.y) * b1_bar
      return (Point(x_bar, y_bar),)

    f.defvjp(f_fwd, f_bwd)

    def fun(pt):
      dct = f(pt)
      return dct['a'] + dct['b'][0]

    pt = Point(1., 2.)

    print(f(pt))
    print(grad(fun)(pt))


def test_containers_and_pytrees(jx):
    printed = both(jx, pytrees)[0]
    assert type(printed[1][0]).__name__ == "Point" and printed[1][0].y == 0.0


def nondiff_argnums(custom_jvp, custom_vjp, grad, print):
    @partial(custom_jvp, nondiff_argnums=(0,))
    def app(f, x):
      return f(x)

    @app.defjvp
    def app_jvp(f, primals, tangents):
      x, = primals
      x_dot, = tangents
      return f(x), 2. * x_dot

    print(app(lambda x: x ** 3, 3.))
    print(grad(app, 1)(lambda x: x ** 3, 3.))

    @partial(custom_jvp, nondiff_argnums=(0, 2))
    def app2(f, x, g):
      return f(g((x)))

    @app2.defjvp
    def app2_jvp(f, g, primals, tangents):
      x, = primals
      x_dot, = tangents
      return f(g(x)), 3. * x_dot

    print(app2(lambda x: x ** 3, 3., lambda y: 5 * y))
    print(grad(app2, 1)(lambda x: x ** 3, 3., lambda y: 5 * y))

    @partial(custom_vjp, nondiff_argnums=(0,))
    def app(f, x):
      return f(x)

    def app_fwd(f, x):
      return f(x), x

    def app_bwd(f, x, g):
      return (5 * g,)

    app.defvjp(app_fwd, app_bwd)

    print(app(lambda x: x ** 2, 4.))
    print(grad(app, 1)(lambda x: x ** 2, 4.))


def test_nondiff_argnums(jx):
    assert both(jx, nondiff_argnums)[0] == [(27.0,), (2.0,), (3375.0,), (3.0,), (16.0,), (5.0,)]


# ================================================================== "The Autodiff Cookbook"

def cookbook(jnp, grad, jit, vmap, random, value_and_grad, check_grads, jacfwd, jacrev, jvp,
             vjp, timeit, print):
    key = random.key(0)

    grad_tanh = grad(jnp.tanh)
    print(grad_tanh(2.0))

    print(grad(grad(jnp.tanh))(2.0))
    print(grad(grad(grad(jnp.tanh)))(2.0))

    def sigmoid(x):
        return 0.5 * (jnp.tanh(x / 2) + 1)

    # Outputs probability of a label being true.
    def predict(W, b, inputs):
        return sigmoid(jnp.dot(inputs, W) + b)

    # Build a toy dataset.
    inputs = jnp.array([[0.52, 1.12,  0.77],
                       [0.88, -1.08, 0.15],
                       [0.52, 0.06, -1.30],
                       [0.74, -2.49, 1.39]])
    targets = jnp.array([True, True, False, True])

    # Training loss is the negative log-likelihood of the training examples.
    def loss(W, b):
        preds = predict(W, b, inputs)
        label_probs = preds * targets + (1 - preds) * (1 - targets)
        return -jnp.sum(jnp.log(label_probs))

    # Initialize random model coefficients
    key, W_key, b_key = random.split(key, 3)
    W = random.normal(W_key, (3,))
    b = random.normal(b_key, ())

    # Differentiate `loss` with respect to the first positional argument:
    W_grad = grad(loss, argnums=0)(W, b)
    print('W_grad', W_grad)

    # Since argnums=0 is the default, this does the same thing:
    W_grad = grad(loss)(W, b)
    print('W_grad', W_grad)

    # But we can choose different values too, and drop the keyword:
    b_grad = grad(loss, 1)(W, b)
    print('b_grad', b_grad)

    # Including tuple values
    W_grad, b_grad = grad(loss, (0, 1))(W, b)
    print('W_grad', W_grad)
    print('b_grad', b_grad)

    def loss2(params_dict):
        preds = predict(params_dict['W'], params_dict['b'], inputs)
        label_probs = preds * targets + (1 - preds) * (1 - targets)
        return -jnp.sum(jnp.log(label_probs))

    print(grad(loss2)({'W': W, 'b': b}))

    loss_value, Wb_grad = value_and_grad(loss, (0, 1))(W, b)
    print('loss value', loss_value)
    print('loss value', loss(W, b))

    # Set a step size for finite differences calculations
    eps = 1e-4

    # Check b_grad with scalar finite differences
    b_grad_numerical = (loss(W, b + eps / 2.) - loss(W, b - eps / 2.)) / eps
    print('b_grad_numerical', b_grad_numerical)
    print('b_grad_autodiff', grad(loss, 1)(W, b))

    # Check W_grad with finite differences in a random direction
    key, subkey = random.split(key)
    vec = random.normal(subkey, W.shape)
    unitvec = vec / jnp.sqrt(jnp.vdot(vec, vec))
    W_grad_numerical = (loss(W + eps / 2. * unitvec, b) - loss(W - eps / 2. * unitvec, b)) / eps
    print('W_dirderiv_numerical', W_grad_numerical)
    print('W_dirderiv_autodiff', jnp.vdot(grad(loss)(W, b), unitvec))

    check_grads(loss, (W, b), order=2)  # check up to 2nd order derivatives

    def hvp(f, x, v):
        return grad(lambda x: jnp.vdot(grad(f)(x), v))(x)

    # Isolate the function from the weight matrix to the predictions
    f = lambda W: predict(W, b, inputs)

    J = jacfwd(f)(W)
    print("jacfwd result, with shape", J.shape)
    print(J)

    J = jacrev(f)(W)
    print("jacrev result, with shape", J.shape)
    print(J)

    def predict_dict(params, inputs):
        return predict(params['W'], params['b'], inputs)

    J_dict = jacrev(predict_dict)({'W': W, 'b': b}, inputs)
    for k, v in J_dict.items():
        print("Jacobian from {} to logits is".format(k))
        print(v)

    def hessian(f):
        return jacfwd(jacrev(f))

    H = hessian(f)(W)
    print("hessian, with shape", H.shape)
    print(H)

    # Isolate the function from the weight matrix to the predictions
    f = lambda W: predict(W, b, inputs)

    key, subkey = random.split(key)
    v = random.normal(subkey, W.shape)

    # Push forward the vector `v` along `f` evaluated at `W`
    y, u = jvp(f, (W,), (v,))
    print(y, u)  # (not the page's: what the cell computes)

    # Isolate the function from the weight matrix to the predictions
    f = lambda W: predict(W, b, inputs)

    y, vjp_fun = vjp(f, W)

    key, subkey = random.split(key)
    u = random.normal(subkey, y.shape)

    # Pull back the covector `u` along `f` evaluated at `W`
    v = vjp_fun(u)
    print(v)  # (not the page's: what the cell computes)

    def vgrad(f, x):
      y, vjp_fn = vjp(f, x)
      return vjp_fn(jnp.ones(y.shape))[0]

    print(vgrad(lambda x: 3*x**2, jnp.ones((2, 2))))

    def hvp(f, x, v):
        return grad(lambda x: jnp.vdot(grad(f)(x), v))(x)

    # forward-over-reverse
    def hvp(f, primals, tangents):
      return jvp(grad(f), primals, tangents)[1]

    def f(X):
      return jnp.sum(jnp.tanh(X)**2)

    key, subkey1, subkey2 = random.split(key, 3)
    X = random.normal(subkey1, (30, 40))
    V = random.normal(subkey2, (30, 40))

    ans1 = hvp(f, (X,), (V,))
    ans2 = jnp.tensordot(hessian(f)(X), V, 2)

    print(jnp.allclose(ans1, ans2, 1e-4, 1e-4))

    # reverse-over-forward
    def hvp_revfwd(f, primals, tangents):
      g = lambda primals: jvp(f, primals, tangents)[1]
      return grad(g)(primals)

    # reverse-over-reverse, only works for single arguments
    def hvp_revrev(f, primals, tangents):
      x, = primals
      v, = tangents
      return grad(lambda x: jnp.vdot(grad(f)(x), v))(x)


    print("Forward over reverse")
    timeit(lambda: hvp(f, (X,), (V,)))
    print("Reverse over forward")
    timeit(lambda: hvp_revfwd(f, (X,), (V,)))
    print("Reverse over reverse")
    timeit(lambda: hvp_revrev(f, (X,), (V,)))

    print("Naive full Hessian materialization")
    timeit(lambda: jnp.tensordot(hessian(f)(X), V, 2))

    # Isolate the function from the weight matrix to the predictions
    f = lambda W: predict(W, b, inputs)

    # Pull back the covectors `m_i` along `f`, evaluated at `W`, for all `i`.
    # First, use a list comprehension to loop over rows in the matrix M.
    def loop_mjp(f, x, M):
        y, vjp_fun = vjp(f, x)
        return jnp.vstack([jnp.asarray(vjp_fun(mi)) for mi in M])

    # Now, use vmap to build a computation that does a single fast matrix-matrix
    # multiply, rather than an outer loop over vector-matrix multiplies.
    def vmap_mjp(f, x, M):
        y, vjp_fun = vjp(f, x)
        outs, = vmap(vjp_fun)(M)
        return outs

    key = random.key(0)
    num_covecs = 128
    U = random.normal(key, (num_covecs,) + y.shape)

    loop_vs = loop_mjp(f, W, M=U)
    print('Non-vmapped Matrix-Jacobian product')
    timeit(lambda: loop_mjp(f, W, M=U))

    print('\nVmapped Matrix-Jacobian product')
    vmap_vs = vmap_mjp(f, W, M=U)
    timeit(lambda: vmap_mjp(f, W, M=U))

    assert jnp.allclose(loop_vs, vmap_vs), 'Vmap and non-vmapped Matrix-Jacobian Products should be identical'

    def loop_jmp(f, W, M):
        # jvp immediately returns the primal and tangent values as a tuple,
        # so we'll compute and select the tangents in a list comprehension
        return jnp.vstack([jvp(f, (W,), (mi,))[1] for mi in M])

    def vmap_jmp(f, W, M):
        _jvp = lambda s: jvp(f, (W,), (s,))[1]
        return vmap(_jvp)(M)

    num_vecs = 128
    S = random.normal(key, (num_vecs,) + W.shape)

    loop_vs = loop_jmp(f, W, M=S)
    print('Non-vmapped Jacobian-Matrix product')
    timeit(lambda: loop_jmp(f, W, M=S))
    vmap_vs = vmap_jmp(f, W, M=S)
    print('\nVmapped Jacobian-Matrix product')
    timeit(lambda: vmap_jmp(f, W, M=S))

    assert jnp.allclose(loop_vs, vmap_vs), 'Vmap and non-vmapped Jacobian-Matrix products should be identical'

    builtin_jacrev = jacrev

    def our_jacrev(f):
        def jacfun(x):
            y, vjp_fun = vjp(f, x)
            # Use vmap to do a matrix-Jacobian product.
            # Here, the matrix is the Euclidean basis, so we get all
            # entries in the Jacobian at once.
            J, = vmap(vjp_fun, in_axes=0)(jnp.eye(len(y)))
            return J
        return jacfun

    assert jnp.allclose(builtin_jacrev(f)(W), our_jacrev(f)(W)), 'Incorrect reverse-mode Jacobian results!'

    builtin_jacfwd = jacfwd

    def our_jacfwd(f):
        def jacfun(x):
            _jvp = lambda s: jvp(f, (x,), (s,))[1]
            Jt = vmap(_jvp, in_axes=1)(jnp.eye(len(x)))
            return jnp.transpose(Jt)
        return jacfun

    assert jnp.allclose(builtin_jacfwd(f)(W), our_jacfwd(f)(W)), 'Incorrect forward-mode Jacobian results!'

    def f(x):
        try:
            if x < 3:
                return 2 * x ** 3
            else:
                raise ValueError
        except ValueError:
            return jnp.pi * x

    y, f_vjp = vjp(f, 4.)
    print(jit(f_vjp)(1.))


def test_autodiff_cookbook(jx):
    printed = both(jx, cookbook)[0]
    compare(printed[-1], ((np.pi,),))  # jit of the linear part: d(pi x)/dx at x = 4


def test_holomorphic_derivatives_are_jaxs(jx):
    """The cookbook's ``grad(f, holomorphic=True)(z)`` for f = sin at z = 3 + 4j, and the
    vjp with cotangent 1 it is built on: minigrad's rules give f'(z) = cos z, as JAX."""
    z = 3. + 4j
    want = jx.grad(jx.numpy.sin, holomorphic=True)(z)
    compare(mg.grad(mnp.sin, holomorphic=True)(z), want)
    compare(mg.vjp(mnp.sin, z)[1](1. + 0j)[0], jx.vjp(jx.numpy.sin, z)[1](1. + 0j)[0])
    compare(mg.jvp(mnp.sin, (z,), (1j,)), jx.jvp(jx.numpy.sin, (z,), (1j,)))
