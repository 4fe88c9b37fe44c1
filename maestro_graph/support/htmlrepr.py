"""Small HTML tables for Jupyter (``_repr_html_``).

It imports nothing of the package, so models, chains and analyses can show themselves in a
notebook without the core importing the renderers (a layer's coloured label is
:func:`maestro_graph.model.layers.layer_badge`).

Examples
--------
>>> html_table(["a"], [["<b>"]], caption="x").startswith("<table")
True
"""

from __future__ import annotations

import html
from collections.abc import Sequence

_STYLE = "border-collapse:collapse;font-size:12px;margin:4px 0"
_CELL = "border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top"


class Raw(str):
    """A cell value that is already HTML and must not be escaped."""


def html_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, caption: str = ""
) -> str:
    """An HTML table; cells are escaped unless they are :class:`Raw`."""

    def cell(value: object) -> str:
        return value if isinstance(value, Raw) else html.escape(str(value))

    head = "".join(f'<th style="{_CELL};background:#f3f3f3">{html.escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td style="{_CELL}">{cell(c)}</td>' for c in row) + "</tr>"
        for row in rows
    )
    title = (
        f'<caption style="text-align:left;font-weight:600">{html.escape(caption)}</caption>'
        if caption
        else ""
    )
    table = f'<table style="{_STYLE}">{title}<thead><tr>{head}</tr></thead>'
    return f"{table}<tbody>{body}</tbody></table>"
