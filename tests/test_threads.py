"""Recording is per thread (issue 13, item 4): threads that differentiate at the same time
neither close each other's traces, nor tag each other's variables with their scopes, nor
leave the garbage collector off."""

import gc
import math
import sys
import threading

import pytest

import minigrad as mg
import minigrad.numpy as mnp

THREADS, CALLS = 8, 100


def _problem(k: int):
    """The k-th function, its point, and its derivative there in closed form."""
    a = 0.5 + 0.01 * k
    x = 0.3 + 0.007 * k

    def f(x):
        with mg.scope(f"f{k}"):
            return x * x * mnp.sin(a * x) + mnp.exp(-x)

    def closed_form(x):
        return 2 * x * math.sin(a * x) + a * x * x * math.cos(a * x) - math.exp(-x)

    return f, x, closed_form(x)


def _run_in_threads(work, count: int = THREADS):
    """``work(t)`` in ``count`` threads started together; the results and errors by thread."""
    results: dict[int, object] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(t):
        try:
            start.wait()
            results[t] = work(t)
        except BaseException as e:  # noqa: BLE001 - reported by the test
            errors.append(e)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as CPython allows
    try:
        threads = [threading.Thread(target=run, args=(t,)) for t in range(count)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        sys.setswitchinterval(interval)
    return results, errors


def test_eight_threads_of_a_hundred_gradients_each_agree_with_one_thread():
    problems = [_problem(k) for k in range(THREADS * CALLS)]
    single = [mg.grad(f)(x) for f, x, _ in problems]
    for value, (_, _, expected) in zip(single, problems):
        assert value == pytest.approx(expected, rel=1e-12)
    assert gc.isenabled()

    def work(t):
        return [mg.grad(f)(x) for f, x, _ in problems[t * CALLS:(t + 1) * CALLS]]

    results, errors = _run_in_threads(work)
    assert errors == []
    assert [g for t in range(THREADS) for g in results[t]] == single
    assert gc.isenabled()


def test_a_graph_recorded_in_one_thread_has_only_its_own_scopes():
    def work(t):
        graphs = []
        for k in range(20):
            def f(x):
                with mg.scope(f"thread{t}"):
                    y = mnp.sin(x) * x
                return y + 1.0

            graphs.append(mg.trace(f, 0.5 + k))
        return graphs

    results, errors = _run_in_threads(work)
    assert errors == []
    for t, graphs in results.items():
        for g in graphs:
            assert g.scopes == {1: f"thread{t}", 2: f"thread{t}"}


def test_nested_transformations_in_threads_agree_with_one_thread():
    def hessian_at(x):
        return mg.hessian(lambda v: mnp.sum(v ** 3) * v[0])(mnp.asarray([x, 2.0]))

    points = [0.1 * k for k in range(THREADS * 10)]
    single = [hessian_at(x).tolist() for x in points]

    def work(t):
        return [hessian_at(x).tolist() for x in points[t * 10:(t + 1) * 10]]

    results, errors = _run_in_threads(work)
    assert errors == []
    assert [h for t in range(THREADS) for h in results[t]] == single
    # f = (x^3 + y^3) x at (0.5, 2): f_xx = 12 x^2, f_xy = 3 y^2, f_yy = 6 y x
    assert single[5][0] + single[5][1] == pytest.approx([3.0, 12.0, 12.0, 6.0])


def test_the_collector_is_restored_after_errors_in_threads():
    def work(t):
        for _ in range(50):
            with pytest.raises(ZeroDivisionError):
                mg.grad(lambda x: x * (1 // 0))(1.0)
        return mg.grad(lambda x: x * x)(float(t))

    results, errors = _run_in_threads(work)
    assert errors == []
    assert results == {t: 2.0 * t for t in range(THREADS)}
    assert gc.isenabled()


def test_the_collector_stays_off_when_the_user_turned_it_off():
    gc.disable()
    try:
        _, errors = _run_in_threads(lambda t: mg.grad(lambda x: x * x)(1.0))
        assert errors == [] and not gc.isenabled()
    finally:
        gc.enable()
