"""Every op on IEEE's special values, value and gradients, against PyTorch float64.

Each op of the table (`autograd_lite.ops.ALL`, the op factories such as ``ops.power``) and each
function of `autograd_lite.functions` runs on +-0.0, +-inf, nan, subnormals, +-1e308 and a few
ordinary numbers; a binary op runs on every pair of them, so each special value meets ordinary
and special partners in both argument orders. The value and every gradient must equal
PyTorch's in float64: the same nan-ness, the same sign of a zero or an infinity, and finite
numbers to a few units in the last place (the two libms may round differently).

The only other outcome allowed is one of the deliberate differences in `POLICY`, which mirrors
the table in ``docs/testing.md`` ("Where autograd_lite differs from PyTorch on purpose"); a test
below checks the two agree. The cases are checked to cover every op, so an op added to the
table without a row here fails `test_every_op_and_function_has_a_case`.
"""

from __future__ import annotations

import inspect
import math
import pathlib
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from autograd_lite import Value, dot, functions, topological_order, vsum
from autograd_lite import ops as table
from autograd_lite.op import Op

torch = pytest.importorskip("torch")
nnf = torch.nn.functional

INF, NAN = math.inf, math.nan
SPECIALS = (0.0, -0.0, INF, -INF, NAN, 5e-324, -5e-324, 2.2250738585072014e-308 / 2, 1e308, -1e308)
ORDINARY = (0.5, -2.0, 1.0, 3.0)
VALUES = SPECIALS + ORDINARY


@dataclass(frozen=True)
class Case:
    """One row: our function of `Value` s, PyTorch's twin, and what of the library it uses.

    ``uses`` names the op records (``Op``), op factories with their parameters
    (``(table.power, 2.0)``) and `autograd_lite.functions` functions the row exercises.
    """

    name: str
    ours: Callable[..., Value]
    theirs: Callable[..., Any]
    uses: tuple[Any, ...]

    @property
    def arity(self) -> int:
        return len(inspect.signature(self.ours).parameters)


def _unary(name: str, op: Op, theirs: Callable[..., Any], method: str | None = None) -> Case:
    return Case(name, lambda a: getattr(a, method or name)(), theirs, (op,))


def _power(k: float) -> Case:
    return Case(f"pow{k:g}", lambda a: a**k, lambda a: a**k, ((table.power, k),))


def _t(x: float) -> Any:
    return torch.tensor(x, dtype=torch.float64)


CASES: list[Case] = [
    Case("add", lambda a, b: a + b, lambda a, b: a + b, (table.ADD,)),
    Case("sub", lambda a, b: a - b, lambda a, b: a - b, (table.SUB,)),
    Case("mul", lambda a, b: a * b, lambda a, b: a * b, (table.MUL,)),
    Case("div", lambda a, b: a / b, lambda a, b: a / b, (table.DIV,)),
    Case("neg", lambda a: -a, lambda a: -a, (table.NEG,)),
    Case("pow_value", lambda a, b: a**b, lambda a, b: a**b, (table.POW,)),
    *(_power(k) for k in (0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, 1.5, -0.5)),
    _unary("exp", table.EXP, torch.exp),
    _unary("log", table.LOG, torch.log),
    _unary("sqrt", table.SQRT, torch.sqrt),
    _unary("tanh", table.TANH, torch.tanh),
    _unary("sigmoid", table.SIGMOID, torch.sigmoid),
    _unary("relu", table.RELU, torch.relu),
    _unary("abs", table.ABS, torch.abs, "__abs__"),
    _unary("sin", table.SIN, torch.sin),
    _unary("cos", table.COS, torch.cos),
    Case("max", lambda a, b: a.max(b), torch.maximum, (table.MAX,)),
    Case("min", lambda a, b: a.min(b), torch.minimum, (table.MIN,)),
    Case("vsum", lambda a, b: vsum([a, b]), lambda a, b: a + b, (table.SUM,)),
    Case("dot", lambda a, b: dot([a], [b]), lambda a, b: a * b, (table.DOT,)),
    Case("dot+b", lambda a, b: dot([a], [0.5], b), lambda a, b: a * 0.5 + b, (table.AFFINE,)),
    _unary("tan", table.TAN, torch.tan),
    _unary("sinh", table.SINH, torch.sinh),
    _unary("cosh", table.COSH, torch.cosh),
    _unary("asin", table.ASIN, torch.asin),
    _unary("acos", table.ACOS, torch.acos),
    _unary("atan", table.ATAN, torch.atan),
    Case("atan2", functions.atan2, torch.atan2, (table.ATAN2, functions.atan2)),
    _unary("asinh", table.ASINH, torch.asinh),
    _unary("acosh", table.ACOSH, torch.acosh),
    _unary("atanh", table.ATANH, torch.atanh),
    _unary("log1p", table.LOG1P, torch.log1p),
    _unary("expm1", table.EXPM1, torch.expm1),
    _unary("log2", table.LOG2, torch.log2),
    _unary("log10", table.LOG10, torch.log10),
    _unary("exp2", table.EXP2, torch.exp2),
    _unary("erf", table.ERF, torch.erf),
    _unary("sign", table.SIGN, torch.sign),
    _unary("floor", table.FLOOR, torch.floor),
    _unary("ceil", table.CEIL, torch.ceil),
    _unary("round", table.ROUND, torch.round),
    Case("mod", functions.remainder, torch.remainder, (table.MOD, functions.remainder)),
    Case("fmod", functions.fmod, torch.fmod, (table.FMOD, functions.fmod)),
    Case(
        "where_true",
        lambda a, b: functions.where(True, a, b),
        lambda a, b: torch.where(torch.tensor(True), a, b),
        (table.WHERE_TRUE, functions.where),
    ),
    Case(
        "where_false",
        lambda a, b: functions.where(False, a, b),
        lambda a, b: torch.where(torch.tensor(False), a, b),
        (table.WHERE_FALSE, functions.where),
    ),
    Case(
        "clamp",
        lambda a: functions.clamp(a, -1.0, 1.0),
        lambda a: a.clamp(-1.0, 1.0),
        ((table.clamp, -1.0, 1.0), functions.clamp),
    ),
    Case(
        "clamp_min",
        lambda a: a.clamp(min=0.5),
        lambda a: a.clamp(min=0.5),
        ((table.clamp, 0.5, INF),),
    ),
    Case("hardtanh", lambda a: a.hardtanh(), nnf.hardtanh, ((table.hardtanh, -1.0, 1.0),)),
    Case(
        "leaky_relu",
        lambda a: a.leaky_relu(0.1),
        lambda a: nnf.leaky_relu(a, 0.1),
        ((table.leaky_relu, 0.1),),
    ),
    Case("elu", lambda a: a.elu(), nnf.elu, ((table.elu, 1.0),)),
    Case("elu2", lambda a: a.elu(2.0), lambda a: nnf.elu(a, 2.0), ((table.elu, 2.0),)),
    _unary("softplus", table.SOFTPLUS, nnf.softplus),
    _unary("gelu", table.GELU, nnf.gelu),
    Case(
        "gelu_tanh",
        lambda a: a.gelu("tanh"),
        lambda a: nnf.gelu(a, approximate="tanh"),
        (table.GELU_TANH,),
    ),
    _unary("silu", table.SILU, nnf.silu),
    _unary("softsign", table.SOFTSIGN, nnf.softsign),
]


# -- the deliberate differences: mirrors docs/testing.md's table row for row -----------------


Outcome = tuple[float, list[float]]


def _negative_zero(x: float) -> bool:
    return x == 0 and math.copysign(1.0, x) < 0


@dataclass(frozen=True)
class Policy:
    """Where we differ from PyTorch: for ``cases`` at inputs where ``when`` holds, ``outcome``.

    ``outcome`` is the exception type our op raises there (PyTorch returns inf or nan), or a
    function giving our value and gradients there, worked out by hand. ``condition`` is the
    text of ``when`` as the docs print it. No ``cases``: every op (checked in `same_gradient`).
    """

    cases: tuple[str, ...]
    condition: str
    when: Callable[..., bool]
    outcome: type[Exception] | Callable[..., Outcome]


POLICY: list[Policy] = [
    Policy(("log", "log2", "log10"), "x <= 0", lambda x: x <= 0, ValueError),
    Policy(("log1p",), "x <= -1", lambda x: x <= -1, ValueError),
    Policy(("sqrt", "pow0.5", "pow1.5"), "x < 0", lambda x: x < 0, ValueError),
    Policy(("asin", "acos"), "abs(x) > 1", lambda x: abs(x) > 1, ValueError),
    Policy(("acosh",), "x < 1", lambda x: x < 1, ValueError),
    Policy(("atanh",), "abs(x) >= 1", lambda x: abs(x) >= 1, ValueError),
    Policy(("div",), "b = 0", lambda a, b: b == 0, ZeroDivisionError),
    Policy(("mod", "fmod"), "b = 0", lambda a, b: b == 0, ZeroDivisionError),
    Policy(("pow-1", "pow-2", "pow-0.5"), "x = 0", lambda x: x == 0, ZeroDivisionError),
    Policy(("pow_value",), "x = 0, y < 0", lambda x, y: x == 0 and y < 0, ZeroDivisionError),
    Policy(
        ("pow_value", "pow-0.5"),
        "x < 0, y not an integer",
        lambda x, y=-0.5: x < 0 and not (math.isfinite(y) and y.is_integer()),
        ValueError,
    ),
    # NaN propagates through every op (DESIGN.md); PyTorch's sign(nan) is 0. Slope 0 as ever.
    Policy(("sign",), "x = nan", math.isnan, lambda x: (NAN, [0.0])),
    # log1p(x) = x - x^2/2 + ... rounds to x for a subnormal x; PyTorch's vectorised log1p
    # flushes it to 0 (its slope, 1, is right).
    Policy(
        ("log1p",),
        "x subnormal",
        lambda x: x != 0 and abs(x) < sys.float_info.min,
        lambda x: (x, [1.0]),
    ),
    # IEEE's pow(-0.0, 0.5) is +0.0 and its slope 0.5 * (-0.0) ** -0.5 = +inf; PyTorch
    # computes x ** 0.5 as sqrt(x), -0.0 with slope -inf. x.sqrt() gives PyTorch's answer.
    Policy(("pow0.5",), "x = -0.0", lambda x: _negative_zero(x), lambda x: (0.0, [INF])),
    # relu is 0 for every x <= 0 (a number, not a sign); PyTorch's max(x, 0) keeps -0.0.
    Policy(("relu",), "x = -0.0", lambda x: _negative_zero(x), lambda x: (0.0, [0.0])),
    # micrograd's .grad starts at 0.0 and backward adds into it, and 0.0 + -0.0 is +0.0.
    # Applied by `same_gradient` to every op, not per input, so `when` and `outcome` go unused.
    Policy((), "a gradient of zero", lambda *xs: True, lambda *xs: (NAN, [0.0])),
]

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs" / "testing.md"


def _policy_for(case: str, xs: Sequence[float]) -> Policy | None:
    for policy in POLICY:
        if case in policy.cases and policy.when(*xs):
            return policy
    return None


# -- running one case -------------------------------------------------------------------------


def _ours(case: Case, xs: Sequence[float]) -> tuple[float, list[float]] | type[Exception]:
    inputs = [Value(x) for x in xs]
    try:
        out = case.ours(*inputs)
    except (ValueError, ZeroDivisionError) as exc:
        return type(exc)
    out.backward()
    return out.data, [v.grad for v in inputs]


def _theirs(case: Case, xs: Sequence[float]) -> tuple[float, list[float]]:
    inputs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = case.theirs(*inputs)
    grads = torch.autograd.grad(out, inputs, allow_unused=True)
    return out.item(), [0.0 if g is None else g.item() for g in grads]


def same(ours: float, theirs: float) -> bool:
    """Equal as PyTorch float64 gives it: nan-ness, signs of zeros and infinities, a few ulps."""
    if math.isnan(theirs) or math.isnan(ours):
        return math.isnan(theirs) and math.isnan(ours)
    if theirs == 0 or math.isinf(theirs) or ours == 0 or math.isinf(ours):
        return ours == theirs and math.copysign(1.0, ours) == math.copysign(1.0, theirs)
    return abs(ours - theirs) <= 4 * math.ulp(theirs) + 1e-13 * abs(theirs)


def same_gradient(ours: float, theirs: float) -> bool:
    """`same`, except that a zero gradient's sign is not compared (`POLICY`, "every op")."""
    return same(ours, theirs) or ours == theirs == 0


def _inputs(arity: int) -> Iterator[tuple[float, ...]]:
    if arity == 1:
        yield from ((x,) for x in VALUES)
    else:
        yield from ((a, b) for a in VALUES for b in VALUES)


def _mismatches(case: Case) -> list[str]:
    found = []
    for xs in _inputs(case.arity):
        ours, theirs = _ours(case, xs), _theirs(case, xs)
        policy = _policy_for(case.name, xs)
        outcome = None if policy is None else policy.outcome
        if isinstance(outcome, type):
            if ours is not outcome:
                found.append(f"{xs}: expected {outcome.__name__} (policy), got {ours}")
            continue
        if outcome is not None:
            theirs = outcome(*xs)  # our documented answer takes PyTorch's place
        if isinstance(ours, type):
            found.append(f"{xs}: raised {ours.__name__}, PyTorch gives {theirs}")
        elif not (same(ours[0], theirs[0]) and all(map(same_gradient, ours[1], theirs[1]))):
            found.append(f"{xs}: ours {ours}, PyTorch {theirs}")
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_value_and_gradients_match_pytorch_on_special_values(case: Case) -> None:
    found = _mismatches(case)
    assert not found, f"{case.name}: {len(found)} mismatches\n" + "\n".join(found)


# -- the table covers the library, and the policy list is the documented one ------------------


def _returns_op(function: Callable[..., Any]) -> bool:
    return inspect.signature(function).return_annotation in (Op, "Op")


def _factories() -> set[Callable[..., Op]]:
    """The op factories of the table: public functions of `ops` that return an `Op`."""
    found = set()
    for name in table.__all__:
        thing = getattr(table, name)
        if callable(thing) and not isinstance(thing, Op) and _returns_op(thing):
            found.add(thing)
    return found


def _rules_built(case: Case) -> set[Op]:
    try:
        out = case.ours(*(Value(0.3 + 0.2 * i) for i in range(case.arity)))
    except ValueError:  # outside the op's domain (acosh): further right
        out = case.ours(*(Value(1.3 + 0.2 * i) for i in range(case.arity)))
    return {node.rule for node in topological_order(out) if node.rule is not None}


def test_every_op_and_function_has_a_case() -> None:
    declared = {use for case in CASES for use in case.uses}
    declared |= {use[0] for use in declared if isinstance(use, tuple)}
    missing_ops = [op.name for op in table.ALL if op not in declared]
    missing_factories = [f.__name__ for f in _factories() if f not in declared]
    missing_functions = [n for n in functions.__all__ if getattr(functions, n) not in declared]
    assert not missing_ops, f"ops of the table without a special-values case: {missing_ops}"
    assert not missing_factories, f"op factories without a case: {missing_factories}"
    assert not missing_functions, f"autograd_lite.functions without a case: {missing_functions}"


def test_the_coverage_check_sees_the_factories() -> None:
    assert {table.power, table.clamp, table.hardtanh, table.leaky_relu, table.elu} <= _factories()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_case_builds_the_ops_it_claims(case: Case) -> None:
    built = _rules_built(case)
    for use in case.uses:
        if isinstance(use, Op):
            assert use in built, f"{case.name} does not build {use.name}"
        elif isinstance(use, tuple):
            assert use[0](*use[1:]) in built, f"{case.name} does not build {use}"


def test_each_policy_names_real_cases() -> None:
    names = {case.name for case in CASES}
    for policy in POLICY:
        assert set(policy.cases) <= names, policy.cases
    assert sum(not policy.cases for policy in POLICY) == 1  # the zero-gradient sign only


def _documented_rows() -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Where autograd_lite differs from PyTorch on purpose", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return rows[1:]  # after the header (its rule "|---|" is not a row)


def _doc_row_start(policy: Policy) -> str:
    names = ", ".join(f"`{name}`" for name in policy.cases) or "every op"
    return f"| {names} | {policy.condition} |"


def test_the_docs_list_each_policy_difference_and_no_other() -> None:
    rows = _documented_rows()
    for policy in POLICY:
        start = _doc_row_start(policy)
        matching = [row for row in rows if row.startswith(start)]
        assert matching, f"docs/testing.md lacks the row starting {start!r}"
        if isinstance(policy.outcome, type):
            assert policy.outcome.__name__ in matching[0], f"{start}: docs do not name the error"
    assert len(rows) == len(POLICY), "docs/testing.md lists a difference the test does not know"


def test_same_is_strict_about_signs_and_nan() -> None:
    assert not same(0.0, -0.0) and not same(INF, -INF) and not same(NAN, 0.0)
    assert same(NAN, NAN) and same(1.0, 1.0 + 2**-52) and not same(1.0, 1.0 + 1e-9)
