"""The ``minigrad`` command: trace tables, graphs and gradient checks from the shell.

    minigrad demo
    minigrad table lognormal --at y=1.5 mu=0 sigma=2 --mode reverse --format latex
    minigrad graph "x1*x2 + sin(x1)" --at x1=2 x2=5 --mode forward --wrt x1 -o z.svg
    minigrad graph lognormal --mode reverse -o ln.mmd     (or ln.tex: TikZ, no Graphviz needed)
    minigrad check lognormal --at y=1.5 mu=0 sigma=2
    minigrad frames lognormal --at y=1.5 mu=0 sigma=2 --mode reverse -o slides/
    minigrad slides lognormal --at y=1.5 mu=0 sigma=2 --wrt y -o deck/
    minigrad slides "x1*x2 + sin(x1)" --at x1=2 x2=5 --mode reverse --format revealjs -o deck/

A function is a bundled example by name, or an expression string (parsed safely,
never evaluated as Python; a single name such as ``x`` or ``pi`` is an expression too).
Every error, a file that cannot be written included, is one sentence on stderr and exit
status 2 (``main`` is the one place that turns them into that line); a gradient check
that fails exits with 1.
"""

from __future__ import annotations

import argparse
import difflib
import errno
import inspect
import os
import sys
import warnings
from pathlib import Path
from typing import Callable

from . import examples
from .errors import MinigradError
from .explain.dot import output_format
from .explain.frames import MAX_NODES as FRAMES_LIMIT
from .explain import slides
from .explain.layout import MAX_NODES as LAYOUT_LIMIT
from .explain.table import format_value
from .graph import concrete, trace
from .parse import ExpressionError, parse_expression
from .testing import check_agreement

BUNDLED = {"lognormal": examples.lognormal, "chain_rule": examples.chain_rule}
DEFAULT_POINTS = {"lognormal": {"y": 1.5, "mu": 0.0, "sigma": 2.0},
                  "chain_rule": {"x1": 2.0, "x2": 5.0}}


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


def resolve_function(spec: str, given: dict[str, float] | None = None) -> Callable:
    """A bundled example, or the expression ``spec``.  A lone name that is neither a bundled
    example nor given a value (``given``, from ``--at``) is taken for a mistyped example."""
    if spec in BUNDLED:
        return BUNDLED[spec]
    try:
        f = parse_expression(spec)
    except ExpressionError as e:
        raise UsageError(str(e)) from None
    if [spec] == list(inspect.signature(f).parameters) and spec not in (given or {}):
        close = difflib.get_close_matches(spec, BUNDLED, n=1)
        guess = f"did you mean {close[0]!r}? " if close else ""
        raise UsageError(f"unknown function {spec!r}; {guess}bundled examples: "
                         f"{', '.join(sorted(BUNDLED))} (or, as an expression of the variable "
                         f"{spec}, give its value: --at {spec}=...)")
    return f


def parse_pairs(at: list[str] | None) -> dict[str, float]:
    """The ``--at`` pairs ``name=value`` as a dict: each well formed, each name once."""
    given: dict[str, float] = {}
    for item in at or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--at expects name=value pairs, got {item!r}")
        if not name:
            raise UsageError(f"--at {item!r}: the variable's name is missing before '='; "
                             f"write NAME=VALUE, e.g. x{item}")
        if name in given:
            raise UsageError(f"--at gives {name} twice ({name}={format(given[name], 'g')} and "
                             f"{item}); give each variable once")
        try:
            given[name] = float(value)
        except ValueError:
            raise UsageError(f"--at {name}: {value!r} is not a number") from None
    return given


def parse_point(f: Callable, spec: str, given: dict[str, float]) -> list[float]:
    """Values for f's parameters from ``given`` (``parse_pairs``; a bundled example's default
    point when empty): every one named, none extra."""
    names = list(inspect.signature(f).parameters)
    given = given or dict(DEFAULT_POINTS.get(spec, {}))
    missing = [n for n in names if n not in given]
    extra = [n for n in given if n not in names]
    if missing:
        raise UsageError(f"missing value for {', '.join(missing)}: add --at "
                         + " ".join(f"{n}=..." for n in missing))
    if extra:
        raise UsageError(f"{', '.join(extra)} is not a variable of this function "
                         f"(its variables: {', '.join(names)})")
    return [given[n] for n in names]


def function_and_point(args) -> tuple[Callable, list[float]]:
    """The command's function and point; the point is kept on ``args`` for error messages."""
    given = parse_pairs(args.at)
    f = resolve_function(args.function, given)
    point = parse_point(f, args.function, given)
    args.point = ", ".join(f"{n}={x:g}" for n, x in zip(inspect.signature(f).parameters, point))
    return f, point


def view_options(args) -> dict:
    """``--mode``, ``--wrt`` and ``--naming`` as the writers take them; ``--wrt`` seeds forward
    mode only, so with another mode it is refused rather than ignored."""
    if args.wrt is not None and args.mode != "forward":
        raise UsageError(f"--wrt {args.wrt} chooses the seed of forward mode, and the mode is "
                         f"{args.mode or 'none (no sweep)'}; use --mode forward, or drop --wrt "
                         f"(reverse mode seeds the output)")
    return {"mode": args.mode, "wrt": args.wrt, "naming": args.naming}


def agreement(f: Callable, point: list[float]):
    """The agreement report of every engine at ``point`` (``check_agreement``), and its ``ok``."""
    report = check_agreement(f, *point)
    return report, report.ok


def print_agreement(names: list[str], report, ok: bool) -> None:
    print("inputs: " + ", ".join(names))
    print(report)
    print("agreement: " + ("yes" if ok else "NO (not finite at this point)" if report.nonfinite
                           else "NO"))


def cmd_table(args) -> int:
    view = view_options(args)
    f, point = function_and_point(args)
    graph = trace(f, *point)
    table = graph.table(**view, steps=args.steps, constants=args.constants)
    out = {"text": str, "markdown": lambda t: t.to_markdown(), "latex": lambda t: t.to_latex(),
           "html": lambda t: t.to_html()}[args.format](table)
    print(out)
    if not graph.owns(graph.outputs):  # "pi": folded into a constant, so the table is empty
        print(f"(the output is the constant {format_value(concrete(graph.outputs))}: it depends "
              f"on no input, so no variable is recorded)")
    return 0


def cmd_graph(args) -> int:
    view = view_options(args)
    output_format(args.output)
    f, point = function_and_point(args)
    written = trace(f, *point).render(args.output, **view, theme=args.theme,
                                      max_nodes=args.max_nodes)
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
    view = view_options(args)
    out = output_directory(args.output, "frames")
    f, point = function_and_point(args)
    graph = trace(f, *point)
    frames = graph.frames(**view, theme=args.theme, max_nodes=args.max_nodes)
    written = frames.write(out, **deck_options(args, graph))
    drawings = [p.name for p in written if p.name.startswith("frame-")]
    print(f"wrote {len(frames)} {args.mode}-sweep frames to {out}: {drawings[0]} ... "
          f"{drawings[-1]}, {listing(written)}")
    return 0


#: Variables past which a deck is long enough to report its progress.
LONG_DECK = 20


def deck_options(args, graph) -> dict:
    """``--format``, ``--title``, ``--author``, ``--aspect`` as ``write_deck`` takes them, and
    progress lines on standard error for a long deck or a slow format."""
    formats = args.format or list(slides.DEFAULT_FORMATS)
    slow = bool({"png", "handout", "pdf", "pptx"} & set(formats)) or len(graph.variables) > LONG_DECK

    def progress(line: str) -> None:
        print(f"minigrad {args.command}: {line}", file=sys.stderr, flush=True)

    return {"formats": formats, "title": args.title, "author": args.author,
            "aspect": args.aspect, "progress": progress if slow else None}


def listing(written: list[Path]) -> str:
    """The deck's files, its PNG slides counted rather than listed (Beamer's drawings,
    which only Graphviz's program makes, go unsaid: the line is the same on any machine)."""
    names = [p.name for p in written if not p.name.startswith(("frame-", "step-", "slide-"))]
    pngs = [p.name for p in written if p.name.startswith("slide-")]
    if pngs:
        names.append(f"{len(pngs)} PNG slides ({pngs[0]} ... {pngs[-1]})")
    return ", ".join(names)


def cmd_slides(args) -> int:
    if args.wrt is not None and args.mode == "reverse":
        raise UsageError(f"--wrt {args.wrt} chooses the seed of the forward sweep, and --mode "
                         f"reverse leaves it out; drop --wrt, or --mode")
    out = output_directory(args.output, "slides")
    f, point = function_and_point(args)
    graph = trace(f, *point)
    modes = [args.mode] if args.mode else ["forward", "reverse"]
    written = slides.write_deck(graph, out, wrt=args.wrt, naming=args.naming, theme=args.theme,
                                max_nodes=args.max_nodes, modes=modes,
                                **deck_options(args, graph))
    which = f"the {args.mode} sweep" if args.mode else "both sweeps"
    print(f"wrote a deck of {which} of {graph.name} to {out}: {listing(written)}")
    return 0


def cmd_check(args) -> int:
    f, point = function_and_point(args)
    results, ok = agreement(f, point)
    print_agreement(list(inspect.signature(f).parameters), results, ok)
    return 0 if ok else 1


def cmd_demo(args) -> int:
    output_format(args.output)  # before anything is printed
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


def positive_int(text: str) -> int:
    """An argparse type for counts (--max-nodes; the benchmarks' rounds): a whole number of
    at least 1, or a clear error."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number; give 1 or more")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse, except that ``-x`` or ``-sin(x)`` is an expression, not an unknown option: a
    leading minus starts an option only when it starts one of the parser's own (``-o``)."""

    def _parse_optional(self, arg_string):
        if (arg_string[:1] == "-" and arg_string[:2] != "--" and len(arg_string) > 1
                and arg_string[:2] not in self._option_string_actions):
            return None  # a positional argument
        return super()._parse_optional(arg_string)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="minigrad", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Trace tables, graphs, sweep frames and gradient checks from the shell.",
        epilog="examples:\n" + "\n".join(line for line in __doc__.splitlines() if line.startswith("    ")))
    sub = parser.add_subparsers(dest="command", required=True)

    def with_function(p):
        p.add_argument("function", help="a bundled example (" + ", ".join(sorted(BUNDLED))
                       + ") or an expression string such as \"x1*x2 + sin(x1)\"")
        p.add_argument("--at", nargs="+", action="extend", metavar="NAME=VALUE",
                       help="the point, e.g. --at x1=2 x2=5 (each variable once)")
        return p

    def with_limit(p, default: int, what: str):
        p.add_argument("--max-nodes", type=positive_int, default=default, metavar="N",
                       help=f"most {what}, refused in one line before any work past it; "
                            "default: %(default)s")

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
                    help="file to write: .svg, .pdf, .png, .dot, .mmd (Mermaid) or .tex (TikZ); "
                         "default: %(default)s")
    gr.add_argument("--theme", choices=["light", "dark"], default="light")
    with_limit(gr, LAYOUT_LIMIT, "nodes drawn")
    gr.set_defaults(run=cmd_graph)

    def with_sweep_options(p, wrt_help: str, writes: str):
        p.add_argument("--wrt", default=None, help=wrt_help)
        p.add_argument("--naming", choices=["v", "baydin", "w"], default="v")
        p.add_argument("-o", "--output", metavar="DIR", default=None,
                       help=f"directory for {writes} (created if missing)")
        p.add_argument("--theme", choices=["light", "dark"], default="light")
        with_limit(p, FRAMES_LIMIT, "variables whose sweep is drawn, one frame each")
        return p

    def with_deck_options(p):
        p.add_argument("--format", nargs="+", action="extend", choices=slides.FORMATS,
                       metavar="FORMAT", help="what to write, one or more of "
                       + ", ".join(slides.FORMATS) + "; default: "
                       + " ".join(slides.DEFAULT_FORMATS))
        p.add_argument("--title", default=None, help="the title slide's title")
        p.add_argument("--author", default=None, help="the title slide's author line")
        p.add_argument("--aspect", choices=list(slides.ASPECTS), default="16:9",
                       help="the slides' shape; default: %(default)s")
        return p

    fr = with_sweep_options(
        with_function(sub.add_parser("frames", help="one slide per step of a sweep: SVG, HTML, Beamer, ...")),
        "the input seeded in forward mode", "frame-001.svg..., frames.tex and frames.html")
    fr.add_argument("--mode", default="reverse", help="the sweep: forward or reverse (default)")
    with_deck_options(fr)
    fr.set_defaults(run=cmd_frames)

    sl = with_sweep_options(
        with_function(sub.add_parser(
            "slides", help="a deck of both sweeps, forward then reverse: HTML, Beamer, PNG, ...")),
        "the input seeded in the forward sweep (default: the first)",
        "the deck's files")
    sl.add_argument("--mode", choices=["forward", "reverse"], default=None,
                    help="one sweep only (default: forward, then reverse)")
    with_deck_options(sl)
    sl.set_defaults(run=cmd_slides)

    c = with_function(sub.add_parser("check", help="compare minigrad, jax and finite differences"))
    c.set_defaults(run=cmd_check)

    d = sub.add_parser("demo", help="the log-normal table, its graph and the engines' agreement")
    d.add_argument("-o", "--output", default="lognormal.svg",
                   help="where to draw the graph (.svg, .pdf, .png, .dot, .mmd or .tex); "
                        "default: %(default)s")
    d.set_defaults(run=cmd_demo)
    return parser


# What to do about a file that cannot be written, by the cause.
_FIXES = {errno.ENOENT: "create its folder first, or choose another -o",
          errno.ENOTDIR: "a part of the path is a file, not a folder; choose another -o",
          errno.EISDIR: "it is a folder; give a file name inside it",
          errno.EACCES: "choose a folder you may write to with -o",
          errno.EPERM: "choose a folder you may write to with -o",
          errno.EROFS: "the file system is read-only; choose another -o",
          errno.ENAMETOOLONG: "choose a shorter name",
          errno.ENOSPC: "free some space, or write elsewhere",
          errno.EDQUOT: "free some space, or write elsewhere"}


def _standard_output() -> str:
    """Standard output as a user would name it: ``standard output (/dev/full)``."""
    try:
        return f"standard output ({os.readlink('/proc/self/fd/1')})"
    except OSError:
        return "standard output"


def _failed_output(e: OSError, args) -> str | None:
    """The path an OSError is about: its own file name; without one (a full disk shows when
    a file is flushed, with no name), the command's ``-o`` unless standard output is what
    cannot be flushed (then None)."""
    if e.filename is not None:
        return os.fsdecode(e.filename)
    try:
        sys.stdout.flush()
    except OSError:
        return None
    return getattr(args, "output", None)


def _write_error(e: OSError, where: str | None) -> str:
    """An OSError as one sentence: the path (standard output for None), the cause, and what
    to do."""
    where = _standard_output() if where is None else where
    cause = e.strerror or str(e)
    fix = _FIXES.get(e.errno)
    return f"cannot write {where}: {cause}" + (f"; {fix}" if fix else "")


def _quiet_stdout() -> None:
    """After standard output failed, point it at /dev/null, so that the interpreter's final
    flush of the same buffered text does not add a traceback to the one line."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (e.g. under a test runner)
        pass


def _run(args) -> int:
    """Run the command; every failure becomes ``UsageError``, ``OSError`` or one of the
    exceptions ``main`` reports in one line."""
    seen: dict[str, None] = {}  # NumPy's warnings, once each, without source paths

    def note(message, category, filename, lineno, file=None, line=None):
        seen[str(message)] = None

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = note
        status = args.run(args)
        sys.stdout.flush()  # a full disk or a closed pipe shows here, inside the one handler
    if seen:  # after success only: a failure is the one line on its own
        print(f"minigrad {args.command}: warning: {'; '.join(seen)}", file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    """The console script: the command's exit status; any error is one line and exit 2."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except BrokenPipeError:  # the reader left (| head): as other tools, end without a word
        _quiet_stdout()
        return 141  # 128 + SIGPIPE, the status a shell shows for such tools
    except OSError as e:
        where = _failed_output(e, args)
        message = _write_error(e, where)
        if where is None:
            _quiet_stdout()
    except ArithmeticError as e:  # the bundled examples run on Python floats too
        cause = e.args[-1] if e.args and isinstance(e.args[-1], str) else str(e)
        message = (f"{args.function} cannot be evaluated at {getattr(args, 'point', None)}: "
                   f"{cause} ({type(e).__name__}); choose a point where it is defined and finite")
    except (UsageError, MinigradError, ValueError, TypeError) as e:
        message = str(e)  # e.g. a bad --wrt, or a math domain error at the point
    print(f"minigrad {args.command}: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
