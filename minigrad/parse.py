"""Expression strings such as ``"x1*x2 + sin(x1)"`` turned into functions, safely.

The string is parsed with Python's ``ast`` and only a whitelist is accepted: numbers,
variable names, ``+ - * / **``, and calls of ``minigrad.numpy`` functions by name.
The tree is then interpreted node by node; nothing is ever passed to ``eval``, and no
Python name (builtin or otherwise) is ever looked up: a name is a variable, ``pi``/``e``,
or one of the listed functions.  Attribute access, subscripts, lambdas, comprehensions,
unknown functions and oversized input (too long, too deeply nested, numbers too large)
are refused with an ``ExpressionError`` that says what was found and what is allowed.

Every failure of parsing or of evaluating the expression is an ``ExpressionError`` (a
``ValueError``): recursion, memory and overflow errors included.  Division by zero
follows NumPy, as minigrad's own operations do (``1/0`` is inf).
"""

from __future__ import annotations

import ast
import inspect
import operator
from typing import Callable

import numpy as np

from . import numpy as mnp

MAX_LENGTH = 2000  # characters
MAX_DEPTH = 200  # depth of the syntax tree: sin(sin(x)), -(-(-x)), x+x+...+x alike
MAX_NUMBER = 1e300  # a literal larger than this is refused (float overflow is near 1.8e308)
FUNCTIONS = {
    name: getattr(mnp, name)
    for name in ("sin", "cos", "tan", "arctan", "sinh", "cosh", "tanh", "exp", "expm1", "log",
                 "log1p", "sqrt", "square", "reciprocal", "abs", "sigmoid", "maximum", "minimum")
}
ARITY = {name: 2 if name in ("maximum", "minimum") else 1 for name in FUNCTIONS}
CONSTANTS = {"pi": mnp.pi, "e": mnp.e}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
# How the refusals name what they found, where the node type's name is unclear.
_SYNTAX = {"JoinedStr": "an f-string", "FormattedValue": "an f-string", "NamedExpr":
           "the walrus operator :=", "Lambda": "a lambda", "ListComp": "a comprehension",
           "SetComp": "a comprehension", "DictComp": "a comprehension", "GeneratorExp":
           "a generator expression", "IfExp": "a conditional (x if c else y)",
           "Compare": "a comparison", "BoolOp": "and/or", "Starred": "a starred argument",
           "Subscript": "subscript syntax", "Attribute": "attribute syntax",
           "Await": "await", "Yield": "yield", "YieldFrom": "yield"}


class ExpressionError(ValueError):
    """The expression string is not one minigrad accepts."""


def _allowed() -> str:
    return ("numbers, variable names, + - * / **, parentheses and the functions "
            + ", ".join(sorted(FUNCTIONS)))


def _refuse(node: ast.AST, what: str) -> ExpressionError:
    return ExpressionError(f"{what} is not allowed in an expression (column "
                           f"{getattr(node, 'col_offset', 0) + 1}); use only {_allowed()}.")


def _short_source(node: ast.AST, limit: int = 40) -> str:
    try:
        text = ast.unparse(node)
    except (RecursionError, ValueError, MemoryError):
        text = type(node).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _walk(tree: ast.AST):
    """Every node, without recursion (and without ast.walk's import of collections)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _depth(tree: ast.AST) -> int:
    """The depth of the syntax tree, without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check(node: ast.AST) -> None:
    """Refuse anything outside the whitelist, before anything is evaluated."""
    if isinstance(node, ast.Expression):
        return _check(node.body)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _check(node.left)
        return _check(node.right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _check(node.operand)
    if isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            raise _refuse(node, f"the constant {_short_source(node)}")
        if not abs(node.value) <= MAX_NUMBER:  # 1e400 parses as inf
            shown = "a number" if node.value == float("inf") else f"the number {_short_source(node, 20)}"
            raise ExpressionError(f"{shown} (column "
                                  f"{node.col_offset + 1}) is too large; at most {MAX_NUMBER:g}.")
        return None
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise _refuse(node, f"the function name {node.id!r} without a call")
        return None
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else _short_source(node.func)
            raise _refuse(node, f"calling {name!r}")
        if node.keywords:
            raise _refuse(node, "a keyword argument")
        for arg in node.args:
            _check(arg)
        n = ARITY[node.func.id]
        if len(node.args) != n:
            raise ExpressionError(
                f"{node.func.id} takes {n} argument{'s' if n > 1 else ''}, {len(node.args)} "
                f"given (column {node.col_offset + 1}).")
        return None
    if isinstance(node, ast.BinOp):
        what = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
                ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^ (use ** for powers)",
                ast.BitAnd: "&"}.get(type(node.op), type(node.op).__name__)
        raise _refuse(node, f"the operator {what}")
    if isinstance(node, ast.UnaryOp):
        raise _refuse(node, "the operator " + {ast.Not: "not", ast.Invert: "~"}.get(
            type(node.op), type(node.op).__name__))
    kind = type(node).__name__
    raise _refuse(node, _SYNTAX.get(kind, f"{kind.lower()} syntax"))


def _variables(tree: ast.AST) -> list[str]:
    """Variable names in order of first appearance (constants such as pi excluded)."""
    first: dict[str, tuple[int, int]] = {}
    for n in _walk(tree):
        if isinstance(n, ast.Name) and n.id not in FUNCTIONS and n.id not in CONSTANTS:
            where = (n.lineno, n.col_offset)
            first[n.id] = min(first.get(n.id, where), where)
    return sorted(first, key=first.get)


def _binary(node: ast.BinOp, a, b):
    op = _BINARY[type(node.op)]
    try:
        out = op(a, b)
    except ZeroDivisionError:  # Python floats; NumPy (and minigrad's operations) give inf/nan
        with np.errstate(all="ignore"):
            out = op(np.float64(a), np.float64(b))
    except OverflowError:
        raise ExpressionError(f"{_short_source(node)} (column {node.col_offset + 1}) is too "
                              f"large a number (overflow).") from None
    if type(out) is complex:  # (-8.0) ** 0.5: NumPy's nan, not a complex number
        out = float("nan")
    return out


def _interpret(node: ast.AST, env: dict):
    if isinstance(node, ast.Expression):
        return _interpret(node.body, env)
    if isinstance(node, ast.BinOp):
        return _binary(node, _interpret(node.left, env), _interpret(node.right, env))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_interpret(node.operand, env))
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else CONSTANTS[node.id]
    return FUNCTIONS[node.func.id](*[_interpret(a, env) for a in node.args])


def parse_expression(text: str) -> Callable:
    """A function of the expression's variables (in order of first appearance).

    Raises ``ExpressionError`` for anything but an expression minigrad accepts; the
    function it returns raises ``ExpressionError`` where evaluation fails (a constant
    that overflows), and otherwise returns a value (NaN and inf included)."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression is a string, not {type(text).__name__}.")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression has {len(text)} characters; at most {MAX_LENGTH} are accepted.")
    source = text.strip()
    if not source:
        raise ExpressionError("the expression is empty; give one such as \"x1*x2 + sin(x1)\".")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        where = f" (column {e.offset})" if e.offset else ""
        raise ExpressionError(f"cannot parse {_clip(text)}: {e.msg}{where}.") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply.") from None
    except ValueError as e:  # e.g. a NUL character
        raise ExpressionError(f"cannot parse {_clip(text)}: {e}.") from None
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(f"the expression is nested too deeply (more than {MAX_DEPTH} "
                              f"levels); split it into smaller steps.")
    try:
        _check(tree)
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply.") from None
    names = _variables(tree)

    def f(*args):
        if len(args) != len(names):
            raise TypeError(f"the expression {_clip(text)} takes {len(names)} arguments "
                            f"({', '.join(names)}), {len(args)} given")
        try:
            return _interpret(tree, dict(zip(names, args)))
        except (RecursionError, MemoryError):
            raise ExpressionError("the expression is too large to evaluate.") from None
        except OverflowError:
            raise ExpressionError(f"evaluating {_clip(text)} overflowed.") from None

    f.__name__ = "expression"
    f.__signature__ = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    f.__doc__ = text
    return f


def _clip(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")


__all__ = ["ExpressionError", "parse_expression", "FUNCTIONS", "CONSTANTS", "MAX_LENGTH",
           "MAX_DEPTH"]
