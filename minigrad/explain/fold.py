"""Folding a trace table's repeated loop iterations (``g.table(fold=...)``).

``minigrad.lax`` records a loop unrolled, each iteration inside ``mg.scope("<name> <i>")``,
so a scan of 100 steps makes hundreds of rows.  Iterations of one loop are the consecutive
scopes (at one depth of the scope path, under the same parent) whose last part is the same
name with consecutive numbers (``step 0``, ``step 1``, ...; counting down for a reversed
scan); the unscoped variables between two of them (a scan's ``xs[i]``, a while loop's
condition) belong to the iteration after them.  In a run of iterations with the same
primitives, all but the first and the last are folded into one line of the table::

    ⋮ v9 to v44 folded: step 1 to step 6, 6 iterations × 6 rows

Loops inside the iterations that stay shown are folded in turn.  Folding only hides rows:
the values, tangents and adjoints shown are those of the whole sweep, and with
``steps=True`` the sweep's lines for the folded variables are folded into one line too.

``fold=None`` (the default) folds a loop of more than ``AUTO`` iterations, so that a table
without such a loop prints as it always has; ``True`` folds every loop of three or more
iterations; ``False`` shows every row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import symbolic as S
from ..graph import Graph
from . import escape

#: ``fold=None`` folds the loops of more than this many iterations.
AUTO = 4
_ITERATION = re.compile(r"(.*) (-?\d+)")


@dataclass(frozen=True)
class Fold:
    """Rows ``start`` to ``stop - 1`` (variable indices), folded: the iterations ``first`` to
    ``last`` (scope labels; ``last`` without the parent path), each of ``rows_each`` rows."""

    start: int
    stop: int
    first: str
    last: str
    iterations: int
    rows_each: int


def check_fold(fold) -> None:
    if fold is not None and not isinstance(fold, bool):
        raise TypeError(f"table: fold must be None (fold the loops of more than {AUTO} "
                        f"iterations), True (fold every loop of 3 or more) or False (show every "
                        f"row), not {fold!r}.")


def find_folds(graph: Graph, fold: bool | None = None) -> list[Fold]:
    """The folds of ``graph``'s table, in row order (none with ``fold=False``)."""
    check_fold(fold)
    if fold is False or not graph.scopes:
        return []
    most = AUTO if fold is None else 2  # a run of more iterations than this is folded
    paths = [graph.scopes[i].split("/") if i in graph.scopes else []
             for i in range(len(graph.variables))]
    prims = [getattr(v.prim, "name", None) for v in graph.variables]
    folds: list[Fold] = []
    todo = [(0, len(paths), 0)]  # (first row, end, depth): a range whose paths share depth parts
    while todo:
        lo, hi, depth = todo.pop()
        for item in _level(paths, prims, lo, hi, depth, most):
            if isinstance(item, Fold):
                folds.append(item)
            else:
                todo.append((*item, depth + 1))
    return sorted(folds, key=lambda f: f.start)


def _groups(paths: list[list[str]], lo: int, hi: int, depth: int) -> list[tuple]:
    """Runs of consecutive rows in [lo, hi) by their scope part at ``depth`` (None: none)."""
    out: list[list] = []
    for i in range(lo, hi):
        part = paths[i][depth] if len(paths[i]) > depth else None
        if out and out[-1][0] == part:
            out[-1][2] = i + 1
        else:
            out.append([part, i, i + 1])
    return [tuple(g) for g in out]


def _level(paths, prims, lo: int, hi: int, depth: int, most: int):
    """The folds at ``depth`` of [lo, hi), and the row ranges to look into one level deeper."""
    groups = _groups(paths, lo, hi, depth)
    k = 0
    while k < len(groups):
        part, a, b = groups[k]
        if part is None:
            k += 1
            continue
        loop = [(a, a, b)]  # (span start, scope start, end): a span takes the gap before it
        m, step, last, j = _ITERATION.fullmatch(part), None, k, k + 1
        while m:
            while j < len(groups) and groups[j][0] is None:
                j += 1
            n = _ITERATION.fullmatch(groups[j][0]) if j < len(groups) else None
            if n is None or n.group(1) != m.group(1):
                break
            d = int(n.group(2)) - int(m.group(2))
            if d not in ((1, -1) if step is None else (step,)):
                break
            loop.append((groups[last][2], groups[j][1], groups[j][2]))
            m, step, last, j = n, d, j, j + 1
        yield from _fold_loop(paths, prims, loop, depth, most)
        k = last + 1


def _fold_loop(paths, prims, loop: list[tuple], depth: int, most: int):
    """Split a loop into runs of alike iterations; fold the middle of the long runs."""
    def scoped(it):
        return tuple(prims[it[1]:it[2]])

    def gap(it):
        return tuple(prims[it[0]:it[1]])

    runs, start = [], 0
    for k in range(1, len(loop) + 1):
        if k == len(loop) or scoped(loop[k]) != scoped(loop[k - 1]) or (
                k - 1 > start and gap(loop[k]) != gap(loop[k - 1])):
            runs.append(loop[start:k])
            start = k
    for run in runs:
        if len(run) <= most:
            yield from ((a, b) for _, a, b in run)
            continue
        (_, a0, b0), middle, (_, a1, b1) = run[0], run[1:-1], run[-1]
        label = "/".join(paths[middle[0][1]][:depth + 1])
        yield Fold(middle[0][0], middle[-1][2], label, paths[middle[-1][1]][depth],
                   len(middle), middle[0][2] - middle[0][0])
        yield (a0, b0)
        yield (a1, b1)


# ----------------------------------------------------------------------------- rendering

def _words(parts: list, fmt: str) -> str:
    """``parts`` (text, or ``S.Name`` for a variable) in ``fmt``: ``latex`` is text mode with
    names in ``$...$``, ``math`` is math mode with the text in ``\\text{}``."""
    out = []
    for p in parts:
        if isinstance(p, S.Name):
            name = S.render(p, "text" if fmt == "markdown" else "latex" if fmt == "math" else fmt)
            out.append(f"${name}$" if fmt == "latex" else name)
        elif fmt == "html":
            out.append(escape.html(p))
        elif fmt == "latex":
            out.append(escape.latex_text(p).replace("\u00d7", r"$\times$"))
        elif fmt == "math":
            out.append(r" \times ".join(r"\text{" + escape.latex_text(t) + "}"
                                         for t in p.split("\u00d7")))
        else:
            out.append(escape.plain(p))
    text = "".join(out)
    return escape.markdown_cell(text) if fmt == "markdown" else text


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _names(fold: Fold, names: list[str]) -> list:
    return [S.Name(names[fold.start]), " to ", S.Name(names[fold.stop - 1])]


def row_text(fold: Fold, names: list[str], fmt: str = "text") -> str:
    """The line that stands for the folded rows (without the ``⋮`` mark), in ``fmt``."""
    return _words([*_names(fold, names), f" folded: {fold.first} to {fold.last}, "
                   f"{_count(fold.iterations, 'iteration')} \u00d7 {_count(fold.rows_each, 'row')}"],
                  fmt)


def steps_text(fold: Fold, count: int, names: list[str], fmt: str = "text") -> str:
    """The line that stands for the sweep's ``count`` folded lines, in ``fmt``."""
    return _words([f"{_count(count, 'line')} of ", *_names(fold, names),
                   f" folded ({fold.first} to {fold.last})"], fmt)


MARK = {"text": "\u22ee", "markdown": "\u22ee", "latex": r"$\vdots$", "math": r"\vdots",
        "html": "&vellip;"}
