"""Mutation check of the op formulas, which mutmut cannot reach: they are strings in ops.py.

mutmut turns a string into ``"XX...XX"``, which breaks the op outright; it never changes ``a + b``
into ``a - b`` inside one. This script does: for every expression given to ``formula(...)`` in
``autograd_lite/ops.py`` it makes one small change at a time (an operator, a comparison, a
constant, a swapped argument), runs the engine's tests on a copy of the repository, and reports
which changes no test noticed.

Usage: python scripts/formula_mutants.py        (from the repository root; about 5 minutes)
"""

from __future__ import annotations

import ast
import copy
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/test_ops.py", "tests/test_engine.py", "tests/test_engine_mutants.py"]
TESTS += ["tests/test_functional.py", "tests/test_compile.py"]

SWAPS: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.NotEq: ast.Eq,
}


def mutants(source: str, args: list[str]) -> Iterator[str]:
    """Each variant of ``source`` with exactly one change."""
    tree = ast.parse(source, mode="eval")
    for k in range(len(list(ast.walk(tree)))):
        changed = copy.deepcopy(tree)
        if _change(list(ast.walk(changed))[k], args):
            yield ast.unparse(changed)


def _change(node: ast.AST, args: list[str]) -> bool:
    """Change ``node`` in place, if it is something worth changing."""
    if isinstance(node, ast.BinOp) and type(node.op) in SWAPS:
        node.op = SWAPS[type(node.op)]()
    elif isinstance(node, ast.Compare) and type(node.ops[0]) in SWAPS:
        node.ops[0] = SWAPS[type(node.ops[0])]()
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node.op = ast.UAdd()  # the minus dropped
    elif isinstance(node, ast.Constant) and isinstance(node.value, float):
        node.value = 0.0 if node.value != 0.0 else 1.0
    elif isinstance(node, ast.Name) and node.id in args and len(args) == 2:
        node.id = args[1 - args.index(node.id)]  # the other argument
    elif isinstance(node, ast.Name) and node.id in ("x", "out") and args == ["x"]:
        node.id = "out" if node.id == "x" else "x"  # the output for the input, or back
    elif isinstance(node, ast.Name) and node.id in ("_sin", "_cos"):
        node.id = "_cos" if node.id == "_sin" else "_sin"
    else:
        return False
    return True


def formulas(path: Path) -> Iterator[tuple[str, ast.Constant, list[str]]]:
    """(op name, string literal, argument names) for every expression given to formula()."""
    tree = ast.parse(path.read_text())
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "formula":
            name, args, forward, local = call.args[:4]
            assert isinstance(name, ast.Constant) and isinstance(args, ast.List)
            arg_names = [a.value for a in args.elts if isinstance(a, ast.Constant)]
            assert isinstance(local, ast.List) and isinstance(forward, ast.Constant)
            for literal in [forward, *local.elts]:
                assert isinstance(literal, ast.Constant)
                yield str(name.value), literal, [str(a) for a in arg_names]


def main() -> int:
    ops_path = ROOT / "autograd_lite" / "ops.py"
    original = ops_path.read_text()
    lines = original.splitlines(keepends=True)
    results: list[tuple[str, str, str, bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for part in ("autograd_lite", "tests", "pyproject.toml"):
            src = ROOT / part
            (shutil.copytree if src.is_dir() else shutil.copy)(src, work / part)
        target = work / "autograd_lite" / "ops.py"
        env = {**os.environ, "PYTHONPATH": str(work), "HYPOTHESIS_PROFILE": "mutation"}
        for op, literal, args in formulas(ops_path):
            assert literal.end_lineno == literal.lineno and literal.end_col_offset is not None
            row = lines[literal.lineno - 1]
            for variant in dict.fromkeys(mutants(str(literal.value), args)):
                mutated = row[: literal.col_offset] + repr(variant) + row[literal.end_col_offset :]
                target.write_text(
                    "".join([*lines[: literal.lineno - 1], mutated, *lines[literal.lineno :]])
                )
                run = subprocess.run(
                    [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS],
                    cwd=work,
                    env=env,
                    capture_output=True,
                )
                killed = run.returncode != 0
                results.append((op, str(literal.value), variant, killed))
                verdict = "killed  " if killed else "SURVIVED"
                print(f"{verdict} {op:8s} {literal.value!r} -> {variant!r}", flush=True)
        target.write_text(original)
    n_killed = sum(r[3] for r in results)
    print(f"== formula mutants: {n_killed}/{len(results)} killed")
    return 0 if n_killed == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
