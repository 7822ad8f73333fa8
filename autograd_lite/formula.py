"""Ops written as Python expressions: one source gives the functions and the inline form.

`make_formula` is how `ops` writes most of its table. It lives apart from the table because it
runs once, at import: mutmut (which re-runs tests in processes forked after import) cannot
mutate it, so it is checked by the inline tests and the formulas by `scripts/formula_mutants.py`.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from .engine import Op

__all__ = ["make_formula"]


def make_formula(
    name: str,
    args: Sequence[str],
    forward: str,
    local: Sequence[str],
    kink: Any = None,
    *,
    namespace: dict[str, Any],
) -> Op:
    """An op written once as Python expressions: its value and d value / d arg for each arg.

    The expressions see the args by name, ``out`` (in ``local``) and ``namespace``. They become
    the op's ``forward`` and ``local`` functions and its ``inline`` form, the source that
    `compile` pastes into a replay, so every mode runs the very same formula.

    Example:
        >>> cube = make_formula("cube", ["x"], "x * x * x", ["3 * x * x"], namespace={})
        >>> cube.inline("v1", "v2")
        ('v1 * v1 * v1', ('3 * v1 * v1',))
        >>> cube.forward(2.0), cube.local(2.0, 8.0)
        (8.0, (12.0,))
    """
    params = ", ".join(args)
    # The sources are the op table's own constants, never user input.
    op_forward = eval(f"lambda {params}: {forward}", namespace)
    op_local = eval(f"lambda {params}, out: {_tuple_source(local)}", namespace)
    names = [*args, "out"]
    templates = [_template(source, names) for source in (forward, *local)]

    def inline(*slots: str) -> tuple[str, tuple[str, ...]]:
        value, *derivatives = (t.format(*slots) for t in templates)
        return value, tuple(derivatives)

    return Op(name, op_forward, op_local, kink, inline)


def _tuple_source(local: Sequence[str]) -> str:
    """The local derivatives as one tuple expression.

    A single derivative that only chooses between constants (relu's ``1.0 if x > 0 else 0.0``)
    chooses between constant tuples instead, which Python builds once: no tuple per node.
    """
    tree = ast.parse(local[0], mode="eval").body if len(local) == 1 else None
    if tree is not None and _constant_choice(tree):
        return ast.unparse(_wrap_leaves(tree))
    return f"({', '.join(local)},)"


def _constant_choice(node: ast.expr) -> bool:
    if isinstance(node, ast.IfExp):
        return _constant_choice(node.body) and _constant_choice(node.orelse)
    return isinstance(node, ast.Constant) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant)
    )


def _wrap_leaves(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.IfExp):
        return ast.IfExp(node.test, _wrap_leaves(node.body), _wrap_leaves(node.orelse))
    return ast.Tuple([node], ast.Load())


def _template(source: str, names: Sequence[str]) -> str:
    """``source`` with each use of ``names[i]`` turned into ``{i}`` (via the syntax tree)."""
    tree = ast.parse(source, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in names:
            node.id = f"__slot{names.index(node.id)}__"
    text = ast.unparse(tree).replace("{", "{{").replace("}", "}}")
    for i in range(len(names)):
        text = text.replace(f"__slot{i}__", f"{{{i}}}")
    return text
