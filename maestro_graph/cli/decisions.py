"""The mitigation command: the fewest placements that bring every chain below a band."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from maestro_graph.catalog import Catalog
from maestro_graph.cli.app import main
from maestro_graph.cli.options import (
    HUMAN_FORMATS,
    band_option,
    echo_model_warnings,
    emit,
    format_option,
    hops_option,
    model_input,
    output_option,
)
from maestro_graph.model import SystemModel

if TYPE_CHECKING:
    pass


@main.command()
@model_input
@band_option(
    "--threshold",
    dest="band",
    default="high",
    choices=["medium", "high", "critical"],
    help="The band the plan works against: every chain goes below it, or with --budget, the "
    "chains that can reach it count.",
)
@click.option(
    "--budget",
    type=click.IntRange(min=1),
    help="Instead: the N placements that take the most risk below --band (exact).",
)
@hops_option(8)
@format_option("table", "json", "md")
@output_option
def mitigate(
    model: SystemModel,
    catalog: Catalog,
    band: str,
    budget: int | None,
    max_hops: int,
    output_format: str,
    output: str | None,
) -> None:
    """MAESTRO step 5: where to place which controls to cut the chains.

    --band BAND (default high; --threshold is the older spelling): the fewest control placements
    that bring every chain below BAND, proven optimal by HiGHS over the routes the search finds
    round by round.
    --budget N: the N placements that take the most risk below the band (the chains they cut,
    proven optimal by HiGHS over every route that can reach it). Only controls that act where they
    are placed (they mitigate the entry threat there or block a rule the chain uses), on
    components the defender operates or flows from them, are proposed, and the plan is verified
    by re-analysing the model with the placements applied.

    \b
    Examples:
      maestro-graph mitigate --example netmon
      maestro-graph mitigate arch.yaml --band medium
      maestro-graph mitigate arch.yaml --budget 3 --format json
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.render import mitigation as render

    analysis = analyze(model, catalog=catalog)
    if budget is not None:
        plan = analysis.mitigate(budget=budget, band=band, max_hops=max_hops)
    else:
        plan = analysis.mitigate(threshold=band, max_hops=max_hops)
    if output_format == "json":
        text = render.render_json(model, catalog, plan)
    elif output_format == "md":
        text = render.render_markdown(model, catalog, plan)
    else:
        text = render.render_table(model, catalog, plan)
    if output_format in HUMAN_FORMATS:
        echo_model_warnings(analysis)
    emit(text, output)
