"""Fuzzing `autograd-lite graph`: generated expressions and option values end in a result or a
clean failure (an exit status and a message), never an escaping exception or a traceback.

The budget is fixed here (``FUZZ``); the ``ci`` profile makes the examples the same each run.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_lite.cli import main

pytest.importorskip("graphviz", reason="the graphviz package is not installed")

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

NAMES = ["x", "y", "w"]
numbers = st.sampled_from(["0", "1", "-2.5", "1e308", "1e-320", "9" * 30, "0.0", "3"])
leaves = st.sampled_from(NAMES) | numbers | st.sampled_from(["z", "__import__", "exp", "True"])


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**", "//", "@"]), children)
    call = st.tuples(
        st.sampled_from(["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "max", "abs", "open"]),
        st.lists(children, min_size=0, max_size=3),
    )
    return (
        binary.map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        | call.map(lambda t: f"{t[0]}({', '.join(t[1])})")
        | children.map(lambda c: f"-{c}")
        | children.map(lambda c: f"({c}).tanh()")
        | children.map(lambda c: f"{c}.__class__")
    )


expressions = st.recursive(leaves, _combine, max_leaves=12) | st.text(max_size=20)
# Mostly valid values for every name, so that most examples get as far as evaluating and
# drawing; sometimes a hostile item as well.
valid_at = st.lists(numbers, min_size=3, max_size=3).map(
    lambda values: [f"{name}={value}" for name, value in zip(NAMES, values)]
)
hostile_at = st.lists(
    st.sampled_from(["x=nan", "x=inf", "y=abc", "exp=1", "1x=2", "x", "x:1", "=3", "x=1"]),
    max_size=2,
)
at_items = st.tuples(valid_at, st.just([]) | st.just([]) | hostile_at).map(lambda t: t[0] + t[1])
VALID_OPTIONS = [
    ["--rankdir", "TB"], ["--rankdir", "RL"], ["--no-grad"], ["--format", "dot"],
    ["-o", "OUT/g.dot"], ["-o", "OUT/g.dot", "--format", "dot"],
]  # fmt: skip
HOSTILE_OPTIONS = [
    ["--rankdir", "up"], ["--format", "gif"], ["-o", "OUT/missing/g.dot"], ["-o", "OUT/g.xyz"],
    ["-o", "OUT"], ["--debug"],
]  # fmt: skip
options = st.lists(st.sampled_from(VALID_OPTIONS * 3 + HOSTILE_OPTIONS), max_size=3)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("graph")


@FUZZ
@given(expressions, at_items, options)
def test_graph_ends_in_a_result_or_a_clean_error(
    folder: Path, expression: str, at: list[str], extra: list[list[str]]
) -> None:
    flat = [part.replace("OUT", str(folder)) for option in extra for part in option]
    debug = "--debug" in flat
    argv = ["graph", expression, *(["--at", *at] if at else []), *flat]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse: a bad option
            status = exc.code if isinstance(exc.code, int) else 2
        except Exception:
            if not debug:  # with --debug, an expected error may show its traceback
                raise
            return
    assert status in (0, 1, 2), (argv, err.getvalue())
    assert "Traceback" not in err.getvalue()
    if status:
        assert err.getvalue().strip(), argv  # a failure always says why
