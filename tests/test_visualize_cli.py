"""visualize.cli: `python -m visualize` / `autograd-lite graph`, and its expression whitelist."""

from __future__ import annotations

import math
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_lite import Value
from autograd_lite.cli import main as autograd_lite_main
from visualize.cli import ExpressionError, evaluate_expression, main

ISSUE_EXAMPLE = ["((x*w + b).sigmoid() - t)**2", "--at", "x=1", "w=0.5", "b=0", "t=1"]


def expected_gradients() -> dict[str, float]:
    """The issue's example by hand: f = (s - t)^2, s = sigmoid(x w + b)."""
    s = 1 / (1 + math.exp(-0.5))
    dz = 2 * (s - 1) * s * (1 - s)
    return {"f": (s - 1) ** 2, "x": dz * 0.5, "w": dz * 1.0, "b": dz, "t": -2 * (s - 1)}


def printed(out: str) -> dict[str, float]:
    found = {}
    for line in out.splitlines():
        name, eq, number = line.partition(" = ")
        if eq:
            found[name.removeprefix("df/d")] = float(number)
    return found


def test_prints_value_and_every_gradient_and_writes_svg(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "graph.svg"
    assert main([*ISSUE_EXAMPLE, "-o", str(out_file)]) == 0
    got = printed(capsys.readouterr().out)
    for name, value in expected_gradients().items():
        assert got[name] == pytest.approx(value, rel=1e-5), name
    texts = ["".join(t.itertext()) for t in ET.parse(out_file).getroot().iter()]
    assert "x" in texts and "t" in texts


def test_python_dash_m_and_autograd_lite_graph_are_the_same_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "visualize", *ISSUE_EXAMPLE, "-o", str(tmp_path / "a.dot")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert autograd_lite_main(["graph", *ISSUE_EXAMPLE, "-o", str(tmp_path / "b.dot")]) == 0
    assert (tmp_path / "a.dot").read_text() == (tmp_path / "b.dot").read_text()
    assert "df/dw = " in done.stdout


@pytest.mark.parametrize(
    ("expression", "named"),
    [
        ("__import__('os')", "'__import__'"),
        ("x.data", "attribute access 'x.data'"),
        ("x.__class__()", "'__class__'"),
        ("lambda: x", "lambda"),
        ("(lambda: 1)()", "lambda"),
        ("x // 2", "'//'"),
        ("x[0]", "indexing"),
        ("x < 1", "comparison"),
        ("'text'", "str constant"),
        ("True + x", "bool constant"),
        ("exp(x, x)", "exp takes 1 argument"),
        ("max(x)", "max takes 2 arguments"),
        ("exp(x=1)", "exp takes 1 argument"),
        ("open('f')", "'open'"),
        ("y + 1", "unknown name 'y'"),
        ("exp", "exp is a function"),
        ("x +", "not a valid expression"),
        ("[x for x in ()]", "ListComp"),
    ],
)
def test_rejected_expressions_name_what_was_rejected(
    expression: str, named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "g.svg"
    assert main([expression, "--at", "x=1", "-o", str(out_file)]) == 2
    err = capsys.readouterr().err
    assert named in err and err.count("\n") == 1
    assert not out_file.exists()


def test_allowed_constructs_match_the_engine() -> None:
    x, y = Value(0.3, label="x"), Value(-1.2, label="y")
    result = evaluate_expression(
        "exp(x) * -y / 2 + abs(y) ** 0.5 - max(x, y).tanh() + relu(y)", {"x": x, "y": y}
    )
    direct = math.exp(0.3) * 1.2 / 2 + 1.2**0.5 - math.tanh(0.3) + 0.0
    assert result.data == pytest.approx(direct, rel=1e-12)


def test_huge_powers_and_division_by_zero_neither_hang_nor_crash() -> None:
    assert evaluate_expression("9 ** 9 ** 9 ** 9", {}).data == math.inf
    with pytest.raises(ExpressionError, match="division by zero"):
        evaluate_expression("1 / 0", {})
    with pytest.raises(ExpressionError, match="longer than"):
        evaluate_expression("x" + "+x" * 1500, {"x": Value(1.0)})


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (["x"], "NAME=NUMBER"),
        (["x=abc"], "not a number"),
        (["x=1", "x=2"], "twice"),
        (["exp=1"], "function name"),
    ],
)
def test_bad_at_values_are_clear(
    at: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["x", "--at", *at]) == 2
    assert message in capsys.readouterr().err


def test_no_grad_draws_values_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "g.dot"
    assert main(["x * 2", "--at", "x=3", "--no-grad", "-o", str(out_file)]) == 0
    assert "df/dx" not in capsys.readouterr().out
    source = out_file.read_text()
    assert "data 6" in source and "grad " not in source and "|grad|" not in source


def test_steps_and_rankdir(tmp_path: Path) -> None:
    assert (
        main(["tanh(x)", "--at", "x=0.5", "--steps", str(tmp_path / "s"), "--rankdir", "TB"]) == 0
    )
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        "index.html",
        "step_001.svg",
        "step_002.svg",
    ]


def test_png_without_system_graphviz_fails_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["x * 2", "--at", "x=3", "-o", str(tmp_path / "g.png")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "apt-get install graphviz" in err


@pytest.mark.parametrize("expression", ["-x", "-(x + 1)", "-x*2", "-exp(x)"])
def test_an_expression_may_start_with_a_minus_sign(
    expression: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([expression, "--at", "x=1"]) == 0
    assert main(["--at", "x=-1", "--", expression]) == 0  # the old spelling still works
    out = capsys.readouterr().out
    assert "f = " in out and "df/dx = " in out


BLOCK_GRAPHVIZ = (
    "import runpy, sys; sys.modules['graphviz'] = None; sys.argv = ['visualize', *sys.argv[1:]]; "
    "runpy.run_module('visualize', run_name='__main__')"
)


def test_without_the_graphviz_package_gradients_print_and_drawing_names_the_extra(
    tmp_path: Path,
) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", BLOCK_GRAPHVIZ, *args]
        return subprocess.run(command, capture_output=True, text=True, cwd=Path.cwd())

    printed_only = run("x * y", "--at", "x=2", "y=3")
    assert printed_only.returncode == 0 and "df/dx = 3" in printed_only.stdout
    drawing = run("x * y", "--at", "x=2", "y=3", "-o", str(tmp_path / "g.svg"))
    assert drawing.returncode == 1 and "df/dx = 3" in drawing.stdout
    assert drawing.stderr.count("\n") == 1 and "Traceback" not in drawing.stderr
    assert 'pip install "autograd-lite[viz]"' in drawing.stderr
    library = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.modules['graphviz'] = None\n"
            "import visualize, visualize.plots\n"
            "try:\n    visualize.draw_dot\nexcept visualize.MissingExtra as e:\n    print(e)",
        ],
        capture_output=True,
        text=True,
    )
    assert library.returncode == 0, library.stderr
    assert 'draw_dot needs the graphviz package: pip install "autograd-lite[viz]"' in library.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["x +", "--at", "x=1"],
        ["x", "--at", "x=one"],
        ["x", "--at", "x=1", "-o", "g.gif"],
        ["x * 2", "--at", "x=1", "--focus", "nobody", "-o", "g.dot"],
        ["tanh(tanh(tanh(x)))", "--at", "x=1", "--max-nodes", "3", "-o", "g.dot"],
        ["x", "--at", "x=1", "-o", "no/such/folder/g.dot"],
        ["x", "--at", "x=1", "--html", "no/such/folder/g.html"],
    ],
)
def test_every_expected_failure_is_one_line_and_a_nonzero_status(
    args: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(
        ("python -m visualize: error:", "autograd-lite graph: error:")
    )
    with pytest.raises(Exception):  # noqa: B017 - --debug shows the real exception, whatever it is
        main([*args, "--debug"])


def test_views_and_the_explorer_from_the_command_line(tmp_path: Path) -> None:
    chain = "tanh(tanh(tanh(tanh(x * 2))))"
    assert main([chain, "--at", "x=0.1", "--last", "1", "-o", str(tmp_path / "last.dot")]) == 0
    last = (tmp_path / "last.dot").read_text()
    assert last.count("label=tanh") == 2 and "from t" in last  # the final op, its operand's op
    assert (
        main(
            [chain, "--at", "x=0.1", "--focus", "t3", "--depth", "1", "-o", str(tmp_path / "f.dot")]
        )
        == 0
    )
    assert "t3 |" in (tmp_path / "f.dot").read_text()
    assert main([chain, "--at", "x=0.1", "--html", str(tmp_path / "g.html"), "--no-legend"]) == 0
    assert (tmp_path / "g.html").read_text().count("<svg") == 1


@pytest.mark.parametrize(
    ("stop", "status", "said"),
    [(KeyboardInterrupt(), 130, "interrupted\n"), (BrokenPipeError(), 1, "")],
)
def test_interrupts_and_broken_pipes_end_quietly(
    stop: BaseException,
    status: int,
    said: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def interrupted(args: object) -> int:
        raise stop

    monkeypatch.setattr("visualize.cli._run", interrupted)
    assert main(["x", "--at", "x=1"]) == status
    err = capsys.readouterr().err
    assert err.endswith(said) and err.count("\n") == said.count("\n")  # one line, or none
