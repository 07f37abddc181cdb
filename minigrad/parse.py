"""Expression strings such as ``"x1*x2 + sin(x1)"`` turned into functions, safely.

The string is parsed with Python's ``ast`` and only a whitelist is accepted: numbers,
variable names, ``+ - * / **``, and calls of ``minigrad.numpy`` functions by name.
The tree is then interpreted node by node; nothing is ever passed to ``eval``.
Attribute access, subscripts, lambdas, comprehensions, unknown names and oversized
input are refused with an error that says what was found and what is allowed.
"""

from __future__ import annotations

import ast
import inspect
import operator
from typing import Callable

from . import numpy as mnp

MAX_LENGTH = 2000
FUNCTIONS = {
    name: getattr(mnp, name)
    for name in ("sin", "cos", "tan", "arctan", "sinh", "cosh", "tanh", "exp", "expm1", "log",
                 "log1p", "sqrt", "square", "reciprocal", "abs", "sigmoid", "maximum", "minimum")
}
CONSTANTS = {"pi": mnp.pi, "e": mnp.e}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


class ExpressionError(ValueError):
    """The expression string is not one minigrad accepts."""


def _refuse(node: ast.AST, what: str) -> ExpressionError:
    allowed = ("numbers, variable names, + - * / **, parentheses and the functions "
               + ", ".join(sorted(FUNCTIONS)))
    return ExpressionError(f"{what} is not allowed in an expression (column {getattr(node, 'col_offset', 0) + 1}); "
                           f"use only {allowed}.")


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
            raise _refuse(node, f"the constant {node.value!r}")
        return None
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise _refuse(node, f"the function name {node.id!r} without a call")
        return None
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise _refuse(node, f"calling {name!r}")
        if node.keywords:
            raise _refuse(node, "a keyword argument")
        for arg in node.args:
            _check(arg)
        return None
    raise _refuse(node, f"{type(node).__name__.lower()} syntax")


def _variables(tree: ast.AST) -> list[str]:
    """Variable names in order of first appearance (constants such as pi excluded)."""
    first: dict[str, int] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and n.id not in FUNCTIONS and n.id not in CONSTANTS:
            first[n.id] = min(first.get(n.id, n.col_offset), n.col_offset)
    return sorted(first, key=first.get)


def _interpret(node: ast.AST, env: dict):
    if isinstance(node, ast.Expression):
        return _interpret(node.body, env)
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_interpret(node.left, env), _interpret(node.right, env))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_interpret(node.operand, env))
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else CONSTANTS[node.id]
    return FUNCTIONS[node.func.id](*[_interpret(a, env) for a in node.args])


def parse_expression(text: str) -> Callable:
    """A function of the expression's variables (in order of first appearance)."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression has {len(text)} characters; at most {MAX_LENGTH} are accepted.")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ExpressionError(f"cannot parse {text!r}: {e.msg} (column {e.offset}).") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply.") from None
    try:
        _check(tree)
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply.") from None
    names = _variables(tree)

    def f(*args):
        return _interpret(tree, dict(zip(names, args)))

    f.__name__ = "expression"
    f.__signature__ = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    f.__doc__ = text
    return f
