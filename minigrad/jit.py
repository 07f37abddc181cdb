"""``mg.jit``: trace a function once per input signature, then run the generated program.

The first call with a given signature (the pytree structure of the arguments, each leaf's
type, shape and dtype, and the static arguments' values) records the function, whatever
transformations it applies inside (``mg.grad``, ``mg.jacfwd(mg.jacrev(...))``: their sweeps
are recorded as ordinary operations of this one trace), writes the recorded list as
straight-line Python (``minigrad.codegen``) and compiles it.  Later calls with the same
signature only run that program: nothing is recorded, no rule is looked up.

The compiled programs live on the jitted function itself (no global cache keyed on user
functions), so they go when it goes.
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .array import Array
from .codegen import Source, program_source
from .errors import TransformError
from .graph import Const, Variable, concrete, parameter_names, record
from .primitives import record_decisions
from .pytree import flatten, leaf_paths, tree_map, unflatten

_ARITHMETIC_ERRORS = (ZeroDivisionError, ValueError, OverflowError)


def _leaf_kind(leaf, where: str) -> tuple:
    """What of a dynamic argument the program depends on: its type, shape and dtype."""
    kind = type(leaf)
    if kind is float or kind is int or kind is bool:
        return (kind,)
    if isinstance(leaf, (np.ndarray, np.generic)):  # (mnp's arrays: an ndarray subclass)
        return (kind, leaf.shape, leaf.dtype.str)
    raise TransformError(
        f"jit: argument {where} is a {kind.__name__}; a jitted function takes Python numbers "
        f"and NumPy arrays (in tuples, lists and dicts). Fix: convert it with np.asarray, or "
        f"mark it static with static_argnums / static_argnames.")


def _static_key(value, where: str):
    try:
        hash(value)
    except TypeError:
        raise TransformError(
            f"jit: static argument {where} of type {type(value).__name__} is not hashable, so it "
            f"cannot key the cache of compiled programs. Fix: pass a tuple instead of a list "
            f"or an array, or make the argument dynamic.") from None
    return type(value), value


def _has_traced(leaves) -> bool:
    return any(type(leaf) is Variable for leaf in leaves)


@dataclass
class _Program:
    """One compiled program, for one signature."""

    run: Callable
    source: Source
    out_tree: Any
    scalar: bool  # some operation goes through the math module, which raises where NumPy
    # returns inf or nan (log(0.0)): then the call is traced again (``Jitted._eager``)
    copies: tuple  # positions of outputs that are constant arrays (returned as copies)
    arrays: bool  # some output is an array: returned as an ``Array``, as jax.jit returns its own
    seconds: dict  # how long tracing, writing and compiling the program took

    def __post_init__(self):
        tree = self.out_tree  # a flat tuple comes back as the program returns it
        self.flat = tree.kind is tuple and all(c.kind == "leaf" for c in tree.children)

    def __call__(self, leaves):
        outs = self.run(*leaves)
        if self.arrays:
            outs = tuple([o.view(Array) if type(o) is np.ndarray else o for o in outs])
        if self.copies:
            outs = list(outs)
            for k in self.copies:
                outs[k] = outs[k].copy()
            outs = tuple(outs)
        return outs if self.flat else unflatten(self.out_tree, outs)


class Jitted:
    """A jitted function (see ``jit``).  ``cache_hits`` counts calls that ran a compiled
    program; ``traces`` counts the signatures traced; ``source(*args)`` shows a program;
    ``last_compile`` says how long the last one took to trace, write and compile (seconds)."""

    def __init__(self, f: Callable, static_argnums: Sequence[int], static_argnames: Sequence[str]):
        functools.update_wrapper(self, f)
        self._f = f
        self._static_argnums = tuple(static_argnums)
        self._static_argnames = frozenset(static_argnames)
        self._programs: dict = {}
        self._by_kinds: dict = {}  # positional floats and arrays only: the programs by a cheaper key
        self._lock = threading.RLock()
        self.cache_hits = 0
        self.traces = 0
        self.last_compile: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"<jit of {getattr(self._f, '__qualname__', self._f)!r}: {len(self._programs)} program(s)>"

    def __get__(self, obj, objtype=None):  # a jitted method binds like a function
        return self if obj is None else functools.partial(self, obj)

    def __call__(self, *args, **kwargs):
        program, leaves = None, args
        if not kwargs and not self._static_argnums:  # the common case, keyed without the pytree walk
            kinds = []
            for a in args:
                kind = type(a)
                if kind is float:
                    kinds.append(kind)
                elif kind is np.ndarray:
                    kinds.append((a.shape, a.dtype.str))
                else:
                    break
            else:
                kinds = tuple(kinds)
                program = self._by_kinds.get(kinds)
                if program is None:
                    program = self._by_kinds[kinds] = self._lookup(args, kwargs)[0]
                else:
                    with self._lock:
                        self.cache_hits += 1
        if program is None:
            program, leaves = self._lookup(args, kwargs)
            if program is None:  # called on traced values (inside grad, vmap or another jit)
                return self._inline(args, kwargs)
        try:
            return program(leaves)
        except _ARITHMETIC_ERRORS:
            if not program.scalar:
                raise
            return self._eager(args, kwargs)

    def _inline(self, args: tuple, kwargs: dict):
        """Called on traced values: ``f`` traced with every dynamic leaf an input, as
        ``jax.jit`` traces every array argument (so ``x.dot(w)`` with ``x`` a NumPy array is
        recorded, not handed to NumPy), nested in the caller's trace, which records the
        operations on its own values: ``grad(jit(f))`` differentiates them."""
        _, _, static, dynamic_kwargs = self._signature(args, kwargs)
        graph, out, _ = self._record(args, kwargs, static, dynamic_kwargs)
        return tree_map(lambda o: o.value if graph.owns(o) else o, out)

    def _eager(self, args: tuple, kwargs: dict):
        """Where the math module raises (``log(0.0)``, ``1.0 / 0.0``), tracing gave NumPy's
        infinity or nan (``bind`` falls back on NumPy there): so does this call, by tracing
        again and returning the trace's values.  (Rare, so no second program is written.)"""
        _, _, static, dynamic_kwargs = self._signature(args, kwargs)
        with np.errstate(all="ignore"):
            _, out, _ = self._record(args, kwargs, static, dynamic_kwargs)
        leaves, tree = flatten(out)
        return unflatten(tree, [float(o) if type(o) is Const else concrete(o) for o in leaves])

    def _lookup(self, args: tuple, kwargs: dict):
        """The program for these arguments, traced if new (None for traced values), and the
        arguments' leaves, which it takes."""
        key, leaves, static, dynamic_kwargs = self._signature(args, kwargs)
        if key is None:
            return None, leaves
        program = self._programs.get(key)
        if program is None:
            return self._compile(key, args, kwargs, static, dynamic_kwargs), leaves
        with self._lock:
            self.cache_hits += 1
        return program, leaves

    def source(self, *args, **kwargs) -> Source:
        """The program that runs for these arguments' signature (traced now if it is new)."""
        key, _, static, dynamic_kwargs = self._signature(args, kwargs)
        if key is None:
            raise TransformError("jit.source: call it with concrete arguments, not traced values.")
        program = self._programs.get(key) or self._compile(key, args, kwargs, static, dynamic_kwargs,
                                                           call=False)
        return program.source

    # -- the signature
    def _signature(self, args: tuple, kwargs: dict):
        n = len(args)
        static_pos = set()
        for i in self._static_argnums:
            if not -n <= i < n:
                raise TransformError(
                    f"jit: static_argnums={self._static_argnums!r} refers to positional argument "
                    f"{i}, but the function was called with {n}. Fix: pass it positionally.")
            static_pos.add(i % n)
        static = tuple((i, _static_key(args[i], f"{i}")) for i in sorted(static_pos))
        static += tuple((k, _static_key(kwargs[k], repr(k))) for k in sorted(kwargs)
                        if k in self._static_argnames)
        dynamic_kwargs = tuple(k for k in sorted(kwargs) if k not in self._static_argnames)
        dynamic = [args[i] for i in range(n) if i not in static_pos] + [kwargs[k] for k in dynamic_kwargs]
        leaves, tree = flatten(dynamic)
        if _has_traced(leaves):
            return None, leaves, static, dynamic_kwargs
        kinds = tuple(_leaf_kind(leaf, f"leaf {k}") for k, leaf in enumerate(leaves))
        return (tree, kinds, static, dynamic_kwargs), leaves, static, dynamic_kwargs

    # -- tracing and compiling
    def _compile(self, key, args: tuple, kwargs: dict, static: tuple, dynamic_kwargs: tuple,
                 call: bool = True) -> _Program:
        """Trace and compile for ``key``, unless another thread did while this one waited
        (then, for a call, it counts as a hit)."""
        with self._lock:
            program = self._programs.get(key)
            if program is None:
                program = self._trace(args, kwargs, static, dynamic_kwargs)
                self._programs[key] = program
                self.traces += 1
                self.last_compile = program.seconds
            elif call:
                self.cache_hits += 1
            return program

    def _record(self, args: tuple, kwargs: dict, static: tuple, dynamic_kwargs: tuple):
        """Trace ``f`` on these arguments, its dynamic leaves the inputs: (graph, out, name)."""
        f = self._f
        static_pos = {i for i, _ in static if isinstance(i, int)}
        dynamic = [args[i] for i in range(len(args)) if i not in static_pos] + [kwargs[k] for k in dynamic_kwargs]
        leaves, tree = flatten(dynamic)
        params = parameter_names(f, len(args)) + list(dynamic_kwargs)
        dynamic_names = [params[i] for i in range(len(args)) if i not in static_pos] + list(dynamic_kwargs)
        names = [dynamic_names[k] + path for k, arg in enumerate(dynamic) for path in leaf_paths(arg)]

        def call(*traced):
            rebuilt = unflatten(tree, list(traced))
            positional, it = list(args), iter(rebuilt)
            for i in range(len(args)):
                if i not in static_pos:
                    positional[i] = next(it)
            kw = dict(kwargs)
            for k in dynamic_kwargs:
                kw[k] = next(it)
            return f(*positional, **kw)

        call.__name__ = getattr(f, "__name__", "f")
        with record_decisions():
            graph, out, _ = record(call, leaves, range(len(leaves)), names)
        return graph, out, call.__name__

    def _trace(self, args: tuple, kwargs: dict, static: tuple, dynamic_kwargs: tuple) -> _Program:
        start = time.perf_counter()
        graph, out, name = self._record(args, kwargs, static, dynamic_kwargs)
        traced = time.perf_counter()
        out_leaves, out_tree = flatten(out)
        outputs = [float(o) if type(o) is Const else o for o in out_leaves]
        source = program_source(graph, graph.inputs, outputs, name=name)
        scalar = any(v.prim is not None and all(type(a) in (float, int) for a in v.args)
                     for v in graph.variables)
        copies = tuple(k for k, o in enumerate(outputs)
                       if isinstance(o, np.ndarray) and not graph.owns(o))
        written = time.perf_counter()
        run = source.compile()
        seconds = {"trace": traced - start, "write": written - traced,
                   "compile": time.perf_counter() - written, "variables": len(graph.variables)}
        arrays = any(isinstance(concrete(o), np.ndarray) for o in outputs)
        return _Program(run, source, out_tree, scalar, copies, arrays, seconds)


def jit(f: Callable, static_argnums: int | Sequence[int] = (), static_argnames: str | Sequence[str] = ()) -> Jitted:
    """Like ``jax.jit``: trace ``f`` once per input signature, then run the generated program.

    The signature is the arguments' pytree structure, each leaf's type, shape and dtype, and
    the values of the static arguments (``static_argnums``, ``static_argnames``: hashable
    values that may steer Python control flow).  ``f`` may apply minigrad's transformations
    inside (``jit(grad(f))``, ``jit(hessian(f))``); the program computes their result.

    As in JAX: a Python branch on a traced value is an error while tracing (use
    ``mnp.where``); values ``f`` captures (globals, closures) are read once, at trace time,
    and are constants of the program: change them and the jitted function does not notice.
    Called with minigrad's traced values (inside ``grad``, ``vmap``, another ``jit``), the
    jitted function traces ``f`` inside the caller's trace, every array argument traced,
    so it is differentiated and batched like any code.  Thread-safe; each jitted function
    keeps its own compiled programs (``.traces``, ``.cache_hits``, ``.source(*args)``).
    """
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    names = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)
    if not callable(f):
        raise TransformError(f"jit: expected a function, got {type(f).__name__}.")
    if not all(type(i) is int for i in nums):
        raise TransformError(f"jit: static_argnums must be ints, got {static_argnums!r}.")
    return Jitted(f, nums, names)
