"""``minigrad.random`` against ``jax.random``: the same key gives the same numbers, bit for bit,
for each function, shape and dtype (JAX without x64 for 32-bit dtypes, with x64 for 64-bit;
its default PRNG: threefry2x32, partitionable)."""

from __future__ import annotations

import numpy as np
import pytest

from minigrad import random as mr

jax = pytest.importorskip("jax")
jr, jnp = jax.random, jax.numpy

SEEDS = [0, 1, 42, 2**31 - 1, 123456789]
SHAPES = [(), (1,), (7,), (3, 5), (2, 3, 4)]


def same(ours, theirs):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


@pytest.fixture(params=[False, True], ids=["x32", "x64"])
def x64(request):
    with jax.enable_x64(request.param):
        yield request.param


def test_the_installed_jax_uses_the_prng_matched_here():
    assert jax.config.jax_default_prng_impl == "threefry2x32"
    assert jax.config.jax_threefry_partitionable


@pytest.mark.parametrize("seed", SEEDS)
def test_keys_split_fold_in(x64, seed):
    k, jk = mr.PRNGKey(seed), jr.PRNGKey(seed)
    same(k, jk)
    same(mr.key_data(mr.key(seed)), jr.key_data(jr.key(seed)))
    for num in (2, 3, (2, 3)):
        same(mr.split(k, num), jr.split(jk, num))
    for data in (0, 7, 2**32 - 1):
        same(mr.fold_in(k, data), jr.fold_in(jk, data))
    same(mr.split(mr.split(k)[1])[0], jr.split(jr.split(jk)[1])[0])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_bits_uniform_bernoulli_randint(x64, seed, shape):
    k, jk = mr.PRNGKey(seed), jr.PRNGKey(seed)
    fdt, idt, udt = (np.float64, np.int64, np.uint64) if x64 else (np.float32, np.int32, np.uint32)
    same(mr.bits(k, shape, udt), jr.bits(jk, shape, udt))
    same(mr.uniform(k, shape, fdt), jr.uniform(jk, shape, fdt))
    same(mr.uniform(k, shape, fdt, -1.0, 2.5), jr.uniform(jk, shape, fdt, -1.0, 2.5))
    same(mr.bernoulli(k, fdt(0.3), shape), jr.bernoulli(jk, fdt(0.3), shape))
    for lo, hi in ((0, 10), (-5, 1000), (3, 3), (0, 2**31 - 1)):
        same(mr.randint(k, shape, lo, hi, idt), jr.randint(jk, shape, lo, hi, idt))


@pytest.mark.parametrize("seed", SEEDS)
def test_permutation_choice_categorical(x64, seed):
    k, jk = mr.PRNGKey(seed), jr.PRNGKey(seed)
    fdt = np.float64 if x64 else np.float32
    idt = np.int64 if x64 else np.int32
    same(mr.permutation(k, 10).astype(idt), jr.permutation(jk, 10))
    x = np.arange(12.0, dtype=fdt).reshape(4, 3)
    for axis in (0, 1, -1):
        same(mr.permutation(k, x, axis), jr.permutation(jk, x, axis))
        same(mr.permutation(k, x, axis, independent=True), jr.permutation(jk, x, axis, independent=True))
    p = np.array([0.1, 0.2, 0.3, 0.4], fdt)
    same(mr.choice(k, 10, (4,), replace=False).astype(idt), jr.choice(jk, 10, (4,), replace=False))
    same(mr.choice(k, 4, (6,), p=p).astype(idt), jr.choice(jk, 4, (6,), p=p))
    same(mr.choice(k, 4, (3,), replace=False, p=p).astype(idt), jr.choice(jk, 4, (3,), replace=False, p=p))
    same(mr.choice(k, x, (2,), replace=False, axis=1), jr.choice(jk, x, (2,), replace=False, axis=1))
    if x64:  # with replacement JAX draws randint in its default int: int64 only with x64
        same(mr.choice(k, 10, (4, 2)), jr.choice(jk, 10, (4, 2)))
        same(mr.choice(k, x, (5,)), jr.choice(jk, x, (5,)))
    logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]], fdt))
    same(mr.categorical(k, logits).astype(idt), jr.categorical(jk, logits))
    same(mr.categorical(k, logits, axis=0).astype(idt), jr.categorical(jk, logits, axis=0))
    same(mr.categorical(k, logits, shape=(5, 2)).astype(idt), jr.categorical(jk, logits, shape=(5, 2)))


@pytest.mark.parametrize("seed", SEEDS)
def test_normal_and_gumbel_agree_to_a_few_ulps(x64, seed):
    """The uniforms are JAX's to the bit (above); erf^-1 and log are NumPy's, not XLA's:
    float32 normals are JAX's polynomial (most equal to the bit, all within 3 ulps);
    float64 ones are exact erf^-1 against JAX's polynomial (a few 1e-14 relative)."""
    k, jk = mr.PRNGKey(seed), jr.PRNGKey(seed)
    dt = np.float64 if x64 else np.float32
    ours, theirs = mr.normal(k, (2000,), dt), np.asarray(jr.normal(jk, (2000,), dt))
    assert ours.dtype == theirs.dtype
    if x64:
        np.testing.assert_allclose(ours, theirs, rtol=5e-14, atol=1e-15)
    else:
        assert np.max(np.abs(ours - theirs) / np.spacing(np.maximum(np.abs(theirs), 1e-6))) <= 3
        assert np.mean(ours == theirs) > 0.95
    for shape in ((), (1,), (2, 3)):  # a scalar too (b = random.normal(b_key, ()), the cookbook's)
        np.testing.assert_allclose(mr.normal(k, shape, dt), jr.normal(jk, shape, dt),
                                   rtol=2e-6 if dt == np.float32 else 5e-14)
    eps = np.finfo(dt).eps  # (-log(-log u) near u = 1/e: an absolute error of a few eps)
    np.testing.assert_allclose(mr.gumbel(k, (500,), dt), jr.gumbel(jk, (500,), dt), rtol=8 * eps, atol=8 * eps)


def test_bad_keys_say_what_a_key_is():
    with pytest.raises(TypeError, match=r"minigrad.random.split: expected one key \(uint32 array of shape \(2,\)"):
        mr.split(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="not a float dtype"):
        mr.uniform(mr.PRNGKey(0), (2,), np.int32)
