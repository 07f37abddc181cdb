"""``minigrad.random``: JAX's functional random numbers, the same numbers as ``jax.random``.

A key is what ``jax.random.PRNGKey`` makes: two uint32 words (an array of shape (2,),
or (..., 2) for several).  Every function hashes the key with Threefry-2x32, written
here in NumPy, and converts the bits to numbers as JAX does, for the configuration the
installed JAX uses by default (``jax_threefry_partitionable=True``, JAX 0.5 onwards): the
n-th number of an array comes from hashing the 64-bit counter n.  So a lecture that makes
its data with ``random.normal(random.PRNGKey(0), (100,))`` gets JAX's array, bit for bit
(``normal``: within a few ulps, see its docstring), without importing JAX.

Defaults follow minigrad's dtype policy: float64 and int64 (JAX, without x64, makes
float32 and int32; pass ``dtype=np.float32`` for those numbers).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .array import Array, as_array
from .primitives import erf

__all__ = ["PRNGKey", "key", "key_data", "split", "fold_in", "bits", "uniform", "normal",
           "bernoulli", "randint", "choice", "permutation", "categorical", "gumbel"]

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def _rotl(x, d: int):
    return (x << np.uint32(d)) | (x >> np.uint32(32 - d))


def threefry2x32(k1, k2, x0, x1) -> tuple[np.ndarray, np.ndarray]:
    """The Threefry-2x32 hash (20 rounds) of counter words ``(x0, x1)`` under key ``(k1, k2)``."""
    with np.errstate(over="ignore"):
        k1, k2 = np.uint32(k1), np.uint32(k2)
        ks = (k1, k2, k1 ^ k2 ^ np.uint32(0x1BD11BDA))
        x = [np.asarray(x0, np.uint32) + ks[0], np.asarray(x1, np.uint32) + ks[1]]
        for i in range(5):
            for r in _ROTATIONS[i % 2]:
                x[0] = x[0] + x[1]
                x[1] = _rotl(x[1], r) ^ x[0]
            x[0] = x[0] + ks[(i + 1) % 3]
            x[1] = x[1] + ks[(i + 2) % 3] + np.uint32(i + 1)
    return x[0], x[1]


def _check_key(key, where: str) -> np.ndarray:
    k = np.asarray(key)
    if k.shape != (2,) or k.dtype != np.uint32:
        raise TypeError(f"minigrad.random.{where}: expected one key (uint32 array of shape (2,), "
                        f"from random.PRNGKey or random.split), got dtype {k.dtype} and shape "
                        f"{k.shape}. Fix: pass one key; for several, index the split keys.")
    return k


def _shape(shape) -> tuple:
    return (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)


def _counters(shape: tuple):
    """The 64-bit index of each element, as (high, low) uint32 words (JAX's iota_2x32_shape)."""
    n = np.arange(math.prod(shape), dtype=np.uint64).reshape(shape)
    return (n >> np.uint64(32)).astype(np.uint32), (n & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def PRNGKey(seed: int) -> Array:
    """A key from an integer seed: the words (high 32 bits, low 32 bits) of the seed, as
    ``jax.random.PRNGKey`` makes them (a seed below 2**31 gives ``[0, seed]``)."""
    seed = int(seed)
    if not -(2 ** 63) <= seed < 2 ** 64:
        raise OverflowError(f"minigrad.random.PRNGKey: seed {seed} does not fit in 64 bits. "
                            f"Fix: use a smaller seed.")
    seed %= 2 ** 64
    return as_array(np.array([seed >> 32, seed & 0xFFFFFFFF], np.uint32))


key = PRNGKey  # (JAX's typed keys are data here: the same two words)


def key_data(keys) -> Array:
    return as_array(np.asarray(keys, np.uint32))


def split(key, num: int | Sequence[int] = 2) -> Array:
    """``num`` new keys (shape ``(num, 2)``; a tuple ``num`` gives that shape of keys)."""
    k = _check_key(key, "split")
    shape = _shape(num)
    hi, lo = threefry2x32(k[0], k[1], *_counters(shape))
    return as_array(np.stack([hi, lo], axis=-1))


def fold_in(key, data: int) -> Array:
    """A new key from ``key`` and an integer (its low 32 bits), as ``jax.random.fold_in``."""
    k = _check_key(key, "fold_in")
    word = np.uint32(int(data) % 2 ** 32)
    return as_array(np.array(threefry2x32(k[0], k[1], np.uint32(0), word), np.uint32).reshape(2))


def _bits(key, width: int, shape: tuple) -> np.ndarray:
    k = _check_key(key, "bits")
    b1, b2 = threefry2x32(k[0], k[1], *_counters(shape))
    if width == 64:
        return (b1.astype(np.uint64) << np.uint64(32)) | b2.astype(np.uint64)
    return (b1 ^ b2).astype(f"uint{width}")


def bits(key, shape: Sequence[int] = (), dtype=np.uint32) -> Array:
    """Uniform random unsigned integers (all bits random)."""
    dtype = np.dtype(dtype)
    return as_array(_bits(key, dtype.itemsize * 8, _shape(shape)))


def _uniform(key, shape: tuple, dtype, minval, maxval) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"minigrad.random.uniform: dtype {dtype} is not a float dtype. Fix: use "
                        f"np.float32 or np.float64 (randint draws integers).")
    info = np.finfo(dtype)
    nbits, nmant = info.bits, info.nmant
    utype = np.dtype(f"uint{nbits}")
    b = _bits(key, nbits, shape).astype(utype)
    one = np.array(1.0, dtype).view(utype)
    floats = ((b >> utype.type(nbits - nmant)) | one).view(dtype) - dtype.type(1.0)
    lo, hi = np.asarray(minval, dtype), np.asarray(maxval, dtype)
    return np.maximum(lo, _fma(floats, hi - lo, lo)).astype(dtype, copy=False)


def _fma(a, b, c):
    """a b + c rounded once, as XLA computes ``floats * span + minval`` (a fused multiply-add):
    float32 through float64 (the product is exact there); float64 with Dekker's exact
    product and an exact sum, whose one final rounding is the FMA's but for rare ties."""
    if a.dtype == np.float32:
        return (a.astype(np.float64) * np.float64(b) + np.float64(c)).astype(np.float32)
    a, b, c = np.broadcast_arrays(a.astype(np.float64), np.float64(b), np.float64(c))
    p = a * b
    split = 134217729.0  # 2^27 + 1: halves of 26 bits, whose products are exact
    ta, tb = split * a, split * b
    ah, bh = ta - (ta - a), tb - (tb - b)
    al, bl = a - ah, b - bh
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # p + err == a b exactly
    s = p + c
    back = s - p
    t = (p - (s - back)) + (c - back)  # s + t == p + c exactly
    return s + (t + err)


def uniform(key, shape: Sequence[int] = (), dtype=np.float64, minval=0.0, maxval=1.0) -> Array:
    """Uniform on [minval, maxval): the top mantissa bits of random words, as JAX converts them."""
    return as_array(_uniform(key, _shape(shape), dtype, minval, maxval))


_GILES = ((2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
           -0.00125372503, -0.00417768164, 0.246640727, 1.50140941),
          (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
           -0.0076224613, 0.00943887047, 1.00167406, 2.83297682))


def _erfinv(x: np.ndarray) -> np.ndarray:
    """erf^-1 as XLA computes it in float32 (Giles' polynomial, fused multiply-adds); in
    float64 to full accuracy (that polynomial, then two Newton steps on math.erf), where
    XLA uses a longer polynomial of its own."""
    dtype = x.dtype.type
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log1p(-(x * x))
        small = w < dtype(5.0)
        t = np.where(small, w - dtype(2.5), np.sqrt(w) - dtype(3.0)).astype(x.dtype)
        p = np.where(small, dtype(_GILES[0][0]), dtype(_GILES[1][0]))
        for a, b in zip(_GILES[0][1:], _GILES[1][1:]):
            p = _fma(p.astype(x.dtype), t, np.where(small, dtype(a), dtype(b)))
        y = p * x
        if x.dtype == np.float64:
            for _ in range(2):
                y = y - (erf(y) - x) / (2 / math.sqrt(math.pi) * np.exp(-y * y))
    return np.where(np.abs(x) == 1, x * np.inf, y).astype(x.dtype)


def normal(key, shape: Sequence[int] = (), dtype=np.float64) -> Array:
    """Standard normal numbers: sqrt(2) erf^-1(u) of JAX's uniform u on (-1, 1).

    The uniforms are JAX's bit for bit; erf^-1 is not always: in float32 it is XLA's
    polynomial, but NumPy's log1p inside it may differ from XLA's by an ulp (about 98.5%
    of numbers are equal to the bit, the rest within 3 ulps); in float64 it is computed
    to full accuracy where XLA evaluates a polynomial of its own (agreement to a few
    1e-14 relative, the polynomial's error in the tails)."""
    dtype = np.dtype(dtype)
    lo = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype), dtype=dtype)
    u = _uniform(key, _shape(shape), dtype, lo, np.array(1.0, dtype))
    return as_array((dtype.type(math.sqrt(2)) * _erfinv(u)).astype(dtype))


def bernoulli(key, p=0.5, shape: Sequence[int] | None = None) -> Array:
    """True with probability p: ``uniform < p``, in p's float dtype (float64 for a number)."""
    dtype = np.asarray(p).dtype if np.asarray(p).dtype.kind == "f" else np.float64
    shape = np.shape(p) if shape is None else _shape(shape)
    return as_array(_uniform(key, shape, dtype, 0.0, 1.0) < p)


def randint(key, shape: Sequence[int], minval, maxval, dtype=np.int64) -> Array:
    """Integers in [minval, maxval), by JAX's method: two words per number, reduced modulo
    the span (so the same, slightly biased, numbers as ``jax.random.randint``)."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        raise TypeError(f"minigrad.random.randint: dtype {dtype} is not an integer dtype.")
    shape = _shape(shape)
    info = np.iinfo(dtype)
    nbits = info.bits
    utype = np.dtype(f"uint{nbits}")
    lo_req, hi_req = np.asarray(minval, np.int64), np.asarray(maxval, np.int64)
    out_of_range = hi_req > info.max
    lo = np.broadcast_to(np.clip(lo_req, info.min, info.max).astype(dtype), shape)
    hi = np.broadcast_to(np.clip(hi_req, info.min, info.max).astype(dtype), shape)
    k = _check_key(key, "randint")
    k1, k2 = split(k)
    higher, lower = _bits(k1, nbits, shape).astype(utype), _bits(k2, nbits, shape).astype(utype)
    with np.errstate(over="ignore"):
        span = (hi.astype(utype) - lo.astype(utype)).astype(utype)
        span = np.where(hi <= lo, utype.type(1), span)
        span = np.where(out_of_range & (hi > lo), span + utype.type(1), span).astype(utype)
        multiplier = utype.type(2 ** (nbits // 2)) % span
        multiplier = (multiplier * multiplier) % span
        offset = ((higher % span) * multiplier + lower % span) % span
        return as_array((lo.astype(utype) + offset).astype(dtype))


def _shuffle(key, x: np.ndarray, axis: int) -> np.ndarray:
    rounds = int(np.ceil(3 * np.log(max(1, x.size)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(rounds):
        key, sub = split(key)
        order = np.argsort(_bits(sub, 32, x.shape), axis=axis, kind="stable")
        x = np.take_along_axis(x, order, axis=axis)
    return x


def permutation(key, x, axis: int = 0, independent: bool = False) -> Array:
    """A random permutation of ``range(x)`` (an int), or of ``x`` along ``axis`` (JAX's
    sort by random words; ``independent`` shuffles each slice on its own)."""
    _check_key(key, "permutation")
    if np.ndim(x) == 0:
        return as_array(_shuffle(key, np.arange(int(x)), 0))
    x = np.asarray(x)
    axis = axis % x.ndim
    if independent or x.ndim == 1:
        return as_array(_shuffle(key, x, axis))
    order = _shuffle(key, np.arange(x.shape[axis]), 0)
    return as_array(np.take(x, order, axis))


def choice(key, a, shape: Sequence[int] = (), replace: bool = True, p=None, axis: int = 0) -> Array:
    """Samples of ``a`` (or of range(a)), as ``jax.random.choice`` draws them: randint with
    replacement, a permutation's head without; with ``p``, the inverse cumulative sum
    (with replacement) or Gumbel top-k (without)."""
    shape = _shape(shape)
    arr = np.asarray(a)
    n = int(arr) if arr.ndim == 0 else arr.shape[axis % arr.ndim]
    draws = math.prod(shape)
    if not replace and draws > n:
        raise ValueError(f"minigrad.random.choice: cannot take {draws} samples from {n} without "
                         f"replacement. Fix: take at most {n}, or pass replace=True.")
    if p is None:
        if replace:
            ind = np.asarray(randint(key, shape, 0, n))  # (int64: JAX's numbers with x64)
        else:
            perm = np.asarray(permutation(key, n if arr.ndim == 0 else arr, axis))
            taken = np.take(perm, np.arange(draws), axis=0 if arr.ndim == 0 else axis % arr.ndim)
            out_shape = shape if arr.ndim == 0 else arr.shape[:axis % arr.ndim] + shape + arr.shape[axis % arr.ndim + 1:]
            return as_array(taken.reshape(out_shape))
    else:
        p = np.asarray(p, np.result_type(np.asarray(p), np.float32))
        if replace:
            cum = np.cumsum(p)
            r = cum[-1] * (1 - _uniform(key, shape, p.dtype, 0.0, 1.0))
            ind = np.searchsorted(cum, r)
        else:
            g = np.asarray(gumbel(key, (n,), p.dtype)) + np.log(p)
            ind = np.argsort(-g, kind="stable")[:draws]
    if arr.ndim == 0:
        return as_array(ind.reshape(shape))
    ax = axis % arr.ndim
    return as_array(np.take(arr, ind.ravel(), ax).reshape(arr.shape[:ax] + shape + arr.shape[ax + 1:]))


def gumbel(key, shape: Sequence[int] = (), dtype=np.float64) -> Array:
    """-log(-log(u)), u uniform on [tiny, 1) (JAX's default mode)."""
    info = np.finfo(dtype)
    u = _uniform(key, _shape(shape), dtype, info.tiny, 1.0)
    return as_array(-np.log(-np.log(u)))


def categorical(key, logits, axis: int = -1, shape: Sequence[int] | None = None) -> Array:
    """Indices drawn with probabilities softmax(logits): the argmax of logits plus Gumbel
    noise, as JAX draws them (the same indices, barring a tie within rounding)."""
    logits = np.asarray(logits)
    axis = axis % logits.ndim
    batch = logits.shape[:axis] + logits.shape[axis + 1:]
    shape = batch if shape is None else _shape(shape)
    prefix = shape[:len(shape) - len(batch)]
    noise_shape = list(shape[len(shape) - len(batch):])
    noise_shape.insert(axis, logits.shape[axis])
    noise = np.asarray(gumbel(key, (*prefix, *noise_shape), logits.dtype))
    return as_array(np.argmax(noise + logits.reshape((1,) * len(prefix) + logits.shape),
                              axis=axis + len(prefix) if axis >= 0 else axis))
