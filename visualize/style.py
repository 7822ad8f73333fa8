"""How drawings look: number formatting, label escaping, and the gradient colour scale."""

from __future__ import annotations

import math
import unicodedata

__all__ = ["format_number", "record_text", "grad_colours", "GRAD_SCALE", "RED", "ZERO"]

FONT = "Helvetica,Arial,sans-serif"
RED = "#d62728"
ZERO = "#eeeeee"
HOT = "#e6550d"
"""The current step: the node being processed and the edges its gradient flows back along."""
DEAD = {"color": RED, "penwidth": "3", "style": "filled,dashed", "fillcolor": ZERO}
"""A collapsed call whose parameters all have gradient 0 (a dead ReLU neuron, say)."""
LABEL_LIMIT = 40
# |grad| by decade on viridis (perceptually uniform, readable in greyscale and by most colour-blind
# readers): (lower bound, fill, text colour, legend text). Dark = vanishing, yellow = large.
GRAD_SCALE: tuple[tuple[float, str, str, str], ...] = (
    (0.0, "#440154", "white", "< 1e-4"),
    (1e-4, "#443983", "white", "1e-4"),
    (1e-3, "#31688e", "white", "1e-3"),
    (1e-2, "#21918c", "black", "0.01"),
    (1e-1, "#35b779", "black", "0.1"),
    (1.0, "#90d743", "black", "1"),
    (10.0, "#fde725", "black", "\u2265 10"),
)
_CLUSTER = {"style": "rounded,filled", "color": "#b8b8c8", "fontsize": "11", "fontcolor": "#444444"}
_CLUSTER |= {"labeljust": "l", "margin": "6"}
_OP = {
    "fillcolor": "#e8e8ee",
    "color": "#888888",
    "margin": "0.02",
    "width": "0.3",
    "height": "0.3",
}
_HOT_OP = _OP | {"fillcolor": "#fdd0a2", "color": HOT}
_OP_TEXT = {"*": "\u00d7", "-": "\u2212", "sum": "\u03a3", "dot": "w\u00b7x", "dot+b": "w\u00b7x+b"}


def op_text(name: str) -> str:
    """How an op's name is drawn: ``*`` as ``\u00d7``, ``relu(dot+b)`` as ``relu(w\u00b7x+b)``.

    Example:
        >>> op_text("*"), op_text("relu(dot+b)"), op_text("tanh")
        ('\u00d7', 'relu(w\u00b7x+b)', 'tanh')
    """
    if name.endswith("(dot+b)"):  # a fused neuron: its activation around its weighted sum
        return name[: -len("dot+b)")] + _OP_TEXT["dot+b"] + ")"
    return _OP_TEXT.get(name, name)


def format_number(x: float) -> str:
    """Four significant digits, short exponents: how numbers appear in drawings.

    Example:
        >>> [format_number(v) for v in (0.7310585, 2.0, -1.5e-5, 123456.0, float("nan"))]
        ['0.7311', '2', '-1.5e-5', '1.235e5', 'nan']
    """
    text = f"{x:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def record_text(text: str, limit: int = LABEL_LIMIT, *, record: bool = True) -> str:
    r"""Escape any string for one field of a Graphviz record label, so it cannot change the graph.

    Backslashes and the record syntax ``{ } | < >`` are backslash-escaped, a newline becomes the
    ``\n`` line break, and characters DOT cannot hold (control characters, lone surrogates) are
    shown as visible escapes. Long labels are shortened with an ellipsis. With ``record=False``
    the result suits a plain (non-record) label.

    Example:
        >>> print(record_text('a{b}|<c> "d" \\N' + chr(10) + chr(7)))
        a\{b\}\|\<c\> "d" \\N\n\\x07
    """
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    out: list[str] = []
    for ch in text:
        if ch == "\\" or (record and ch in "{}|<>"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cs", "Cn", "Zl", "Zp"):
            out.append("\\" + ascii(ch)[1:-1])
        else:
            out.append(ch)
    return "".join(out)


def grad_colours(g: float) -> tuple[str, str]:
    """The (fill, text) colours for a gradient: the decade of |g| on viridis, red if not finite.

    Example:
        >>> grad_colours(0.5), grad_colours(float("inf"))[0], grad_colours(0.0)[0]
        (('#35b779', 'black'), '#d62728', '#eeeeee')
    """
    if not math.isfinite(g):
        return RED, "white"
    if g == 0:
        return ZERO, "#555555"
    fill, text = GRAD_SCALE[0][1:3]
    for low, f, t, _ in GRAD_SCALE:
        if abs(g) >= low:
            fill, text = f, t
    return fill, text
