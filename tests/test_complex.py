"""Complex numbers are never silently wrong: holomorphic functions give JAX's f'(z), the rest
are refused with one-line errors (docs/api/namespace.md, the dtype policy).  References are
JAX's answers on the same functions (x64), and its refusals."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp
from minigrad.errors import TransformError

Z = 0.7 - 1.3j
A = np.array([[1.0 + 2.0j, -0.5 + 0.3j], [0.2 - 1.1j, 1.5 + 0.4j]])
V = np.array([0.3 + 0.9j, -1.2 + 0.5j])

# name: (a function of a numpy namespace and a complex scalar)
HOLOMORPHIC = {
    "sin": lambda np_, z: np_.sin(z),
    "exp": lambda np_, z: np_.exp(z),
    "polynomial": lambda np_, z: 3 * z ** 4 - 2j * z ** 2 + z - 5,
    "product": lambda np_, z: np_.sin(z) * np_.exp(2 * z),
    "cube": lambda np_, z: z ** 3,
    "reciprocal": lambda np_, z: 1 / z,
    "log": lambda np_, z: np_.log(z),
    "tanh_sqrt": lambda np_, z: np_.tanh(np_.sqrt(z)),
    "power_float": lambda np_, z: z ** 2.5,
}


def close(got, want, rtol=1e-12):
    assert np.shape(got) == np.shape(want)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=rtol, atol=1e-13)


@pytest.mark.parametrize("name", sorted(HOLOMORPHIC))
def test_holomorphic_grad_is_jaxs(jax, name):
    f = HOLOMORPHIC[name]
    want = jax.grad(lambda z: f(jax.numpy, z), holomorphic=True)(Z)
    close(mg.grad(lambda z: f(mnp, z), holomorphic=True)(Z), want)
    value, g = mg.value_and_grad(lambda z: f(mnp, z), holomorphic=True)(Z)
    close(g, want)
    close(value, f(jax.numpy, Z))
    for transform in ("jacfwd", "jacrev"):
        close(getattr(mg, transform)(lambda z: f(mnp, z), holomorphic=True)(Z), want)


@pytest.mark.parametrize("name", sorted(HOLOMORPHIC))
def test_holomorphic_jvp_and_vjp_are_jaxs(jax, name):
    f = HOLOMORPHIC[name]
    t, ct = 0.4 + 2.0j, -1.5 + 0.25j
    value, tangent = mg.jvp(lambda z: f(mnp, z), (Z,), (t,))
    want_value, want_tangent = jax.jvp(lambda z: f(jax.numpy, z), (Z,), (t,))
    close(value, want_value)
    close(tangent, want_tangent)
    (cotangent,) = mg.vjp(lambda z: f(mnp, z), Z)[1](ct)
    close(cotangent, jax.vjp(lambda z: f(jax.numpy, z), Z)[1](ct)[0])


def test_holomorphic_hessian_is_jaxs(jax):
    f = HOLOMORPHIC["product"]
    want = jax.hessian(lambda z: f(jax.numpy, z), holomorphic=True)(Z)
    close(mg.hessian(lambda z: f(mnp, z), holomorphic=True)(Z), want)


def matrix_function(np_, a, v):
    return np_.sum(np_.exp(a @ v) * (a @ a)[0])


def test_linearize_of_a_holomorphic_function_is_jaxs(jax):
    f = HOLOMORPHIC["product"]
    t = 0.4 + 2.0j
    close(mg.linearize(lambda z: f(mnp, z), Z)[1](t), jax.linearize(lambda z: f(jax.numpy, z), Z)[1](t))


def test_complex_matmul_arrays_are_jaxs(jax):
    """Arrays of complex numbers through matmul, sum and exp: grad, the Jacobians, hessian."""
    jnp = jax.numpy
    want = jax.grad(lambda a, v: matrix_function(jnp, a, v), (0, 1), holomorphic=True)(A, V)
    got = mg.grad(lambda a, v: matrix_function(mnp, a, v), (0, 1), holomorphic=True)(A, V)
    close(got[0], want[0])
    close(got[1], want[1])
    f = lambda np_, a: np_.exp(a @ a) @ V  # noqa: E731  (a vector output: a full Jacobian)
    want = jax.jacfwd(lambda a: f(jnp, a), holomorphic=True)(A)
    close(mg.jacfwd(lambda a: f(mnp, a), holomorphic=True)(A), want)
    close(mg.jacrev(lambda a: f(mnp, a), holomorphic=True)(A), want)
    want = jax.hessian(lambda v: matrix_function(jnp, A, v), holomorphic=True)(V)
    close(mg.hessian(lambda v: matrix_function(mnp, A, v), holomorphic=True)(V), want)
    t = np.array([1.0 - 0.5j, 0.25 + 2.0j])
    close(mg.jvp(lambda v: mnp.exp(A @ v), (V,), (t,))[1], jax.jvp(lambda v: jnp.exp(A @ v), (V,), (t,))[1])


def refusal(call) -> str:
    with pytest.raises(TypeError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    return message


def both_refuse(jax_call, mg_call, *words):
    """JAX refuses it (a TypeError); minigrad too, with one line holding ``words``."""
    refusal(jax_call)
    message = refusal(mg_call)
    for word in words:
        assert word in message, message
    return message


def test_complex_outputs_need_holomorphic_as_in_jax(jax):
    jnp = jax.numpy
    for transform in ("grad", "jacrev", "value_and_grad"):
        both_refuse(lambda: getattr(jax, transform)(jnp.sin)(Z),
                    lambda: getattr(mg, transform)(mnp.sin)(Z),
                    "requires real-valued outputs", "complex128", "holomorphic=True", "sin")
    # a real input with a complex output: refused in reverse mode, as JAX does
    both_refuse(lambda: jax.grad(lambda x: jnp.exp(1j * x))(0.5),
                lambda: mg.grad(lambda x: mnp.exp(1j * x))(0.5), "requires real-valued outputs")


def test_jacfwd_needs_holomorphic_for_complex_inputs_as_in_jax(jax):
    both_refuse(lambda: jax.jacfwd(jax.numpy.sin)(Z), lambda: mg.jacfwd(mnp.sin)(Z),
                "jacfwd requires real-valued inputs", "holomorphic=True")
    # a real input with a complex output is fine forward: JAX's Jacobian
    f = lambda np_, x: np_.exp(1j * x) * x  # noqa: E731
    close(mg.jacfwd(lambda x: f(mnp, x))(0.5), jax.jacfwd(lambda x: f(jax.numpy, x))(0.5))


def test_holomorphic_requires_complex_inputs_and_outputs_as_in_jax(jax):
    jnp = jax.numpy
    for transform in ("grad", "jacfwd", "jacrev", "hessian"):
        both_refuse(lambda: getattr(jax, transform)(jnp.sin, holomorphic=True)(0.5),
                    lambda: getattr(mg, transform)(mnp.sin, holomorphic=True)(0.5),
                    "holomorphic=True requires inputs with complex dtype", "float64")
    for transform in ("grad", "jacrev"):
        both_refuse(lambda: getattr(jax, transform)(lambda z: jnp.abs(z) ** 2, holomorphic=True)(Z),
                    lambda: getattr(mg, transform)(lambda z: mnp.abs(z) ** 2, holomorphic=True)(Z),
                    "holomorphic=True requires outputs with complex dtype", "float64")


def test_complex_to_real_functions_are_refused_not_wrong(jax):
    """JAX's grad of |z|^2 is df/dx - i df/dy = 2 conj(z); minigrad's rules have no conjugation,
    so it refuses (a documented difference) instead of giving another number."""
    jnp = jax.numpy
    np.testing.assert_allclose(jax.grad(lambda z: jnp.abs(z) ** 2)(Z), 2 * np.conj(Z))
    for transform in ("grad", "jacrev", "value_and_grad"):
        message = refusal(lambda: getattr(mg, transform)(lambda z: mnp.abs(z) ** 2)(Z))
        assert "complex-to-real" in message and "'z'" in message and "Fix:" in message


def test_non_holomorphic_operations_on_complex_values_are_refused(jax):
    """Where JAX's jvp/vjp would conjugate (abs of a complex number), minigrad refuses."""
    jnp = jax.numpy
    f = lambda np_, z: np_.abs(z) * z  # noqa: E731  (complex out, not holomorphic)
    t = 1.0 + 0.5j
    jax.jvp(lambda z: f(jnp, z), (Z,), (t,))  # JAX answers; minigrad would need conjugation
    for call in (lambda: mg.jvp(lambda z: f(mnp, z), (Z,), (t,)),
                 lambda: mg.vjp(lambda z: f(mnp, z), Z),
                 lambda: mg.grad(lambda z: f(mnp, z), holomorphic=True)(Z),
                 lambda: mg.jacfwd(lambda z: f(mnp, z), holomorphic=True)(Z),
                 lambda: mg.jacrev(lambda z: f(mnp, z), holomorphic=True)(Z),
                 # a real function with a complex intermediate: |x e^{ix}|
                 lambda: mg.grad(lambda x: mnp.abs(x * mnp.exp(1j * x)))(0.5)):
        message = refusal(call)
        assert "'abs'" in message and "complex" in message and "Fix:" in message


def test_vjp_of_a_real_input_takes_the_real_part_as_jax(jax):
    """x -> x e^{ix} from the reals: JAX's cotangent of x is Re(ct f'(x)), a float."""
    jnp = jax.numpy
    ct = 0.3 - 1.7j
    got = mg.vjp(lambda x: x * mnp.exp(1j * x), 0.5)[1](ct)[0]
    want = jax.vjp(lambda x: x * jnp.exp(1j * x), 0.5)[1](ct)[0]
    assert isinstance(got, float)
    close(got, want)
    x = np.array([0.5, -1.0])
    got = mg.vjp(lambda x: x * mnp.exp(1j * x), x)[1](np.array([ct, 1j]))[0]
    close(got, jax.vjp(lambda x: x * jnp.exp(1j * x), x)[1](np.array([ct, 1j]))[0])
    assert got.dtype == np.float64


def test_jvp_refuses_a_complex_tangent_of_a_real_primal(jax):
    both_refuse(lambda: jax.jvp(jax.numpy.sin, (0.5,), (1j,)),
                lambda: mg.jvp(mnp.sin, (0.5,), (1j,)), "tangent", "complex")


def test_hessian_has_aux_as_jax(jax):
    f = lambda np_, x: (np_.sum(np_.sin(x) * x), x * 2)  # noqa: E731
    x = np.array([0.3, -1.2])
    h, aux = mg.hessian(lambda x: f(mnp, x), has_aux=True)(x)
    want_h, want_aux = jax.hessian(lambda x: f(jax.numpy, x), has_aux=True)(x)
    close(h, want_h)
    close(aux, want_aux)


def test_jaxbridge_takes_holomorphic_and_differentiates_what_minigrad_refuses(jax):
    """The refusals' fix: jaxbridge passes ``holomorphic`` to JAX, and JAX differentiates
    the complex-to-real function minigrad refuses (|z|^2: 2 conj(z))."""
    import jaxbridge

    np.testing.assert_allclose(jaxbridge.grad(lambda z: mnp.abs(z) ** 2)(Z), 2 * np.conj(Z), rtol=1e-14)
    for transform in ("grad", "jacfwd", "jacrev", "hessian"):
        got = getattr(jaxbridge, transform)(lambda z: mnp.sin(z) * z, holomorphic=True)(Z)
        want = getattr(mg, transform)(lambda z: mnp.sin(z) * z, holomorphic=True)(Z)
        close(got, want)


ELEMENTWISE = ["arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "cos", "cosh", "exp",
               "exp2", "expm1", "log", "log10", "log1p", "log2", "reciprocal", "sin", "sinh",
               "sqrt", "square", "tan", "tanh"]


@pytest.mark.parametrize("name", ELEMENTWISE + ["sigmoid"])
def test_every_holomorphic_elementwise_entry_is_jaxs(jax, name):
    z = 0.3 + 0.4j  # off every branch cut
    mine, theirs = (mg.nn.sigmoid, jax.nn.sigmoid) if name == "sigmoid" else \
        (getattr(mnp, name), getattr(jax.numpy, name))
    close(mg.grad(mine, holomorphic=True)(z), jax.grad(theirs, holomorphic=True)(z))


def structural(np_, name, v):
    """Every structural entry marked holomorphic, on a complex vector (a vector out)."""
    m = np_.stack([v, -2 * v])
    m = np_.concatenate([m, m[::-1]], axis=0)
    m = np_.reshape(np_.transpose(m), (8,))
    m = np_.broadcast_to(m, (2, 8))
    m = np_.where(np.arange(8) % 2 == 0, m, m ** 3 / (m - 4))
    s = np_.cumsum(name(m, "s"), axis=1)
    e = np_.einsum("ij,j->i", s, np.linspace(0.5, 1.0, 8))
    return e * np_.mean(s) - np_.prod(v) + np_.sum(s, axis=0)[:2] + A @ v


def test_every_holomorphic_structural_entry_is_jaxs(jax):
    from jax.ad_checkpoint import checkpoint_name
    from minigrad.graph import record
    from minigrad.primitives import HOLOMORPHIC

    want = jax.jacfwd(lambda v: structural(jax.numpy, checkpoint_name, v), holomorphic=True)(V)
    for transform in (mg.jacfwd, mg.jacrev):
        close(transform(lambda v: structural(mnp, mg.checkpoint_name, v), holomorphic=True)(V), want)
    scalar = lambda np_, name, v: np_.sum(structural(np_, name, v) ** 2)  # noqa: E731
    want = jax.hessian(lambda v: scalar(jax.numpy, checkpoint_name, v), holomorphic=True)(V)
    close(mg.hessian(lambda v: scalar(mnp, mg.checkpoint_name, v), holomorphic=True)(V), want)
    # the gradient's own graph holds the reverse rules' entries (scatter_add: getitem's)
    graph = record(mg.grad(lambda v: scalar(mnp, mg.checkpoint_name, v), holomorphic=True), (V,), (0,), ["v"])[0]
    covered = {v.prim.name for v in graph.variables if v.prim} | set(ELEMENTWISE) | {"sigmoid"}
    assert set(HOLOMORPHIC) <= covered, set(HOLOMORPHIC) - covered


@pytest.mark.parametrize("op, f", [
    ("sign", lambda z: mnp.sign(z) * z),
    ("maximum", lambda z: mnp.maximum(z, 0.0) * z),
    ("astype", lambda z: mnp.sin(z).astype(np.complex64) * z),
    ("svd", lambda z: mnp.sum(mnp.linalg.svdvals(A * z)) * z),
    ("scatter", lambda z: mnp.sum(mnp.stack([z, z]).at[0].max(z))),
])
def test_other_non_holomorphic_entries_are_refused_on_complex_values(op, f):
    for call in (lambda: mg.grad(f, holomorphic=True)(Z), lambda: mg.jvp(f, (Z,), (1.0 + 0j,)),
                 lambda: mg.vjp(f, Z), lambda: mg.linearize(f, Z)):
        message = refusal(call)
        assert f"'{op}'" in message and "Fix:" in message, message


@pytest.mark.parametrize("method", ["set", "add", "multiply"])
def test_indexed_updates_of_complex_arrays_are_jaxs(jax, method):
    """``x.at[i].set/add/multiply`` are holomorphic (scatter's min and max are refused above)."""
    v = np.array([0.3 + 0.9j, -1.2 + 0.5j, 0.4 - 0.2j])
    index = np.array([0, 2])
    kw = {"unique_indices": True} if method == "multiply" else {}  # JAX asks for it there
    want = jax.jacfwd(lambda v: getattr((v * v).at[index], method)(v[:2] * 3, **kw), holomorphic=True)(v)
    for transform in (mg.jacfwd, mg.jacrev):
        close(transform(lambda v: getattr((v * v).at[index], method)(v[:2] * 3), holomorphic=True)(v), want)


B = np.array([[0.4 - 0.7j, 1.1 + 0.2j], [-0.3 + 0.5j, 0.8 - 0.9j]])
# name: a function of a numpy namespace and a complex matrix, with complex (non-scalar) output
LINALG = {
    "inv": lambda np_, a: np_.linalg.inv(a) * B,
    "solve_vector": lambda np_, a: np_.linalg.solve(a, V) * V,
    "solve_matrix": lambda np_, a: np_.linalg.solve(a @ a, B),
    "det": lambda np_, a: np_.linalg.det(a) * a,
}


@pytest.mark.parametrize("name", sorted(LINALG))
def test_holomorphic_linear_algebra_is_jaxs(jax, name):
    """inv, solve and det are complex-analytic with rules that transpose without conjugation:
    JAX's grad, jvp, vjp and hessian on complex matrices (det's cofactor conjugates the SVD)."""
    f, jnp = LINALG[name], jax.numpy
    scalar = lambda np_: lambda a: np_.sum(f(np_, a) * B)  # noqa: E731
    close(mg.grad(scalar(mnp), holomorphic=True)(A), jax.grad(scalar(jnp), holomorphic=True)(A), rtol=1e-11)
    close(mg.hessian(scalar(mnp), holomorphic=True)(A), jax.hessian(scalar(jnp), holomorphic=True)(A), rtol=1e-10)
    (out, tangent), (want_out, want_tangent) = (t(lambda a: f(np_, a), (A,), (B,))
                                                for t, np_ in ((mg.jvp, mnp), (jax.jvp, jnp)))
    close(out, want_out), close(tangent, want_tangent, rtol=1e-11)
    ct = np.conj(np.asarray(want_out))
    close(mg.vjp(lambda a: f(mnp, a), A)[1](ct)[0], jax.vjp(lambda a: f(jnp, a), A)[1](ct)[0], rtol=1e-11)


def _jax_refuses(jax, f, x, ct):
    with pytest.raises((TypeError, ValueError), match="unexpected JAX type"):
        jax.vjp(f, x)[1](ct)


@pytest.mark.parametrize("x, ct, want", [
    (1.5, np.float32(1.0), "float64[]"),
    (np.float32(1.5), 1.0, "float32[]"),
    (np.float32(1.5), np.float64(1.0), "float32[]"),
    (Z, 1.0, "complex128[]"),
    (1.5, 1.0 + 0j, "float64[]"),
    (1.5, 1, "float64[]"),
    (np.ones(3), np.ones(3, np.float32), "float64[3]"),
    (np.ones(3), np.ones(2), "float64[3]"),
    (np.ones(3), np.ones((1, 3)), "float64[3]"),
    (np.ones(3), 1.0, "float64[3]"),
    (V, np.ones(2), "complex128[2]"),
])
def test_vjp_refuses_a_cotangent_not_of_the_outputs_type_as_jax(jax, x, ct, want):
    """A cotangent of another dtype or shape is refused, never cast or broadcast (JAX x64)."""
    _jax_refuses(jax, lambda x: x * 2.0, x, ct)
    message = refusal(lambda: mg.vjp(lambda x: x * 2.0, x)[1](ct))
    assert f"the output of type {want}" in message and "Fix:" in message, message


def test_vjp_names_the_output_whose_cotangent_is_wrong(jax):
    f = lambda np_: lambda x: (x, np_.sin(x) * 2.0)  # noqa: E731
    _jax_refuses(jax, f(jax.numpy), 1.5, (1.0, np.float32(1.0)))
    message = refusal(lambda: mg.vjp(f(mnp), 1.5)[1]((1.0, np.float32(1.0))))
    assert "cotangent of type float32[] for output 1 (of 2) of type float64[]" in message, message
    # the accepted ones, as JAX: Python floats for float64, Python complexes for complex128
    close(mg.vjp(f(mnp), 1.5)[1]((1.0, 2.0))[0], jax.vjp(f(jax.numpy), 1.5)[1]((1.0, 2.0))[0])
    close(mg.vjp(lambda z: z * 2.0, Z)[1](1j)[0], jax.vjp(lambda z: z * 2.0, Z)[1](1j)[0])


def test_jit_takes_python_complex_numbers_as_complex128_as_jax(jax):
    """A Python complex argument is a complex128 scalar (JAX's with x64), in a pytree too; a
    second complex of the same signature runs the same program."""
    f = lambda np_: lambda z, xs: np_.sin(z) * xs["x"] + z ** 2 / xs["w"]  # noqa: E731
    jitted, jax_jitted = mg.jit(f(mnp)), jax.jit(f(jax.numpy))
    for z, xs in ((1.0 + 2.0j, {"x": 0.5, "w": 0.3 - 1j}), (Z, {"x": -1.5, "w": 2j}),
                  (Z, {"x": V, "w": 1j})):
        close(jitted(z, xs), jax_jitted(z, xs))
    assert jitted.traces == 2  # (the scalar signature, then the array one)
