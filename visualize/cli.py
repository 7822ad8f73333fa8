"""`python -m visualize "expr" --at x=1`: evaluate a whitelisted expression, print, draw it."""

from __future__ import annotations

import argparse
import ast
import contextlib
import math
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from autograd_lite import Value

from .formats import FORMATS, format_of
from .graph import names

__all__ = ["main", "evaluate_expression", "ExpressionError", "FUNCTIONS"]

MAX_LENGTH = 2000

# name -> (number of arguments, how to apply it to Values)
FUNCTIONS: dict[str, tuple[int, Callable[..., Value]]] = {
    "exp": (1, Value.exp),
    "log": (1, Value.log),
    "sqrt": (1, Value.sqrt),
    "tanh": (1, Value.tanh),
    "sigmoid": (1, Value.sigmoid),
    "relu": (1, Value.relu),
    "sin": (1, Value.sin),
    "cos": (1, Value.cos),
    "abs": (1, Value.__abs__),
    "max": (2, Value.max),
    "min": (2, Value.min),
}
_BINARY: dict[type[ast.operator], Callable[[Value | float, Value | float], Value | float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_SYMBOL: dict[type[ast.AST], str] = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Not: "not",
    ast.Invert: "~",
}
_WHAT = {
    ast.Lambda: "a lambda",
    ast.Subscript: "indexing",
    ast.Compare: "a comparison",
    ast.BoolOp: "'and'/'or'",
    ast.IfExp: "'if'/'else'",
    ast.NamedExpr: "':='",
    ast.JoinedStr: "an f-string",
}


class ExpressionError(ValueError):
    """The expression uses something outside the whitelist, or cannot be evaluated."""


def evaluate_expression(expression: str, inputs: dict[str, Value]) -> Value:
    """Evaluate an arithmetic expression over ``inputs`` without `eval`.

    Allowed: numbers, the names in ``inputs``, ``+ - * / **``, unary ``-``/``+``, calls of
    `FUNCTIONS` (``exp(x)``, ``max(a, b)``) and the same as methods (``(x * w).sigmoid()``).
    Anything else raises `ExpressionError` naming the rejected construct.

    Example:
        >>> x = Value(2.0, label="x")
        >>> evaluate_expression("(x * 3 + 1).tanh() ** 2", {"x": x}).data > 0.99
        True
        >>> evaluate_expression("x.__class__", {"x": x})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
          ...
        visualize.cli.ExpressionError: attribute access 'x.__class__' is not allowed; ...
    """
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression: {exc.msg} (column {exc.offset})") from None
    try:
        result = _Evaluator(expression.strip(), inputs).eval(tree.body)
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply") from None
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        if isinstance(exc, ExpressionError):
            raise
        raise ExpressionError(str(exc)) from None
    return result if isinstance(result, Value) else Value(result)


class _Evaluator:
    def __init__(self, source: str, inputs: dict[str, Value]) -> None:
        self.source, self.inputs = source, inputs

    def text(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or type(node).__name__

    def reject(self, node: ast.AST, what: str) -> ExpressionError:
        return ExpressionError(f"{what} is not allowed (in {self.text(node)!r})")

    def eval(self, node: ast.expr) -> Value | float:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.reject(node, f"a {type(node.value).__name__} constant")
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id in self.inputs:
                return self.inputs[node.id]
            if node.id in FUNCTIONS:
                raise ExpressionError(f"{node.id} is a function: call it, e.g. {node.id}(x)")
            raise ExpressionError(
                f"unknown name {node.id!r}: give its value with --at {node.id}=..."
            )
        if isinstance(node, ast.BinOp):
            apply = _BINARY.get(type(node.op))
            if apply is None:
                raise self.reject(node, f"the operator {_SYMBOL.get(type(node.op), '?')!r}")
            left, right = self.eval(node.left), self.eval(node.right)
            if isinstance(left, float) and isinstance(right, float):
                # Through the engine: overflow gives inf and 1/0 a clear error, never a hang.
                left = Value(left)
            return apply(left, right)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self.eval(node.operand)
            if isinstance(node.op, ast.UAdd):
                return self.eval(node.operand)
            raise self.reject(node, f"the operator {_SYMBOL.get(type(node.op), '?')!r}")
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            raise ExpressionError(
                f"attribute access {self.text(node)!r} is not allowed; only calls of "
                f"{', '.join(FUNCTIONS)} as methods, e.g. (x * w).sigmoid()"
            )
        raise self.reject(node, _WHAT.get(type(node), type(node).__name__))

    def call(self, node: ast.Call) -> Value:
        if isinstance(node.func, ast.Name):
            name, args = node.func.id, list(node.args)
        elif isinstance(node.func, ast.Attribute):
            name, args = node.func.attr, [node.func.value, *node.args]
        else:
            raise self.reject(node, "calling the result of an expression")
        if name not in FUNCTIONS:
            raise ExpressionError(
                f"calling {name!r} is not allowed (in {self.text(node)!r}); "
                f"allowed functions: {', '.join(FUNCTIONS)}"
            )
        arity, function = FUNCTIONS[name]
        if node.keywords or any(isinstance(a, ast.Starred) for a in args) or len(args) != arity:
            raise ExpressionError(
                f"{name} takes {arity} argument{'s' if arity > 1 else ''} (in {self.text(node)!r})"
            )
        values = [self.eval(a) for a in args]
        return function(*(v if isinstance(v, Value) else Value(v) for v in values))


def _parse_at(items: list[str]) -> dict[str, Value]:
    inputs: dict[str, Value] = {}
    for item in items:
        name, eq, number = item.partition("=")
        name = name.strip()
        if not eq or not name.isidentifier():
            raise ExpressionError(f"--at {item!r}: write NAME=NUMBER, e.g. --at x=1.5")
        if name in FUNCTIONS:
            raise ExpressionError(f"--at {item!r}: {name!r} is a function name; pick another")
        if name in inputs:
            raise ExpressionError(f"--at {item!r}: {name!r} is given twice")
        try:
            inputs[name] = Value(float(number), label=name)
        except ValueError:
            raise ExpressionError(f"--at {item!r}: {number!r} is not a number") from None
    return inputs


def _parser() -> argparse.ArgumentParser:
    argv0 = Path(sys.argv[0])
    prog = "python -m visualize" if argv0.parent.name == "visualize" else "autograd-lite graph"
    parser = argparse.ArgumentParser(
        prog=prog,
        allow_abbrev=False,  # an unknown word starting with '-' is the expression (see _split)
        description="Evaluate an expression, back-propagate, print the gradients and draw the "
        "computational graph. An expression that starts with '-' works as it is: -x --at x=1.",
        epilog='example: %(prog)s "((x*w + b).sigmoid() - t)**2" --at x=1 w=0.5 b=0 t=1 '
        "-o graph.svg --html graph.html",
    )
    parser.add_argument(
        "expression", help=f"e.g. 'tanh(x * w + b)'; +, -, *, /, ** and {', '.join(FUNCTIONS)}"
    )
    parser.add_argument(
        "--at", nargs="+", default=[], metavar="NAME=NUMBER", help="the value of each name"
    )
    parser.add_argument("-o", "--output", help="image file to write (.svg, .png, .pdf, .dot)")
    parser.add_argument("--format", choices=FORMATS, help="override the format from the suffix")
    parser.add_argument(
        "--rankdir", choices=("LR", "TB", "RL", "BT"), default="LR", help="layout direction"
    )
    parser.add_argument("--no-grad", action="store_true", help="draw values only")
    parser.add_argument(
        "--steps", metavar="DIR", help="one image per backward step, DIR/index.html"
    )
    parser.add_argument("--html", metavar="FILE", help="the interactive explorer, one HTML file")
    _view_options(parser)
    parser.add_argument("--debug", action="store_true", help="show tracebacks of failures")
    return parser


def _view_options(parser: argparse.ArgumentParser) -> None:
    views = parser.add_argument_group("views of big graphs")
    views.add_argument("--focus", metavar="NAME", help="draw only around this value (t1, x...)")
    views.add_argument("--depth", type=int, default=2, help="steps around --focus (default 2)")
    views.add_argument("--last", type=int, metavar="K", help="draw only the last K ops")
    views.add_argument(
        "--max-nodes", type=int, default=400, help="refuse bigger drawings (0: no limit)"
    )
    views.add_argument(
        "--timeout", type=float, default=10.0, help="seconds Graphviz may take (0: no limit)"
    )
    views.add_argument("--no-legend", action="store_true", help="leave out the colour legend")


def _split(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """Let an expression start with '-': the first word that starts with '-' but is no option
    (nor a negative number) is the expression, so `-x --at x=1` needs no `--`."""
    known = set(re.findall(r"(?<![\w-])--?[a-z][\w-]*", parser.format_usage()))
    out = list(argv)
    for k, word in enumerate(out):
        if word == "--":
            break
        option = word.split("=", 1)[0]
        if word.startswith("-") and option not in known and not _is_number(word):
            return [*out[:k], *out[k + 1 :], "--", word]
    return out


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status (0 ok, 1 drawing failed, 2 bad input).

    Every expected failure is one line on stderr (no traceback unless ``--debug``).

    Example:
        >>> main(["x * y + 1", "--at", "x=2", "y=3"])
        f = 7
        df/dx = 3
        df/dy = 2
        0
    """
    parser = _parser()
    args = parser.parse_args(_split(sys.argv[1:] if argv is None else argv, parser))
    try:
        return _run(args)
    except BrokenPipeError:
        # The reader (| head) has gone: nothing more to say, and nothing to flush at exit.
        with contextlib.suppress(OSError, ValueError):  # a stdout without a file descriptor
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        if args.debug:
            raise
        bad_input = isinstance(exc, (ExpressionError, ValueError))
        print(f"{parser.prog}: error: {_one_line(exc)}", file=sys.stderr)
        return 2 if bad_input else 1
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, ModuleNotFoundError) and exc.name == "graphviz":
        return 'drawing needs the graphviz package: pip install "autograd-lite[viz]"'
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _run(args: argparse.Namespace) -> int:
    inputs = _parse_at(args.at)
    root = evaluate_expression(args.expression, inputs)
    if args.output:
        format_of(args.output, args.format)  # a bad suffix fails before any work
    out_name = "f" if "f" not in inputs else "out"
    root.label = root.label or out_name
    print(f"{out_name} = {root.data:.6g}")
    if not args.no_grad:
        root.backward()
        for name, value in inputs.items():
            print(f"d{out_name}/d{name} = {value.grad:.6g}")
    if not math.isfinite(root.data):
        print(f"note: the result is {root.data}; the drawing marks where in red", file=sys.stderr)
    if args.output or args.steps or args.html:
        _draw(root, args)
    return 0


def _draw(root: Value, args: argparse.Namespace) -> None:
    # Drawing needs graphviz; printing gradients does not, so it is imported only now.
    from .explore import explore
    from .output import render
    from .steps import render_backward_steps

    timeout = args.timeout or None
    if args.output:
        view = {"focus": _find(root, args.focus), "depth": args.depth, "last": args.last}
        path = render(
            root,
            args.output,
            format=args.format,
            rankdir=args.rankdir,
            show_grad=not args.no_grad,
            max_nodes=args.max_nodes or None,
            legend=not args.no_legend,
            timeout=timeout,
            **view,
        )
        print(f"wrote {path}")
    if args.steps:
        index = render_backward_steps(root, args.steps, rankdir=args.rankdir)
        print(f"wrote {index} (open it in a browser)")
    if args.html:
        page = explore(root, args.html, rankdir=args.rankdir, timeout=timeout)
        print(f"wrote {page.path} (open it in a browser)")


def _find(root: Value, name: str | None) -> Value | None:
    """The value a ``--focus`` names: a label or a t-name as drawings show them."""
    if name is None:
        return None
    from autograd_lite import topological_order

    named = {v: k for k, v in names(topological_order(root)).items()}
    if name not in named:
        raise ExpressionError(
            f"--focus {name!r}: no value has that name; names are the inputs and t1, t2, ... "
            "numbered in the order the expression made them, as the drawing shows them"
        )
    return named[name]
