"""Plain-text and Markdown tables shared by the renderers."""

from __future__ import annotations

from collections.abc import Sequence


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[int] = ()
) -> str:
    """An aligned plain-text table; columns listed in ``right`` are right-aligned.

    Examples
    --------
    >>> print(text_table(["id", "n"], [["a", 1], ["bb", 22]], right=[1]))
    id   n
    a    1
    bb  22
    """
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped).

    Examples
    --------
    >>> print(markdown_table(["a", "b"], [[1, "x|y"]]))
    | a | b |
    |---|---|
    | 1 | x\\|y |
    """

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def shorten(items: Sequence[str], keep: int = 2) -> str:
    """``"a, b +3"``: the first items of a list and how many more.

    Examples
    --------
    >>> shorten(["a", "b", "c", "d"])
    'a, b +2'
    >>> shorten([])
    '-'
    """
    if not items:
        return "-"
    extra = len(items) - keep
    return ", ".join(items[:keep]) + (f" +{extra}" if extra > 0 else "")
