"""The source of a one-expression function, its parameters replaced: how `compile` inlines ops.

`compile` writes a replay as straight-line Python. An op whose ``forward`` or ``local`` is a
single ``return`` expression is pasted in as that expression, read from the function's own
source (`inspect` and `ast`): the op table stays the only copy of each formula. A function of
``*args`` (the fused ``dot``) is run once on `_Symbol` s, which write down the arithmetic it
does, in order. Anything else (several statements, a closure, a comparison on ``*args``, names
the replay cannot see) is called instead.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import math
import textwrap
import types
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["expression", "items"]


def expression(
    fn: Callable[..., Any], arguments: Sequence[str], namespace: Mapping[str, Any]
) -> str | None:
    """The source of ``fn(*arguments)``'s value, or None if it is not one return expression.

    ``arguments`` are source texts, one per parameter. ``namespace`` is where the result will
    run: every other name the expression uses must mean the same there as in ``fn``.

    Example:
        >>> def halve(x): return x / 2
        >>> expression(halve, ["v3"], {})
        'v3 / 2'
    """
    found = _templates(fn, namespace)
    if found is None:
        traced = _trace(fn, arguments)
        return traced if isinstance(traced, str) else None
    return found[0].format(*map(_atom, arguments))


def items(
    fn: Callable[..., Any], arguments: Sequence[str], namespace: Mapping[str, Any]
) -> tuple[str, ...] | None:
    """Like `expression` for a function returning a tuple: the source of each item.

    A choice between tuples (``(0.0,) if x <= 0 else (1.0,)``) becomes a choice per item.

    Example:
        >>> def swap(a, b, out): return (b, a)
        >>> items(swap, ["v1", "v2", "v3"], {})
        ('v2', 'v1')
    """
    found = _templates(fn, namespace)
    if found is None:
        traced = _trace(fn, arguments)
        return traced if isinstance(traced, tuple) else None
    if found[1] is None:
        return None
    args = list(map(_atom, arguments))
    return tuple(t.format(*args) for t in found[1])


def _trace(fn: Callable[..., Any], arguments: Sequence[str]) -> str | tuple[str, ...] | None:
    """Run a ``*args`` function on symbols: the source of its result, or None if it can't.

    The function runs with ``sum`` writing itself down too, so the replay calls the same
    ``sum`` on the same terms (Python 3.12's ``sum`` of floats rounds differently from a chain
    of ``+``).
    """
    code = getattr(fn, "__code__", None)
    if code is None or not code.co_flags & inspect.CO_VARARGS or code.co_freevars:
        return None
    symbolic = types.FunctionType(code, {**fn.__globals__, "sum": _symbolic_sum})
    try:
        result = symbolic(*(_Symbol(_atom(a), _ATOM) for a in arguments))
        if isinstance(result, tuple):
            return tuple(_source(r, _ATOM - 1) for r in result)
        return _source(result, 0)
    except Exception:  # it compared, called math, ...: not plain arithmetic, so call it
        return None


def _symbolic_sum(terms: Iterable[Any], start: float = 0) -> _Symbol:
    if start != 0:
        raise TypeError("only sum() from 0 or -0.0 is written down")
    # -0.0 (the dot product's start, so that a sum of -0.0s stays -0.0) is written down too.
    tail = ", -0.0" if math.copysign(1.0, start) < 0 else ""
    return _Symbol(f"sum(({', '.join(_source(t, 0) for t in terms)},){tail})", _ATOM)


_SUM, _PRODUCT, _UNARY, _ATOM = 1, 2, 3, 4  # operator precedence, lowest first


def _source(x: Any, context: int) -> str:
    """``x`` as source inside an operator of precedence ``context`` (parenthesised if lower)."""
    if isinstance(x, _Symbol):
        return x.text if x.precedence > context else f"({x.text})"
    if type(x) in (int, float) and math.isfinite(x):  # inf and nan have no literal
        return repr(x) if x >= 0 else f"({x!r})"
    raise TypeError(f"cannot write {type(x).__name__} as source")


class _Symbol:
    """A number to be: arithmetic on it returns the source text of that arithmetic.

    Python evaluates ``a + b + c`` left to right, and the text keeps exactly that order and
    grouping, so the pasted source gives the very floats the function gives. Anything but
    ``+ - *`` and unary minus (comparisons, ``math.*``, ``/``) raises ``TypeError``.
    """

    __slots__ = ("text", "precedence")

    def __init__(self, text: str, precedence: int) -> None:
        self.text, self.precedence = text, precedence

    def _binary(self, other: Any, op: str, precedence: int, reflected: bool) -> _Symbol:
        left, right = (other, self) if reflected else (self, other)
        # Left to right: the right operand needs parentheses at equal precedence.
        text = f"{_source(left, precedence - 1)} {op} {_source(right, precedence)}"
        return _Symbol(text, precedence)

    def __add__(self, other: Any) -> _Symbol:
        return self._binary(other, "+", _SUM, False)

    def __radd__(self, other: Any) -> _Symbol:
        return self._binary(other, "+", _SUM, True)

    def __sub__(self, other: Any) -> _Symbol:
        return self._binary(other, "-", _SUM, False)

    def __rsub__(self, other: Any) -> _Symbol:
        return self._binary(other, "-", _SUM, True)

    def __mul__(self, other: Any) -> _Symbol:
        return self._binary(other, "*", _PRODUCT, False)

    def __rmul__(self, other: Any) -> _Symbol:
        return self._binary(other, "*", _PRODUCT, True)

    def __neg__(self) -> _Symbol:
        return _Symbol(f"-{_source(self, _UNARY - 1)}", _UNARY)


def _atom(source: str) -> str:
    return source if source.isidentifier() else f"({source})"


def _templates(
    fn: Callable[..., Any], namespace: Mapping[str, Any]
) -> tuple[str, tuple[str, ...] | None] | None:
    """``fn``'s returned expression (and its tuple items) as format strings, ``{i}`` for the
    i-th parameter; None when ``fn`` cannot be pasted into ``namespace``."""
    found = _parse(fn)
    if found is None or not _same_names(fn, found, namespace):
        return None
    return _format_strings(fn)


@functools.cache
def _format_strings(fn: Callable[..., Any]) -> tuple[str, tuple[str, ...] | None]:
    tree, params = _parse(fn)  # type: ignore[misc]  # only called once _parse succeeded
    parts = _tuple_items(tree)
    whole = _template(tree, params)
    return whole, None if parts is None else tuple(_template(p, params) for p in parts)


@functools.cache
def _parse(fn: Callable[..., Any]) -> tuple[ast.expr, tuple[str, ...]] | None:
    code = getattr(fn, "__code__", None)
    if code is None or code.co_freevars or code.co_flags & (inspect.CO_VARARGS | 0x08):
        return None  # a closure's free names, *args and **kwargs have no place in a replay
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return None
    func = tree.body[0] if tree.body else None
    if not isinstance(func, ast.FunctionDef) or func.name != fn.__name__:
        return None  # a lambda, or source that is not this function's
    body = [s for s in func.body if not _is_docstring(s)]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
        return None
    return body[0].value, tuple(a.arg for a in func.args.args)


def _same_names(
    fn: Callable[..., Any], found: tuple[ast.expr, tuple[str, ...]], namespace: Mapping[str, Any]
) -> bool:
    tree, params = found
    home = getattr(fn, "__globals__", {})
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in params:
            here = namespace.get(node.id, getattr(builtins, node.id, None))
            there = home.get(node.id, getattr(builtins, node.id, None))
            if here is None or here is not there:
                return False
    return True


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def _tuple_items(tree: ast.expr) -> list[ast.expr] | None:
    if isinstance(tree, ast.Tuple):
        return list(tree.elts)
    if isinstance(tree, ast.IfExp):
        body, orelse = _tuple_items(tree.body), _tuple_items(tree.orelse)
        if body is None or orelse is None or len(body) != len(orelse):
            return None
        return [ast.IfExp(tree.test, b, o) for b, o in zip(body, orelse)]
    return None


def _template(tree: ast.expr, params: Sequence[str]) -> str:
    """``tree``'s source with each use of ``params[i]`` turned into ``{i}``."""

    class Mark(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.expr:
            if node.id in params:
                return ast.Name(f"__slot{params.index(node.id)}__", ast.Load())
            return node

    marked = Mark().visit(ast.parse(ast.unparse(tree), mode="eval").body)  # a copy: never edit
    text = ast.unparse(marked).replace("{", "{{").replace("}", "}}")
    for i in range(len(params)):
        text = text.replace(f"__slot{i}__", f"{{{i}}}")
    return text
