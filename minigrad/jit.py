"""``mg.jit``: trace a function once per input signature, then run the generated program.

The first call with a given signature (the pytree structure of the arguments, each leaf's
type, shape and dtype, and the static arguments' values) records the function, whatever
transformations it applies inside (``mg.grad``, ``mg.jacfwd(mg.jacrev(...))``: their sweeps
are recorded as ordinary operations of this one trace), writes the recorded list as
straight-line Python (``minigrad.codegen``) and compiles it.  Later calls with the same
signature only run that program: nothing is recorded, no rule is looked up.

Python control flow on traced values is allowed, as in ``torch.compile``: every choice
the trace made on a value (``if``, ``while``, ``lax.cond``...) is a decision of the graph,
and the program checks each first (a guard).  Where one goes the other way the call traces
again, for that branch pattern, and keeps both programs (``retraces`` counts them; at most
``MAX_PROGRAMS`` per function, the oldest dropped with a warning).

The compiled programs live on the jitted function itself (no global cache keyed on user
functions), so they go when it goes.
"""

from __future__ import annotations

import functools
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .array import Array
from .codegen import Source, program_source
from .errors import TransformError
from .graph import Const, Variable, concrete, parameter_names, record, unmask
from .primitives import record_decisions
from .pytree import flatten, leaf_paths, tree_map, unflatten

_ARITHMETIC_ERRORS = (ZeroDivisionError, ValueError, OverflowError)
MAX_PROGRAMS = 64  # compiled programs kept per jitted function (signatures x branch patterns)
_OTHER_BRANCH = object()  # what a program returns where one of its guards fails


class _ClosesOverTraced(Exception):
    """The traced function reads a variable of an enclosing trace (a jit made inside grad)."""


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


def _dynamic_leaves(dynamic: list) -> tuple:
    """The leaves of the dynamic arguments, and their tree.  A Python complex becomes a NumPy
    complex128 scalar (JAX's type for it with x64), which the program's NumPy code computes
    on (the math module, used on Python floats, refuses complex numbers)."""
    leaves, tree = flatten(dynamic)
    return [np.complex128(leaf) if type(leaf) is complex else leaf for leaf in leaves], tree


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
        if outs is None:  # a guard failed: this program does not hold at these arguments
            return _OTHER_BRANCH
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
    program; ``traces`` counts the programs traced, ``retraces`` those traced because a
    decision went another way than in every program of the signature; ``source(*args)``
    shows a program; ``last_compile`` says how long the last one took to trace, write and
    compile (seconds)."""

    def __init__(self, f: Callable, static_argnums: Sequence[int], static_argnames: Sequence[str]):
        functools.update_wrapper(self, f)
        self._f = f
        params = _parameters(f)  # as JAX: a static name passed by position is static too
        self._static_argnums = tuple(static_argnums)
        self._named_positions = tuple(params.index(n) for n in static_argnames if n in params)
        self._static_argnames = frozenset(static_argnames)
        self._programs: dict = {}  # signature -> its programs, one per branch pattern, newest first
        self._count = 0  # programs held
        self._by_kinds: dict = {}  # positional floats and arrays only: the lists by a cheaper key
        self._lock = threading.RLock()
        self.cache_hits = 0
        self.traces = 0
        self.retraces = 0
        self.last_compile: dict[str, float] = {}
        self._warned = False

    def __repr__(self) -> str:
        return f"<jit of {getattr(self._f, '__qualname__', self._f)!r}: {self._count} program(s)>"

    def __get__(self, obj, objtype=None):  # a jitted method binds like a function
        return self if obj is None else functools.partial(self, obj)

    def __call__(self, *args, **kwargs):
        programs, leaves = None, args
        if not kwargs and not self._static_argnums and not self._named_positions:  # the common case, keyed without the pytree walk
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
                programs = self._by_kinds.get(kinds)
                if programs:
                    with self._lock:
                        self.cache_hits += 1
                else:
                    try:
                        programs = self._by_kinds[kinds] = self._lookup(args, kwargs)[0]
                    except _ClosesOverTraced:
                        return self._inline(args, kwargs)
        if programs is None:
            try:
                programs, leaves = self._lookup(args, kwargs)
            except _ClosesOverTraced:
                return self._inline(args, kwargs)
            if programs is None:  # called on traced values (inside grad, vmap or another jit)
                return self._inline(args, kwargs)
        program = programs[0]
        try:
            out = program(leaves)
        except _ARITHMETIC_ERRORS:
            if not program.scalar:
                raise
            return self._eager(args, kwargs)
        if out is _OTHER_BRANCH:
            return self._other_branch(programs, program, leaves, args, kwargs)
        return out

    def _other_branch(self, programs: list, failed: _Program, leaves, args: tuple, kwargs: dict):
        """A guard of ``failed`` went the other way: run the signature's program that holds
        here (moved to the front, as the likeliest next time), or trace a new one."""
        for program in list(programs):
            if program is failed:
                continue
            out = program(leaves)
            if out is not _OTHER_BRANCH:
                with self._lock:
                    if program in programs:
                        programs.remove(program)
                        programs.insert(0, program)
                return out
        key, _, static, dynamic_kwargs = self._signature(args, kwargs)
        with self._lock:
            self.retraces += 1
            program = self._add(key, self._trace(args, kwargs, static, dynamic_kwargs))
        out = program(leaves)
        if out is _OTHER_BRANCH:  # (a function whose branches depend on more than its arguments)
            raise TransformError(
                f"jit: the program just traced for {self.__name__} does not hold at the arguments it "
                f"was traced at: its decisions depend on something besides its arguments (a "
                f"random draw, a global that changes). Fix: pass that as an argument.")
        return out

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
        return unflatten(tree, [float(o) if type(o) is Const else concrete(unmask(o)) for o in leaves])

    def _lookup(self, args: tuple, kwargs: dict):
        """The programs for these arguments' signature (the first traced now if it is new;
        None for traced values), and the arguments' leaves, which they take."""
        key, leaves, static, dynamic_kwargs = self._signature(args, kwargs)
        if key is None:
            return None, leaves
        programs = self._programs.get(key)
        if not programs:
            return self._compile(key, args, kwargs, static, dynamic_kwargs), leaves
        with self._lock:
            self.cache_hits += 1
        return programs, leaves

    def source(self, *args, **kwargs) -> Source:
        """The program that runs for these arguments (traced now if none of the signature's holds)."""
        key, leaves, static, dynamic_kwargs = self._signature(args, kwargs)
        if key is None:
            raise TransformError("jit.source: call it with concrete arguments, not traced values.")
        for program in self._programs.get(key) or ():
            if program(leaves) is not _OTHER_BRANCH:
                return program.source
        with self._lock:
            return self._add(key, self._trace(args, kwargs, static, dynamic_kwargs)).source

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
        static_pos.update(i for i in self._named_positions if i < n)
        static = tuple((i, _static_key(args[i], f"{i}")) for i in sorted(static_pos))
        static += tuple((k, _static_key(kwargs[k], repr(k))) for k in sorted(kwargs)
                        if k in self._static_argnames)
        dynamic_kwargs = tuple(k for k in sorted(kwargs) if k not in self._static_argnames)
        dynamic = [args[i] for i in range(n) if i not in static_pos] + [kwargs[k] for k in dynamic_kwargs]
        leaves, tree = _dynamic_leaves(dynamic)
        if _has_traced(leaves):
            return None, leaves, static, dynamic_kwargs
        kinds = tuple(_leaf_kind(leaf, f"leaf {k}") for k, leaf in enumerate(leaves))
        return (tree, kinds, static, dynamic_kwargs), leaves, static, dynamic_kwargs

    # -- tracing and compiling
    def _compile(self, key, args: tuple, kwargs: dict, static: tuple, dynamic_kwargs: tuple) -> list:
        """Trace and compile for ``key``, unless another thread did while this one waited
        (then it counts as a hit); the signature's list of programs."""
        with self._lock:
            programs = self._programs.get(key)
            if not programs:
                self._add(key, self._trace(args, kwargs, static, dynamic_kwargs))
                return self._programs[key]
            self.cache_hits += 1
            return programs

    def _add(self, key, program: _Program) -> _Program:
        """Keep ``program`` first for ``key``; beyond ``MAX_PROGRAMS``, drop the oldest."""
        self.traces += 1
        self.last_compile = program.seconds
        self._programs.setdefault(key, []).insert(0, program)
        self._count += 1
        if self._count > MAX_PROGRAMS:
            oldest = next(iter(self._programs))  # (dicts keep insertion order)
            self._programs[oldest].pop()
            if not self._programs[oldest]:
                del self._programs[oldest]
            self._by_kinds.clear()
            self._count -= 1
            if not self._warned:
                self._warned = True
                warnings.warn(
                    f"mg.jit({self.__name__}): more than {MAX_PROGRAMS} programs (signatures x "
                    f"branch patterns), so the oldest are dropped and calls keep tracing. Fix: "
                    f"choose with mnp.where (it records both branches), or make the deciding "
                    f"argument static.", RuntimeWarning, stacklevel=4)
        return program

    def _record(self, args: tuple, kwargs: dict, static: tuple, dynamic_kwargs: tuple):
        """Trace ``f`` on these arguments, its dynamic leaves the inputs: (graph, out, name)."""
        f = self._f
        static_pos = {i for i, _ in static if isinstance(i, int)}
        dynamic = [args[i] for i in range(len(args)) if i not in static_pos] + [kwargs[k] for k in dynamic_kwargs]
        leaves, tree = _dynamic_leaves(dynamic)
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
            graph, out, _ = record(call, leaves, range(len(leaves)), names, evaluates=True)
        return graph, out, call.__name__

    def _trace(self, args: tuple, kwargs: dict, static: tuple, dynamic_kwargs: tuple) -> _Program:
        start = time.perf_counter()
        graph, out, name = self._record(args, kwargs, static, dynamic_kwargs)
        if any(type(v.value) is Variable for v in graph.variables):
            raise _ClosesOverTraced  # its values are an enclosing trace's: run f in that trace
        traced = time.perf_counter()
        out_leaves, out_tree = flatten(out)
        outputs = [float(o) if type(o) is Const else unmask(o) for o in out_leaves]
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


def _parameters(f: Callable) -> list:
    """``f``'s positional parameter names (static_argnames given by position are static)."""
    import inspect

    try:
        return [p.name for p in inspect.signature(f).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return []


def jit(f: Callable, static_argnums: int | Sequence[int] = (), static_argnames: str | Sequence[str] = ()) -> Jitted:
    """Like ``jax.jit``: trace ``f`` once per input signature, then run the generated program.

    The signature is the arguments' pytree structure, each leaf's type, shape and dtype, and
    the values of the static arguments (``static_argnums``, ``static_argnames``: hashable
    values that may steer Python control flow).  ``f`` may apply minigrad's transformations
    inside (``jit(grad(f))``, ``jit(hessian(f))``); the program computes their result.

    A Python branch on a traced value (``if x > 0``, ``while``, ``lax.cond``) is compiled
    as a guard, as ``torch.compile`` does: the program checks the branch it was traced for,
    and a call that goes the other way traces that branch too (``.retraces``).  As in JAX,
    values ``f`` captures (globals, closures, NumPy arrays, which are copied) are read once,
    at trace time, and are constants of the program: change them and the jitted function
    does not notice.  Called with minigrad's traced values (inside ``grad``, ``vmap``,
    another ``jit``), or closing over them, the jitted function traces ``f`` inside the
    caller's trace, every array argument traced, so it is differentiated and batched like
    any code.  Thread-safe; each jitted function keeps its own compiled programs
    (``.traces``, ``.retraces``, ``.cache_hits``, ``.source(*args)``).
    """
    nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    names = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames)
    if not callable(f):
        raise TransformError(f"jit: expected a function, got {type(f).__name__}.")
    if not all(type(i) is int for i in nums):
        raise TransformError(f"jit: static_argnums must be ints, got {static_argnums!r}.")
    return Jitted(f, nums, names)
