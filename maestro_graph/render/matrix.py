"""Output of ``maestro-graph matrix``: the 7x7 layer matrix as table, json, csv."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from maestro_graph.engine.matrix import MatrixCell
from maestro_graph.model import SystemModel
from maestro_graph.model.layers import Layer
from maestro_graph.render.text import text_table

BAND_LETTER = {"low": "L", "medium": "M", "high": "H", "critical": "C"}


def _cell_text(cell: MatrixCell) -> str:
    if cell.chain is None:
        return "-"
    return f"{cell.chain.risk:.2f} {BAND_LETTER[cell.chain.band.value]} ({cell.pairs})"


def render_table(model: SystemModel, cells: Sequence[MatrixCell]) -> str:
    """Rows: the entry layer; columns: the final layer; each cell: best risk, band, pairs."""
    by_pair = {(c.source, c.target): c for c in cells}
    rows = [
        [f"{s.value} {s.info.name}"] + [_cell_text(by_pair[(s, t)]) for t in Layer] for s in Layer
    ]
    table = text_table(
        ["from \\ to", *[layer.value for layer in Layer]], rows, right=list(range(1, 8))
    )
    filled = sum(1 for c in cells if c.chain)
    best = [c for c in cells if c.chain]
    best.sort(key=lambda c: (-c.chain.risk, c.source.value, c.target.value))  # type: ignore[union-attr]
    lines = [
        f"Layer matrix of {model.name}: best chain from each layer (row, assumed compromised) "
        "to each layer (column)",
        "",
        table,
        "",
        "cell: risk of the best chain, band (L/M/H/C), "
        "(number of start/final component pairs joined);",
        f"- where no chain joins the layers. {filled} of 49 cells have a chain.",
    ]
    if best:
        lines += ["", "Best chains by cell"]
        for cell in best:
            chain = cell.chain
            assert chain is not None
            lines.append(
                f"  {cell.source.value} -> {cell.target.value}  {chain.risk:.3f}  {chain.path_text}"
            )
    return "\n".join(lines)


def _record(cell: MatrixCell) -> dict:
    return {
        "from": cell.source.value,
        "to": cell.target.value,
        "pairs": cell.pairs,
        "risk": round(cell.chain.risk, 4) if cell.chain else None,
        "band": cell.chain.band.value if cell.chain else None,
        "chain": cell.chain.to_record() if cell.chain else None,
    }


def render_json(model: SystemModel, cells: Sequence[MatrixCell], catalog_version: str) -> str:
    """``{"model", "catalog_version", "cells": [{from, to, pairs, risk, band, chain}]}``."""
    return json.dumps(
        {
            "model": model.name,
            "catalog_version": catalog_version,
            "cells": [_record(c) for c in cells],
        },
        indent=2,
    )


def render_csv(cells: Sequence[MatrixCell]) -> str:
    """One row per cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["from", "to", "pairs", "risk", "band", "chain_id", "path"])
    for c in cells:
        writer.writerow(
            [
                c.source.value,
                c.target.value,
                c.pairs,
                round(c.chain.risk, 4) if c.chain else "",
                c.chain.band.value if c.chain else "",
                c.chain.id if c.chain else "",
                c.chain.path_text if c.chain else "",
            ]
        )
    return buffer.getvalue().rstrip("\n")


def render_markdown(model: SystemModel, cells: Sequence[MatrixCell]) -> str:
    """The matrix as a Markdown table, then the best chain of each filled cell.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> analysis = mg.analyze(mg.example("netmon"))
    >>> text = render_markdown(analysis.model, analysis.layer_matrix(max_hops=3))
    >>> text.splitlines()[2]
    '| from \\\\ to | L1 | L2 | L3 | L4 | L5 | L6 | L7 |'
    """
    from maestro_graph.render.text import markdown_table

    by_pair = {(c.source, c.target): c for c in cells}
    rows = [
        [f"{s.value} {s.info.name}"] + [_cell_text(by_pair[(s, t)]) for t in Layer] for s in Layer
    ]
    lines = [
        f"## Layer matrix of {model.name}",
        "",
        markdown_table(["from \\ to", *[layer.value for layer in Layer]], rows),
        "",
        "Rows: the layer assumed compromised; columns: where the chain ends. Cell: risk of the "
        "best chain, band (L/M/H/C), (start/final component pairs joined); - where no chain "
        "joins the layers.",
    ]
    best = sorted(
        (c for c in cells if c.chain),
        key=lambda c: (-c.chain.risk, c.source.value, c.target.value),  # type: ignore[union-attr]
    )
    if best:
        lines += ["", "| from | to | risk | best chain |", "|---|---|---|---|"]
        lines += [
            f"| {c.source.value} | {c.target.value} | {c.chain.risk:.3f} | "  # type: ignore[union-attr]
            f"{c.chain.path_text.replace('|', chr(92) + '|')} |"  # type: ignore[union-attr]
            for c in best
        ]
    return "\n".join(lines)
