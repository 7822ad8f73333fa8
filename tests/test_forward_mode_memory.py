"""Forward mode keeps no graph: its memory does not grow with the length of the computation."""

from __future__ import annotations

import math
import tracemalloc
from collections.abc import Callable

from autograd_lite import Value, grad, jvp


def _chain(n: int) -> Callable[[Value], Value]:
    def f(x: Value) -> Value:
        for _ in range(n):
            x = (x * 1.0001).sin()
        return x

    return f


def _peak(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_jvp_peak_memory_is_flat_in_the_chain_length_while_reverse_mode_grows() -> None:
    short, long = 1_000, 20_000
    forward = [_peak(lambda n=n: jvp(_chain(n), (0.3,), (1.0,))) for n in (short, long)]
    reverse = [_peak(lambda n=n: grad(_chain(n))(0.3)) for n in (short, long)]
    assert forward[1] < 2 * forward[0], forward  # flat: 20x the nodes, not 2x the memory
    assert reverse[1] > 10 * reverse[0], reverse  # the comparison can see growth
    assert forward[1] * 20 < reverse[1]


def test_graph_free_jvp_matches_the_chain_rule_by_hand() -> None:
    value, tangent = jvp(_chain(50), (0.3,), (1.0,))
    x, d = 0.3, 1.0
    for _ in range(50):
        d *= 1.0001 * math.cos(x * 1.0001)
        x = math.sin(x * 1.0001)
    assert value == x
    assert math.isclose(tangent, d, rel_tol=1e-12)


def test_a_node_from_an_earlier_forward_pass_is_a_constant_in_the_next() -> None:
    kept: list[Value] = []

    def first(x: Value) -> Value:
        y = x * 2.0
        kept.append(y)
        return y

    assert jvp(first, (1.0,), (1.0,)) == (2.0, 2.0)
    c = kept[0]  # made by the first pass, with its tangent 2 from that pass
    assert jvp(lambda x: x * c, (3.0,), (1.0,)) == (6.0, 2.0)


def test_reverse_mode_inside_graph_free_forward_mode_still_sees_its_graph() -> None:
    # d/dx of d/dx x**3 = 6x: the inner grad needs the graph of x**3 while jvp keeps none.
    assert jvp(grad(lambda x: x**3), (2.0,), (1.0,)) == (12.0, 12.0)
