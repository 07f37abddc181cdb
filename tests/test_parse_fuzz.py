"""The expression parser, fuzzed: it never runs Python, and it fails only with ExpressionError.

Inputs: arbitrary text, and generated near-valid expressions (random trees mixing the
allowed grammar with forbidden constructs: attribute access, subscripts, lambdas,
comprehensions, f-strings, walrus, calls of unknown names, huge exponents, deep nesting).
While the parser and the interpreter run, ``__import__``, ``eval``, ``exec``, ``open`` and
any non-AST ``compile`` raise a ``BaseException`` that no ``except Exception`` can swallow.
"""

import ast
import builtins
import contextlib
import inspect
import subprocess
import sys
import unicodedata  # noqa: F401  (see import_trap)
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.parse import ExpressionError, parse_expression


class PythonWasRun(BaseException):
    """A forbidden builtin was reached: the parser would have executed Python."""


@contextlib.contextmanager
def sandbox():
    """Builtins that would run or load code fail loudly while the parser works."""
    real = {name: getattr(builtins, name) for name in ("__import__", "eval", "exec", "open", "compile")}

    def forbid(name):
        def trap(*args, **kwargs):
            raise PythonWasRun(f"{name} was called with {args[:1]!r}")
        return trap

    def import_trap(module, *args, **kwargs):
        # CPython's own tokenizer imports unicodedata to normalize non-ASCII identifiers
        # (PEP 3131); it is loaded already (imported above), so no code runs.
        if module == "unicodedata" and module in sys.modules:
            return real["__import__"](module, *args, **kwargs)
        raise PythonWasRun(f"__import__ was called with {module!r}")

    def compile_ast_only(source, filename, mode, flags=0, *args, **kwargs):
        if not flags & ast.PyCF_ONLY_AST:  # ast.parse compiles to a tree, never to code
            raise PythonWasRun(f"compile was called on {source!r}")
        return real["compile"](source, filename, mode, flags, *args, **kwargs)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # log(-1) is nan with a RuntimeWarning: fine
        for name in ("eval", "exec", "open"):
            setattr(builtins, name, forbid(name))
        builtins.__import__ = import_trap
        builtins.compile = compile_ast_only
        try:
            yield
        finally:
            for name, fn in real.items():
                setattr(builtins, name, fn)


def outcome(text: str, values=(1.5, -0.5, 2.0, 0.0)):
    """Parse and evaluate ``text`` in the sandbox: a value, or the ExpressionError."""
    with sandbox():
        try:
            f = parse_expression(text)
        except ExpressionError as e:
            return e
        n = len(inspect.signature(f).parameters)
        args = [values[k % len(values)] for k in range(n)]
        try:
            return f(*args)
        except ExpressionError as e:
            return e


def check(text: str):
    result = outcome(text)
    if isinstance(result, ExpressionError):
        message = str(result)
        assert message and "\n" not in message and "Traceback" not in message
        return result
    assert isinstance(result, (int, float)), (text, result)  # a number, NaN and inf included
    return result


def test_the_sandbox_catches_python_being_run():
    with pytest.raises(PythonWasRun):
        with sandbox():
            eval("1")
    with pytest.raises(PythonWasRun):
        with sandbox():
            __import__("os")
    assert eval("1") == 1  # restored


# ----------------------------------------------------------------------------- arbitrary text

@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_arbitrary_text(text):
    check(text)


@given(st.text(alphabet="x1y2+-*/().,[]{}:=_ ^%@'\"!<>abcdefsinlogexpj", max_size=60))
def test_expression_like_text(text):
    check(text)


# ----------------------------------------------------------------------------- near-valid trees

ALLOWED_FUNCS = ["sin", "cos", "exp", "log", "sqrt", "tanh", "sigmoid", "abs", "square"]
VARS = ["x", "y", "x1", "x2", "sigma", "__builtins__", "__import__", "os", "pi", "e"]
NUMBERS = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.sampled_from(["1e308", "1e400", "0", "0.0", "10**10**10", "9" * 320, "2**1024"]),
)
leaves = st.one_of(st.sampled_from(VARS), NUMBERS)


# Templates with one or two holes: the allowed grammar, and the forbidden constructs.
ALLOWED_1 = ["-{a}", "+{a}", "({a})"] + [f"{fn}({{a}})" for fn in ALLOWED_FUNCS]
ALLOWED_2 = ["({a} + {b})", "({a} - {b})", "({a} * {b})", "({a} / {b})", "({a} ** {b})",
             "maximum({a}, {b})", "minimum({a}, {b})"]
FORBIDDEN_1 = [
    "({a}).real", "({a}).__class__.__mro__", "{a}[0]", "{a}[1:2]", "(lambda: {a})()",
    "[{a} for x in (1, 2)]", "{{{a} for x in y}}", "({a} for x in y)", "f'{{{a}}}'",
    "(z := {a})", "eval({a})", "exec({a})", "__import__({a})", "open({a})",
    "getattr({a}, 'x')", "print({a})", "os.system({a})", "globals()[{a}]", "breakpoint({a})",
    "sin({a}, {a})", "sin(x={a})", "sin(*{a})", "({a} if x else 1)", "({a} // 2)",
    "({a} % 2)", "({a} ^ 2)", "'{a}'", "({a}, {a})", "{a} < 1", "not {a}", "~{a}",
    "{a} and x", "await {a}", "sin", "b'{a}'", "{a}j", "[{a}]", "{{'k': {a}}}", "...",
    "None", "True * {a}", "{a}; import os", "{a}\nimport os", "(yield {a})", "{a} @ x",
]
FORBIDDEN_2 = ["({a} << {b})", "({a} @ {b})", "{a}[{b}]", "{a}({b})", "({a} if {b} else 1)"]


def _tree(children):
    one = st.tuples(st.sampled_from(ALLOWED_1 * 2 + FORBIDDEN_1), children).map(
        lambda t: t[0].format(a=t[1]))
    two = st.tuples(st.sampled_from(ALLOWED_2 * 3 + FORBIDDEN_2), children, children).map(
        lambda t: t[0].format(a=t[1], b=t[2]))
    return st.one_of(one, two)


near_valid = st.recursive(leaves, _tree, max_leaves=25)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(near_valid)
def test_near_valid_expressions(text):
    check(text)


@given(st.recursive(leaves, lambda c: st.one_of(
    st.tuples(st.sampled_from(ALLOWED_1), c).map(lambda t: t[0].format(a=t[1])),
    st.tuples(st.sampled_from(ALLOWED_2), c, c).map(lambda t: t[0].format(a=t[1], b=t[2]))),
    max_leaves=15))
def test_valid_expressions_evaluate_and_trace(text):
    result = check(text)
    if isinstance(result, ExpressionError):  # only overflowing constants may be refused
        assert "too large" in str(result) or "overflow" in str(result)
        return
    f = parse_expression(text)
    n = len(inspect.signature(f).parameters)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mg.trace(f, *[1.5] * n).table()


@pytest.mark.parametrize("depth", [50, 150, 250, 1000, 5000])
def test_deep_nesting(depth):
    for text in ["(" * depth + "x" + ")" * depth, "-" * depth + "x",
                 "sin(" * depth + "x" + ")" * depth, "+".join(["x"] * depth),
                 "x" + "**x" * depth, "[" * depth + "]" * depth]:
        check(text)


def test_absurd_sizes_are_refused():
    for text in ["10**10**10", "x * 10**10**10", "9" * 400, "1e400", "x" * 5000,
                 "2.0**5000", "exp(1)**1e6"]:
        assert isinstance(check(text), ExpressionError), text


def test_nothing_from_python_is_reachable():
    for text in ["__import__('os').system('echo hacked')", "().__class__.__base__",
                 "open('/etc/passwd')", "eval('1')", "x.__globals__", "__builtins__"]:
        result = check(text)
        if not isinstance(result, ExpressionError):  # a bare name is just a variable
            assert text == "__builtins__" and result == 1.5


# ----------------------------------------------------------------------------- the CLI

BAD = ["x.real", "x[0]", "lambda: x", "[x for x in y]", "f'{x}'", "(z := x)", "open(x)",
       "10**10**10 * x", "(" * 300 + "x" + ")" * 300, "(" + "-" * 400 + "x)", "sin(x, x)",
       "__import__('os').system('true')", "x +", "", "9" * 400 + " * x", "x // 2"]


@pytest.mark.parametrize("expr", BAD)
def test_cli_refuses_bad_expressions_in_one_line(expr, tmp_path):
    r = subprocess.run([sys.executable, "-m", "minigrad.cli", "table", expr, "--at", "x=1"],
                       capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not list(tmp_path.iterdir())  # nothing was run that wrote a file
