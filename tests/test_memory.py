"""No memory kept alive by caches (issue 13, item 3): differentiating a fresh bound method,
closure or callable object again and again must not keep each one's data alive.

The growth is measured in a process of its own (resident pages from /proc/self/statm), so
that nothing else this test process allocates counts."""

import gc
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg

ROOT = Path(__file__).resolve().parents[1]

LOOP = textwrap.dedent("""
    import os, sys
    import numpy as np
    import minigrad as mg

    def resident_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    class Model:
        def __init__(self):
            self.data = np.ones(2**17)  # 1 MB, every page touched

        def loss(self, w):
            return w * w * float(self.data[0])

    class Callable:
        def __init__(self):
            self.data = np.ones(2**17)

        def __call__(self, w):
            return w * w * float(self.data[0])

    make = {"method": lambda: Model().loss, "object": Callable}[sys.argv[1]]
    for _ in range(20):  # warm-up: imports, first-call caches
        assert mg.grad(make())(1.0) == 2.0
    before = resident_mb()
    for _ in range(1500):
        assert mg.grad(make())(1.0) == 2.0
    print(resident_mb() - before)
""")


@pytest.mark.parametrize("kind", ["method", "object"])
def test_gradients_of_1500_fresh_models_of_1_mb_grow_the_process_by_less_than_10_mb(kind):
    """The issue's reproducer: ``for _ in range(1500): mg.grad(Model().loss)(1.0)`` grew
    the process by 1 GB (the cache of parameter names held 1,024 bound methods)."""
    if not Path("/proc/self/statm").exists():
        pytest.skip("needs /proc/self/statm (Linux)")
    run = subprocess.run([sys.executable, "-c", LOOP, kind], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    growth_mb = float(run.stdout)
    assert growth_mb < 10, f"the process grew by {growth_mb:.0f} MB"


class _Scaled:
    """A callable object: its parameter names come from ``inspect.signature``, cached."""

    def __init__(self):
        self.data = np.ones(8)

    def __call__(self, y, mu):
        return (y - mu) * (y - mu)


@pytest.mark.parametrize("make", [lambda: _Scaled(), lambda: _Scaled().__call__],
                         ids=["callable object", "bound method"])
def test_a_differentiated_callable_is_freed_with_its_last_reference(make):
    f = make()
    owner = f.__self__ if hasattr(f, "__self__") else f
    alive = weakref.ref(owner)
    assert mg.grad(f, argnums=(0, 1))(3.0, 1.0) == (4.0, -4.0)
    assert mg.trace(f, 3.0, 1.0).inputs[1].name == "mu"
    del f, owner
    gc.collect()
    assert alive() is None


def test_names_of_functions_methods_and_wrappers_are_their_parameters():
    import functools

    def plain(a, b, /, c, *rest, d=1):
        return a

    class Holder:
        def method(self, u, v):
            return u

    @functools.wraps(plain)
    def wrapper(*args):
        return plain(*args)

    assert [v.name for v in mg.trace(plain, 1.0, 2.0, 3.0, 4.0).inputs] == ["a", "b", "c", "x4"]
    assert [v.name for v in mg.trace(Holder().method, 1.0, 2.0).inputs] == ["u", "v"]
    assert [v.name for v in mg.trace(wrapper, 1.0, 2.0, 3.0).inputs] == ["a", "b", "c"]
    partial = functools.partial(plain, 1.0)
    assert [v.name for v in mg.trace(partial, 2.0, 3.0).inputs] == ["b", "c"]


def test_jaxbridge_keeps_no_checked_function_alive():
    """``check_gradients_at`` caches its compiled vmap per function, weakly: checking the
    same function again reuses it, and a dropped closure over data is freed."""
    jb = pytest.importorskip("jaxbridge")
    data = np.ones(4)

    def make():
        held = data.copy()

        def f(y):
            return y * y * held[0]

        return f

    f = make()
    alive = weakref.ref(f)
    points = [np.linspace(0.5, 2.0, 4)]
    assert jb.check_gradients_at(f, points).ok
    assert jb.check_gradients_at(f, points).ok
    del f
    gc.collect()
    assert alive() is None
