"""Commands for changes and CI: diff, baseline and check."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from maestro_graph.catalog import Catalog
from maestro_graph.cli.app import EXIT_CHECK_FAILED, main
from maestro_graph.cli.options import (
    band_option,
    catalog_of,
    emit,
    evidence_options,
    format_option,
    max_hops_option,
    model_input,
    output_option,
    rules_option,
)
from maestro_graph.engine.patterns import GROUPINGS
from maestro_graph.model import SystemModel
from maestro_graph.support.errors import MaestroInputError

if TYPE_CHECKING:
    from maestro_graph.regression import Baseline


@main.command()
@click.argument("old_file", metavar="OLD", type=click.Path(dir_okay=False))
@click.argument("new_file", metavar="NEW", type=click.Path(dir_okay=False))
@rules_option
@band_option(
    "--min-band",
    dest="min_band",
    default="low",
    help="Compare chains at or above this band (on either side).",
)
@max_hops_option
@format_option("table", "json", "md")
@output_option
def diff(
    old_file: str,
    new_file: str,
    rule_dirs: tuple[str, ...],
    min_band: str,
    max_hops: int,
    output_format: str,
    output: str | None,
) -> None:
    """MAESTRO step 6: the chains added, removed and changed between two versions of a model.

    OLD and NEW are model files; OLD may instead be a saved `paths --format json` output. Chains
    are matched by fingerprint (the id column of paths); each difference names its cause: the
    components and flows added, removed or changed (kind, exposure, trust, criticality,
    controls) on the chain's steps. Against a saved report, the report's own search options
    and lowest risk apply, and causes come from NEW only. Exit code 0 whatever the differences
    (use check to gate).

    \b
    Examples:
      maestro-graph diff main/architecture.yaml architecture.yaml
      maestro-graph diff old.yaml new.yaml --min-band high --format md -o diff.md
      maestro-graph paths architecture.yaml --format json -o chains.json   # later:
      maestro-graph diff chains.json architecture.yaml
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.regression import SavedReport, diff_analyses, diff_report, read_diff_input
    from maestro_graph.render import regression as render

    catalog = catalog_of(rule_dirs)
    old = read_diff_input(old_file, catalog)
    new = read_diff_input(new_file, catalog)
    if isinstance(new, SavedReport):
        raise MaestroInputError.single(
            new_file, None, "NEW must be a model file; a saved paths report can only be OLD"
        )
    labels = (old_file, new_file)
    new_analysis = analyze(new, catalog=catalog)
    if isinstance(old, SavedReport):
        result = diff_report(old, new_analysis, min_band=min_band, labels=labels)
    else:
        result = diff_analyses(
            analyze(old, catalog=catalog),
            new_analysis,
            min_band=min_band,
            max_hops=max_hops,
            labels=labels,
        )
    if output_format == "json":
        text = render.render_diff_json(result)
    elif output_format == "md":
        text = render.render_diff_markdown(result)
    else:
        text = render.render_diff_table(result)
    emit(text, output)


@main.command()
@model_input
@band_option(
    "--min-band",
    dest="min_band",
    default="medium",
    help="Accept the chains at or above this band.",
)
@click.option(
    "--owner",
    help="Owner written into every new entry. Without it, each new entry names the owners of "
    "the components its chain crosses (from the model's owner fields), or TODO when none has one.",
)
@click.option(
    "--justification",
    default="TODO: why this chain is accepted",
    show_default=True,
    help="Justification written into new entries.",
)
@click.option(
    "--expires-in",
    metavar="DAYS",
    type=click.IntRange(min=1, max=36_500),  # a century: far past any review cycle
    default=90,
    show_default=True,
    help="New acceptances expire this many days from today.",
)
@click.option(
    "--update",
    is_flag=True,
    help="Refresh the existing -o FILE: keep the justification, owner and expiry of entries "
    "whose chain is still present, drop the others, add new chains.",
)
@click.option(
    "--group-by",
    type=click.Choice(GROUPINGS),
    default="chain",
    show_default=True,
    help="chain: one entry per chain fingerprint. pair, target, layers: one pattern per "
    "(entry, target) component pair, per target component or per (entry layer, target layer), "
    "so a large model needs few justifications; check still matches fingerprints first.",
)
@max_hops_option
@output_option
def baseline(
    model: SystemModel,
    catalog: Catalog,
    min_band: str,
    owner: str | None,
    justification: str,
    expires_in: int,
    update: bool,
    group_by: str,
    max_hops: int,
    output: str | None,
) -> None:
    """Write a baseline: the current chains at or above a band, accepted as known risks.

    Each entry records the chain's fingerprint, layer signature, path, band and risk, with a
    justification, an owner and an expiry date for a human to review. A new entry's owner is
    the owners of the components its chain crosses (TODO when none has one), unless --owner
    names one for all. Commit the file next to the model and gate changes with check.

    With --group-by, the file accepts chains by pattern instead (accepted_patterns: entry,
    target, entry_layer, target_layer, rule, with * ? [..] wildcards), one per group with its
    highest band and chain count; edit or widen the patterns by hand as the review decides.

    \b
    Examples:
      maestro-graph baseline architecture.yaml -o maestro-baseline.yaml
      maestro-graph baseline big-model.yaml -o maestro-baseline.yaml --group-by layers
      maestro-graph baseline arch.yaml -o maestro-baseline.yaml --owner secteam --expires-in 30
      maestro-graph baseline architecture.yaml -o maestro-baseline.yaml --update
      maestro-graph baseline --example netmon --min-band high
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.regression import load_baseline, make_baseline

    previous = None
    if update:
        if not output:
            raise click.UsageError("--update needs -o FILE: the baseline to refresh")
        if Path(output).exists():
            previous = load_baseline(output)
    result = make_baseline(
        analyze(model, catalog=catalog),
        min_band,
        owner=owner,
        justification=justification,
        expires_in=expires_in,
        previous=previous,
        max_hops=max_hops,
        group_by=group_by,  # type: ignore[arg-type]  # click.Choice checked it
    )
    emit(result.to_yaml(), output)
    click.echo(_baseline_summary(result, previous, min_band.lower()), err=True)


def _baseline_summary(result: Baseline, previous: Baseline | None, band: str) -> str:
    """What ``baseline`` wrote, and what a human still has to fill in."""
    entries = result.entries
    if result.accepted_patterns:
        chains = sum(pattern.chains or 0 for pattern in result.accepted_patterns)
        head = (
            f"{len(entries)} pattern{'s' if len(entries) != 1 else ''} accept the {chains} "
            f"chains at or above {band}"
        )
        before = {p.criteria() for p in previous.accepted_patterns} if previous else set()
        kept = len({p.criteria() for p in result.accepted_patterns} & before)
    else:
        head = f"{len(entries)} chains at or above {band} accepted"
        kept = (
            len({e.id for e in result.accepted} & {e.id for e in previous.accepted})
            if previous
            else 0
        )
    unowned = sum(1 for entry in entries if entry.owner_placeholder)
    return (
        head
        + (f" ({kept} kept from the previous baseline)" if previous else "")
        + "; fill in each justification"
        + (f" and the {unowned} owner{'s' if unowned != 1 else ''} left TODO" if unowned else "")
    )


@main.command("check")
@model_input
@click.option(
    "--baseline",
    "baseline_file",
    metavar="FILE",
    required=True,
    type=click.Path(dir_okay=False),
    help="The baseline file (written by maestro-graph baseline).",
)
@band_option(
    "--fail-on",
    dest="fail_on",
    default="high",
    help="Fail on chains at or above this band that the baseline does not accept.",
)
@max_hops_option
@evidence_options()
@format_option("table", "json", "md", "sarif")
@output_option
def check_command(
    model: SystemModel,
    catalog: Catalog,
    baseline_file: str,
    fail_on: str,
    max_hops: int,
    evidence: str | None,
    evidence_on: str,
    output_format: str,
    output: str | None,
) -> None:
    """The CI gate: fail when a chain at or above a band is not accepted in the baseline.

    A chain fails when its fingerprint is not in the baseline, when its acceptance expired, or
    when its band rose above the band it was accepted at. Baseline entries that match no current
    chain are reported as stale. Exit code 1 when a chain fails, 0 when all are accepted, 2 on
    bad input (model, baseline or options).

    \b
    Examples:
      maestro-graph check architecture.yaml --baseline maestro-baseline.yaml
      maestro-graph check architecture.yaml --baseline maestro-baseline.yaml --fail-on medium
      maestro-graph check architecture.yaml --baseline maestro-baseline.yaml --format md -o check.md
      maestro-graph check arch.yaml --baseline maestro-baseline.yaml --format sarif -o chains.sarif
      maestro-graph check arch.yaml --baseline maestro-baseline.yaml --evidence realized
    """
    from maestro_graph.analysis import analyze
    from maestro_graph.regression import check, load_baseline
    from maestro_graph.render import regression as render

    accepted = load_baseline(baseline_file)
    result = check(
        analyze(model, catalog=catalog),
        accepted,
        fail_on,
        max_hops=max_hops,
        evidence=evidence,
        evidence_on=evidence_on,
    )
    if output_format == "json":
        text = render.render_check_json(result)
    elif output_format == "md":
        text = render.render_check_markdown(result)
    elif output_format == "sarif":
        from maestro_graph.render.sarif import render_sarif

        items = sorted((*result.failing, *result.accepted), key=lambda item: -item.chain.risk)
        accepted = {
            item.chain.id: item.acceptance.justification if item.acceptance else ""
            for item in result.accepted
        }
        text = render_sarif(model, catalog, [item.chain for item in items], accepted=accepted)
    else:
        text = render.render_check_table(result)
    emit(text, output)
    if output:
        click.echo(result.verdict(), err=True)
    if not result.passed:
        raise SystemExit(EXIT_CHECK_FAILED)
