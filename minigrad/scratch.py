"""minigrad from scratch: a Wengert list, a rule table, two sweeps (chapter 3c).

Written to be read, not to be fast: scalars only, first derivatives only.
"""

import math


class Tape:
    """The Wengert list: every variable in the order it was computed."""

    def __init__(self):
        self.rows = []


class Var:
    """One row of the list, v_i = op(args), and its value."""

    def __init__(self, tape, op, args, value):
        self.tape, self.op, self.args, self.value = tape, op, args, value
        self.index = len(tape.rows)
        tape.rows.append(self)

    def __add__(self, other): return record("add", self, other)
    def __radd__(self, other): return record("add", other, self)
    def __sub__(self, other): return record("sub", self, other)
    def __rsub__(self, other): return record("sub", other, self)
    def __mul__(self, other): return record("mul", self, other)
    def __rmul__(self, other): return record("mul", other, self)
    def __truediv__(self, other): return record("div", self, other)
    def __rtruediv__(self, other): return record("div", other, self)
    def __neg__(self): return record("neg", self)
    def __pow__(self, k): return record("pow", self, k)  # k: a constant


# The rule table: each operation's value and its partial derivatives with
# respect to each of its arguments, at the arguments' values.
RULES = {
    "add": (lambda a, b: a + b, lambda a, b: (1.0, 1.0)),
    "sub": (lambda a, b: a - b, lambda a, b: (1.0, -1.0)),
    "mul": (lambda a, b: a * b, lambda a, b: (b, a)),
    "div": (lambda a, b: a / b, lambda a, b: (1 / b, -a / b ** 2)),
    "neg": (lambda a: -a, lambda a: (-1.0,)),
    "pow": (lambda a, k: a ** k, lambda a, k: (k * a ** (k - 1), 0.0)),
    "sin": (math.sin, lambda a: (math.cos(a),)),
    "cos": (math.cos, lambda a: (-math.sin(a),)),
    "exp": (math.exp, lambda a: (math.exp(a),)),
    "log": (math.log, lambda a: (1 / a,)),
}


def value(x):
    return x.value if isinstance(x, Var) else x


def record(op, *args):
    """op(args); if an argument is a variable, the result is a new row."""
    out = RULES[op][0](*map(value, args))
    tapes = [a.tape for a in args if isinstance(a, Var)]
    return Var(tapes[0], op, args, out) if tapes else out


def sin(x): return record("sin", x)
def cos(x): return record("cos", x)
def exp(x): return record("exp", x)
def log(x): return record("log", x)


def trace(f, *xs):
    """Run f on new input variables: the list, the inputs and the output."""
    tape = Tape()
    inputs = [Var(tape, "input", (), x) for x in xs]
    return tape, inputs, f(*inputs)


def partials(row):
    return RULES[row.op][1](*map(value, row.args))


def forward(tape, seeds):
    """Forward sweep: each tangent from the arguments' tangents."""
    tangent = [0.0] * len(tape.rows)
    for row in tape.rows:
        if row.op == "input":
            tangent[row.index] = seeds[row.index]
            continue
        tangent[row.index] = sum(d * tangent[a.index]
                                 for d, a in zip(partials(row), row.args)
                                 if isinstance(a, Var))
    return tangent


def reverse(tape, out):
    """Reverse sweep: each adjoint accumulated (+=) from its uses."""
    adjoint = [0.0] * len(tape.rows)
    adjoint[out.index] = 1.0
    for row in reversed(tape.rows):
        if row.op == "input":
            continue
        for d, a in zip(partials(row), row.args):
            if isinstance(a, Var):
                adjoint[a.index] += adjoint[row.index] * d
    return adjoint


def grad(f, *xs):
    """Every partial derivative of f at xs, from one reverse sweep."""
    tape, inputs, out = trace(f, *xs)
    adjoint = reverse(tape, out)
    return tuple(adjoint[x.index] for x in inputs)


def jvp(f, xs, dxs):
    """f(xs) and its derivative along dxs, from one forward sweep."""
    tape, inputs, out = trace(f, *xs)
    tangent = forward(tape, {x.index: dx for x, dx in zip(inputs, dxs)})
    return out.value, tangent[out.index]


def table(tape, tangent=None, adjoint=None):
    """The list as text: v_i = op(arguments) = value, tangent, adjoint."""
    lines = []
    for row in tape.rows:
        args = ", ".join(f"v{a.index}" if isinstance(a, Var) else f"{a:g}"
                         for a in row.args)
        line = f"v{row.index:<2} = {row.op}({args})".ljust(22)
        line += f"= {row.value:10.4f}"
        if tangent is not None:
            line += f"   tangent {tangent[row.index]:9.4f}"
        if adjoint is not None:
            line += f"   adjoint {adjoint[row.index]:9.4f}"
        lines.append(line)
    return "\n".join(lines)
