"""The ``minigrad`` command: trace tables, graphs and gradient checks from the shell.

    minigrad demo
    minigrad table lognormal --at y=1.5 mu=0 sigma=2 --mode reverse --format latex
    minigrad graph "x1*x2 + sin(x1)" --at x1=2 x2=5 --mode forward --wrt x1 -o z.svg
    minigrad graph lognormal --mode reverse -o ln.mmd     (or ln.tex: TikZ, no Graphviz needed)
    minigrad check lognormal --at y=1.5 mu=0 sigma=2
    minigrad frames lognormal --at y=1.5 mu=0 sigma=2 --mode reverse -o slides/
    minigrad slides lognormal --at y=1.5 mu=0 sigma=2 --wrt y -o deck/

A function is a bundled example by name, or an expression string (parsed safely,
never evaluated as Python).  Errors are one clear sentence and a non-zero exit.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path
from typing import Callable

from . import examples
from .explain.frames import write_deck
from .graph import trace
from .parse import ExpressionError, parse_expression
from .testing import check_agreement

BUNDLED = {"lognormal": examples.lognormal, "chain_rule": examples.chain_rule}
DEFAULT_POINTS = {"lognormal": {"y": 1.5, "mu": 0.0, "sigma": 2.0},
                  "chain_rule": {"x1": 2.0, "x2": 5.0}}


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


def resolve_function(spec: str) -> Callable:
    if spec in BUNDLED:
        return BUNDLED[spec]
    if spec.isidentifier():
        raise UsageError(f"unknown function {spec!r}; bundled examples: {', '.join(sorted(BUNDLED))} "
                         f"(or give an expression such as \"x1*x2 + sin(x1)\")")
    try:
        return parse_expression(spec)
    except ExpressionError as e:
        raise UsageError(str(e)) from None


def parse_point(f: Callable, spec: str, at: list[str] | None) -> list[float]:
    """Values for f's parameters from ``name=value`` pairs; every one named, none extra."""
    names = list(inspect.signature(f).parameters)
    given: dict[str, float] = dict(DEFAULT_POINTS.get(spec, {})) if not at else {}
    for item in at or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--at expects name=value pairs, got {item!r}")
        try:
            given[name] = float(value)
        except ValueError:
            raise UsageError(f"--at {name}: {value!r} is not a number") from None
    missing = [n for n in names if n not in given]
    extra = [n for n in given if n not in names]
    if missing:
        raise UsageError(f"missing value for {', '.join(missing)}: add --at "
                         + " ".join(f"{n}=..." for n in missing))
    if extra:
        raise UsageError(f"{', '.join(extra)} is not a variable of this function "
                         f"(its variables: {', '.join(names)})")
    return [given[n] for n in names]


def agreement(f: Callable, point: list[float]):
    """The agreement report of every engine at ``point`` (``check_agreement``), and its ``ok``."""
    report = check_agreement(f, *point)
    return report, report.ok


def print_agreement(names: list[str], report, ok: bool) -> None:
    print("inputs: " + ", ".join(names))
    print(report)
    print("agreement: " + ("yes" if ok else "NO"))


def cmd_table(args) -> int:
    f = resolve_function(args.function)
    point = parse_point(f, args.function, args.at)
    table = trace(f, *point).table(mode=args.mode, wrt=args.wrt, naming=args.naming,
                                   steps=args.steps, constants=args.constants)
    out = {"text": str, "markdown": lambda t: t.to_markdown(), "latex": lambda t: t.to_latex(),
           "html": lambda t: t.to_html()}[args.format](table)
    print(out)
    return 0


def cmd_graph(args) -> int:
    f = resolve_function(args.function)
    point = parse_point(f, args.function, args.at)
    written = trace(f, *point).render(args.output, mode=args.mode, wrt=args.wrt,
                                      naming=args.naming, theme=args.theme)
    print(f"wrote {written}")
    return 0


def output_directory(output: str | None, what: str) -> Path:
    """The ``-o DIR`` to write ``what`` to, checked before any work: given, and creatable."""
    if not output:
        raise UsageError(f"give the directory to write the {what} to: -o DIR")
    out = Path(output)
    if not out.is_dir() and not out.parent.is_dir():
        raise UsageError(f"cannot create {out}: its parent directory {out.parent} does not exist")
    return out


def cmd_frames(args) -> int:
    if args.mode not in ("forward", "reverse"):
        raise UsageError(f"--mode must be 'forward' or 'reverse', not {args.mode!r}")
    out = output_directory(args.output, "frames")
    f = resolve_function(args.function)
    point = parse_point(f, args.function, args.at)
    frames = trace(f, *point).frames(mode=args.mode, wrt=args.wrt, naming=args.naming,
                                     theme=args.theme)
    written = frames.write(out)
    drawings = [p.name for p in written if p.name.startswith("frame-") and p.suffix != ".pdf"]
    print(f"wrote {len(frames)} {args.mode}-sweep frames to {out}: {drawings[0]} ... "
          f"{drawings[-1]}, frames.tex (Beamer), frames.html")
    return 0


def cmd_slides(args) -> int:
    out = output_directory(args.output, "slides")
    f = resolve_function(args.function)
    point = parse_point(f, args.function, args.at)
    written = write_deck(trace(f, *point), out, wrt=args.wrt, naming=args.naming,
                         theme=args.theme)
    drawings = {mode: [p.name for p in written if p.name.startswith(mode + "-")
                       and p.suffix != ".pdf"] for mode in ("forward", "reverse")}
    listing = ", ".join(f"{names[0]} ... {names[-1]}" for names in drawings.values())
    print(f"wrote {len(drawings['forward'])} forward-sweep and {len(drawings['reverse'])} "
          f"reverse-sweep slides to {out}: {listing}, deck.tex (Beamer), deck.html")
    return 0


def cmd_check(args) -> int:
    f = resolve_function(args.function)
    point = parse_point(f, args.function, args.at)
    results, ok = agreement(f, point)
    print_agreement(list(inspect.signature(f).parameters), results, ok)
    return 0 if ok else 1


def cmd_demo(args) -> int:
    f, point = examples.lognormal, [1.5, 0.0, 2.0]
    names = ["y", "mu", "sigma"]
    print("The log-normal density, log N(y | mu, sigma), at y=1.5, mu=0, sigma=2:\n")
    print(inspect.getsource(f))
    g = trace(f, *point)
    print("Forward primal trace with reverse-mode adjoints (seed 1 on v10):\n")
    print(g.table(mode="reverse"))
    print("\nForward-mode tangents, seeded with dy = 1:\n")
    print(g.table(mode="forward", wrt="y"))
    out = Path(args.output)
    written = g.render(out, mode="reverse")
    print(f"\nGraph with adjoints rendered to {written}\n")
    results, ok = agreement(f, point)
    print_agreement(names, results, ok)
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="minigrad", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Trace tables, graphs, sweep frames and gradient checks from the shell.",
        epilog="examples:\n" + "\n".join(line for line in __doc__.splitlines() if line.startswith("    ")))
    sub = parser.add_subparsers(dest="command", required=True)

    def with_function(p):
        p.add_argument("function", help="a bundled example (" + ", ".join(sorted(BUNDLED))
                       + ") or an expression string such as \"x1*x2 + sin(x1)\"")
        p.add_argument("--at", nargs="+", metavar="NAME=VALUE", help="the point, e.g. --at x1=2 x2=5")
        return p

    def with_view(p):
        p.add_argument("--mode", choices=["forward", "reverse"], default=None)
        p.add_argument("--wrt", default=None, help="the input seeded in forward mode")
        p.add_argument("--naming", choices=["v", "baydin", "w"], default="v")

    t = with_function(sub.add_parser("table", help="print the trace table"))
    with_view(t)
    t.add_argument("--format", choices=["text", "markdown", "latex", "html"], default="text")
    t.add_argument("--steps", action="store_true",
                   help="list every contribution of the sweep (reverse: adjoint += partial * adjoint)")
    t.add_argument("--constants", choices=["symbolic", "numeric", "both"], default="symbolic",
                   help="print folded constants as 0.5 log 2 pi, as 0.918939, or both")
    t.set_defaults(run=cmd_table)

    gr = with_function(sub.add_parser("graph", help="draw the computation graph"))
    with_view(gr)
    gr.add_argument("-o", "--output", default="graph.svg",
                    help="file to write: .svg, .pdf, .png, .dot, .mmd (Mermaid) or .tex (TikZ)")
    gr.add_argument("--theme", choices=["light", "dark"], default="light")
    gr.set_defaults(run=cmd_graph)

    def with_sweep_options(p, wrt_help: str, writes: str):
        p.add_argument("--wrt", default=None, help=wrt_help)
        p.add_argument("--naming", choices=["v", "baydin", "w"], default="v")
        p.add_argument("-o", "--output", metavar="DIR", default=None,
                       help=f"directory for {writes} (created if missing)")
        p.add_argument("--theme", choices=["light", "dark"], default="light")
        return p

    fr = with_sweep_options(
        with_function(sub.add_parser("frames", help="one slide per step of a sweep: SVG, Beamer, HTML")),
        "the input seeded in forward mode", "frame-001.svg..., frames.tex and frames.html")
    fr.add_argument("--mode", default="reverse", help="the sweep: forward or reverse (default)")
    fr.set_defaults(run=cmd_frames)

    sl = with_sweep_options(
        with_function(sub.add_parser(
            "slides", help="a deck of both sweeps, forward then reverse: Beamer and HTML")),
        "the input seeded in the forward sweep (default: the first)",
        "deck.tex, deck.html and the drawings")
    sl.set_defaults(run=cmd_slides)

    c = with_function(sub.add_parser("check", help="compare minigrad, jax and finite differences"))
    c.set_defaults(run=cmd_check)

    d = sub.add_parser("demo", help="the log-normal table, its graph and the engines' agreement")
    d.add_argument("-o", "--output", default="lognormal.svg", help="where to draw the graph")
    d.set_defaults(run=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as e:
        print(f"minigrad {args.command}: {e}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as e:  # e.g. a bad --wrt, or a math error at the point
        print(f"minigrad {args.command}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
