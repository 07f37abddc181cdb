"""Bad input gets a clear error naming the variable, the operation and the fix."""

import math
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.numpy as mnp


def test_integer_input_to_grad_names_the_argument_and_the_fix():
    with pytest.raises(TypeError, match=r"argument 'sigma' has dtype int.*pass 2\.0"):
        mg.grad(lambda y, sigma: y / sigma, argnums=1)(1.0, 2)
    with pytest.raises(mg.TransformError, match=r"'x\['w'\]'.*astype\(float\)"):
        mg.grad(lambda x: mnp.sum(x["w"]))({"w": np.arange(3)})


def test_integer_input_outside_argnums_is_fine():
    assert mg.grad(lambda x, n: x ** n)(2.0, 3) == pytest.approx(12.0)


def test_shape_mismatch_names_both_shapes_and_the_operation():
    def f(x, y):
        return mnp.sum(x * y)

    with pytest.raises(ValueError, match=r"mul .*v1 \(x\) of shape \(3,\).*v2 \(y\) of shape \(4,\).*Fix"):
        mg.grad(f, argnums=(0, 1))(np.ones(3), np.ones(4))
    with pytest.raises(mg.ShapeError, match=r"matmul.*\(2, 3\).*\(2, 3\)"):
        mg.grad(lambda a: mnp.sum(a @ a))(np.ones((2, 3)))


def test_math_module_on_traced_value_points_to_mnp():
    with pytest.raises(TypeError, match=r"math.*v1 \(x\).*mnp\.sin"):
        mg.grad(lambda x: math.sin(x))(1.0)


def test_numpy_function_on_traced_value_points_to_mnp():
    with pytest.raises(TypeError, match=r"np\.sin.*v1 \(x\).*minigrad\.numpy"):
        mg.grad(lambda x: np.sin(x))(1.0)
    with pytest.raises(TypeError, match=r"np\.sum.*mnp\.sum"):
        mg.grad(lambda x: np.sum(x))(np.ones(3))


def test_ndarray_operators_with_traced_values_still_record():
    a = np.array([1.0, 2.0])
    g = mg.grad(lambda x: mnp.sum(a * x + a / x - a ** x))(np.array([0.5, 1.5]))
    x = np.array([0.5, 1.5])
    np.testing.assert_allclose(g, a - a / x ** 2 - a ** x * np.log(a))


def test_non_scalar_output_for_grad_suggests_jacrev():
    with pytest.raises(TypeError, match=r"scalar.*shape \(3,\).*jacrev"):
        mg.grad(lambda x: x * 2.0)(np.ones(3))


def test_python_if_on_traced_value_differentiates_the_branch_taken():
    # issue 22 changed this: Python control flow on traced values is accepted, as by
    # jax.grad and PyTorch (it was refused), and each choice is a decision of the graph
    def relu(x):
        return x if x > 0 else 0.0 * x

    assert (mg.grad(relu)(2.0), mg.grad(relu)(-2.0)) == (1.0, 0.0)
    assert mg.grad(lambda x: x * 3.0 if x else x)(1.0) == 3.0
    g = mg.trace(relu, 2.0)
    assert [(d.variable.index, d.taken) for d in g.decisions] == [(1, True)]
    where_relu = mg.grad(lambda x: mnp.where(x > 0, x, 0.0 * x))
    assert where_relu(2.0) == 1.0 and where_relu(-2.0) == 0.0


def test_argnums_out_of_range():
    with pytest.raises(mg.TransformError, match="argnums=3"):
        mg.grad(lambda x, y: x * y, argnums=3)(1.0, 2.0)


def test_jvp_tangent_shape_mismatch_names_the_input():
    with pytest.raises(mg.TransformError, match=r"tangent for 'x' has shape \(2,\).*\(3,\)"):
        mg.jvp(lambda x: x * 2.0, (np.ones(3),), (np.ones(2),))


def test_has_aux_without_a_pair():
    with pytest.raises(mg.TransformError, match="has_aux=True"):
        mg.grad(lambda x: x * 2.0, has_aux=True)(1.0)


def test_nan_and_inf_propagate_as_in_numpy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert mg.grad(mnp.log)(0.0) == np.inf
        assert np.isnan(mg.grad(mnp.sqrt)(-1.0))
        value, g = mg.value_and_grad(lambda x: mnp.log(x))(0.0)
        assert value == -np.inf and g == np.inf
        g = mg.grad(lambda x: mnp.sum(mnp.log(x)))(np.array([1.0, 0.0, -1.0]))
        assert g[0] == 1.0 and g[1] == np.inf and g[2] == -1.0
        assert np.isnan(mg.grad(lambda x: x * np.nan)(1.0))
