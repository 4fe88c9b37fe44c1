"""Saved ``paths --format json`` reports: read them and compare a model against one."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from maestro_graph.catalog.conformance import checked_model
from maestro_graph.engine.ranking import (
    Chain,
    ChainQuery,
    chain_fingerprint,
    search_chains,
)
from maestro_graph.engine.risk import Band, band_floor
from maestro_graph.model import Flow, SystemModel
from maestro_graph.model.loading import DEFAULT_LIMITS, Document, Limits, read_document
from maestro_graph.regression.diff import (
    Cause,
    ChainChange,
    ChainDiff,
    DiffSide,
    diff_chains,
    flows_by_key,
    scope_text,
)
from maestro_graph.regression.files import BandField, Fingerprint, validation_problems
from maestro_graph.regression.snapshot import (
    RISK_TOLERANCE,
    ChainSnapshot,
    FlowKey,
    flow_text,
    parse_band,
)
from maestro_graph.support.errors import MaestroInputError

if TYPE_CHECKING:
    from maestro_graph.analysis import Analysis
    from maestro_graph.catalog import Catalog


# -- saved `paths --format json` reports ----------------------------------------------------------


class _ReportFlow(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    source: str = Field(alias="from")
    target: str = Field(alias="to")
    kind: str


class _ReportStep(BaseModel):
    model_config = ConfigDict(extra="ignore")
    component: str
    threat: str
    flow: _ReportFlow | None = None
    likelihood: float | None = None


class _ReportChain(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: Fingerprint
    risk: float = Field(ge=0)
    band: BandField
    layers: list[str] = Field(default_factory=list)
    steps: list[_ReportStep] = Field(min_length=1)


class _Report(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: str
    catalog_version: str | None = None
    query: str | None = None
    chains: list[_ReportChain]


@dataclass(frozen=True)
class SavedReport:
    """A saved ``maestro-graph paths --format json`` output, used as the old side of a diff.

    Attributes
    ----------
    source : str
        The file.
    model : str
        The model name recorded in it.
    catalog_version : str or None
    query : str or None
        The ``query`` line: what was searched.
    chains : tuple of ChainSnapshot
    """

    source: str
    model: str
    catalog_version: str | None
    query: str | None
    chains: tuple[ChainSnapshot, ...]


def is_report_data(data: Any) -> bool:
    """True when parsed data looks like a ``paths --format json`` output, not a model."""
    return isinstance(data, dict) and "chains" in data and "maestro" not in data


def report_from_document(document: Document) -> SavedReport:
    """Validate a parsed ``paths --format json`` document.

    Raises
    ------
    MaestroInputError
        For missing or mistyped fields, malformed fingerprints, and ids that do not match the
        chain's own steps, each with its line.
    """
    try:
        report = _Report.model_validate(document.data)
    except ValidationError as error:
        raise MaestroInputError(validation_problems(error, document, _Report)) from None
    problems = []
    chains = []
    for index, record in enumerate(report.chains):
        keys = tuple((step.component, step.threat) for step in record.steps)
        if chain_fingerprint(keys) != record.id:
            problems.append(
                document.problem(
                    ("chains", index, "id"),
                    f"chains[{index}].id: {record.id} is not the fingerprint of the chain's steps "
                    f"({chain_fingerprint(keys)}); was the file edited by hand?",
                )
            )
            continue
        layers = record.layers or []
        chains.append(
            ChainSnapshot(
                id=record.id,
                signature=" > ".join(layers),
                path=" > ".join(f"{c}[{t}]" for c, t in keys),
                risk=record.risk,
                band=record.band,
                keys=keys,
                flows=tuple(
                    (s.flow.source, s.flow.target, s.flow.kind) if s.flow else None
                    for s in record.steps
                ),
                likelihoods=tuple(s.likelihood for s in record.steps),
            )
        )
    if problems:
        raise MaestroInputError(problems)
    return SavedReport(
        document.source, report.model, report.catalog_version, report.query, tuple(chains)
    )


def parse_query_description(text: str | None) -> tuple[dict[str, Any], list[str]]:
    """Read back the ``query`` line of a saved ``paths`` report into search options.

    Returns the options for :meth:`Analysis.query` and the parts that were not understood.

    Examples
    --------
    >>> parse_query_description("any layer mix; all chains; at most 4 hops; from L2,L7")
    ({'distinct': 'none', 'max_hops': 4, 'source_layers': ['L2', 'L7']}, [])
    >>> parse_query_description("cross-layer only; best chain per entry/target pair; x y")
    ({'cross_layer_only': True, 'distinct': 'pair'}, ['x y'])
    """
    options: dict[str, Any] = {}
    unknown: list[str] = []
    for part in (p.strip() for p in (text or "").split(";")):
        if not part or part in {"any layer mix", "single-layer included", "best chain per route"}:
            continue
        if part in {"cross-layer", "cross-layer only"}:  # "cross-layer" was the old default
            options["cross_layer_only"] = True
        elif part == "best chain per entry/target pair":
            options["distinct"] = "pair"
        elif part == "all chains":
            options["distinct"] = "none"
        elif part.startswith("assume breach"):
            options["assume_breach"] = True
        elif match := re.fullmatch(r"at most (\d+) hops", part):
            options["max_hops"] = int(match.group(1))
        elif match := re.fullmatch(r"(from|to|through|entry|target) (\S+)", part):
            name = {
                "from": "source_layers",
                "to": "target_layers",
                "through": "through_layers",
                "entry": "entry",
                "target": "target",
            }[match.group(1)]
            options[name] = match.group(2).split(",")
        else:
            unknown.append(part)
    return options, unknown


def diff_report(
    report: SavedReport,
    new: Analysis,
    *,
    min_band: Band | str = Band.LOW,
    labels: tuple[str, str] | None = None,
) -> ChainDiff:
    """Compare a saved ``paths --format json`` report with a model's current chains.

    The new side is searched with the report's own options (read back from its ``query`` line).
    A saved report may be a top N, so a current chain missing from it counts as added only when
    its risk reaches the report's lowest risk (it would have been listed); a report chain missing
    from the current ones is looked up exactly in the current attack graph. No old model is
    available: chains are compared by id, risk and band, and causes come from the new model only
    (components and flows of a removed chain that no longer exist; for a changed chain, the steps
    whose likelihood moved, with the controls now in place).

    Parameters
    ----------
    report : SavedReport
        From :func:`read_diff_input` or :func:`report_from_document`.
    new : Analysis
    min_band : Band or str, default "low"
    labels : (str, str), optional
        How to name the two sides (default: the report's file and the model's).

    Returns
    -------
    ChainDiff

    Raises
    ------
    MaestroInputError
        When the report's options do not apply to the new model (e.g. an unknown component).

    Examples
    --------
    >>> import json
    >>> import maestro_graph as mg
    >>> from maestro_graph.model.loading import parse_document
    >>> analysis = mg.analyze(mg.example("netmon"))
    >>> shown = analysis.paths(top=5, max_hops=6, distinct="pair", cross_layer_only=True)
    >>> saved = {"model": analysis.model.name, "chains": shown.to_records(),
    ...          "query": "cross-layer; best chain per entry/target pair; at most 6 hops"}
    >>> report = report_from_document(parse_document(json.dumps(saved), "c.json", is_json=True))
    >>> diff_report(report, analysis).empty
    True
    """
    band = parse_band(min_band, "--min-band")
    options, unknown = parse_query_description(report.query)
    options.setdefault("max_hops", 6)
    query = new.query(top=None, **options)
    current, cutoff = _current_chains(report, new, band, query)
    result = diff_chains(
        report.chains,
        current,
        min_band=band,
        new_graph=new.attack_graph,
        any_start=query.assume_breach,
        catalog_versions=(report.catalog_version, new.catalog.version),
    )
    flows = flows_by_key(new.model)

    def rebuild(changes: tuple[ChainChange, ...]) -> tuple[ChainChange, ...]:
        return tuple(dataclasses.replace(c, causes=_report_causes(c, new, flows)) for c in changes)

    model = new.model
    old_label, new_label = labels or (report.source, model.source or model.name)
    return dataclasses.replace(
        result,
        added=rebuild(result.added),
        removed=rebuild(result.removed),
        changed=rebuild(result.changed),
        old=DiffSide(old_label, report.model, report.catalog_version, "report"),
        new=DiffSide(new_label, model.name, new.catalog.version, "model"),
        scope=f"chains at or above {band.value}; searched as the report: "
        + (report.query or scope_text(band, options["max_hops"]).split("; ", 1)[1]),
        notes=tuple(_report_notes(report, new, unknown, cutoff)),
    )


def _current_chains(
    report: SavedReport, new: Analysis, band: Band, query: ChainQuery
) -> tuple[list[Chain], float]:
    """The model's chains to compare with the report's, and the report's lowest risk.

    A chain tied with the report's last one may have been cut by the tie-break: only chains
    above the report's lowest risk would certainly have been listed.
    """
    cutoff = min((c.risk for c in report.chains), default=0.0)
    listed = {c.id for c in report.chains}
    floor = max(band_floor(band), cutoff - RISK_TOLERANCE, 0.0)
    query = dataclasses.replace(query, min_risk=floor)
    current = [
        c
        for c in search_chains(new.attack_graph, query)
        if c.band.rank >= band.rank
        and (c.id in listed or not report.chains or c.risk > cutoff + RISK_TOLERANCE)
    ]
    return current, cutoff


def _report_causes(
    change: ChainChange, new: Analysis, flows: Mapping[FlowKey, Flow]
) -> tuple[Cause, ...]:
    """Causes of one difference from the new model alone (the report holds no old model)."""
    model = new.model
    causes = [c for c in change.causes if c.kind in {"pair", "catalog"}]
    chain = change.chain
    if change.status == "removed":
        for component_id, _ in chain.keys:
            if not model.has_component(component_id):
                causes.append(Cause("component", component_id, "removed"))
        for flow in chain.flows:
            if flow is not None and flow not in flows:
                causes.append(Cause("flow", flow_text(flow), "removed"))
    if change.status == "changed" and chain.likelihoods:
        causes += _step_causes(chain, new, flows)
    if not causes:
        causes.append(
            Cause("unknown", "", "no old model: the cause cannot be derived from a saved report")
        )
    return tuple(causes)


def _step_causes(chain: ChainSnapshot, new: Analysis, flows: Mapping[FlowKey, Flow]) -> list[Cause]:
    """The steps whose likelihood differs from the report's, with the controls now on them."""
    model = new.model
    causes = []
    now = _current_steps(new, chain)
    for number, ((component_id, threat), before, after) in enumerate(
        zip(chain.keys, chain.likelihoods, now, strict=False), start=1
    ):
        if before is None or after is None or math.isclose(before, after, abs_tol=1e-6):
            continue
        where = (
            _describe_controls(model.component(component_id).controls)
            if model.has_component(component_id)
            else ""
        )
        step_flow = chain.flows[number - 1]
        if step_flow is not None and step_flow in flows:
            where += f"; flow {flow_text(step_flow)} " + _describe_controls(
                flows[step_flow].controls
            )
        causes.append(
            Cause(
                "step",
                f"{number} {component_id}[{threat}]",
                f"likelihood {before:.3f} -> {after:.3f}",
                (f"component {component_id} {where}",),
            )
        )
    return causes


def _report_notes(
    report: SavedReport, new: Analysis, unknown: list[str], cutoff: float
) -> list[str]:
    """What a diff against a saved report cannot tell, said in its notes."""
    # Current chains below the report's lowest risk were not searched (they would not have been
    # listed); report chains that fell below it were looked up exactly.
    notes = [
        "OLD is a saved paths report, not a model: chains are compared by id, risk and band; "
        "causes are derived from the new model only"
    ]
    if report.chains:
        notes.append(
            f"current chains not above the report's lowest risk ({cutoff:.4f}) are not "
            "compared (a saved report may be a top N)"
        )
    if unknown:
        notes.append(f"ignored parts of the report's query: {'; '.join(unknown)}")
    if report.catalog_version and report.catalog_version != new.catalog.version:
        notes.append(
            f"the report was made with catalog {report.catalog_version}, the model is analysed "
            f"with {new.catalog.version}: fingerprints and risks may have moved because rules "
            "changed"
        )
    return notes


def _describe_controls(controls: Sequence[str]) -> str:
    return "controls now: " + (", ".join(controls) or "none")


def _current_steps(analysis: Analysis, chain: ChainSnapshot) -> list[float | None]:
    graph = analysis.attack_graph
    try:
        path = [graph.state_index[key] for key in chain.keys]
    except KeyError:
        return []
    likelihoods: list[float | None] = [graph.states[path[0]].start_likelihood]
    for source, target in pairwise(path):
        found = next(
            (
                graph.transitions[t].likelihood
                for t in graph.successors[source]
                if graph.transitions[t].target == target
            ),
            None,
        )
        likelihoods.append(found)
    return likelihoods


def read_diff_input(
    path: str | Path, catalog: Catalog, *, limits: Limits = DEFAULT_LIMITS
) -> SystemModel | SavedReport:
    """Read one side of ``maestro-graph diff``: a model file, or a saved ``paths`` JSON report.

    Parameters
    ----------
    path : str or Path
    catalog : Catalog
        The vocabulary a model is checked against.
    limits : Limits

    Returns
    -------
    SystemModel or SavedReport
        A report when the file holds ``chains`` and no ``maestro`` key.

    Raises
    ------
    MaestroInputError
        For a missing or malformed file.
    """
    document = read_document(path, limits=limits)
    if is_report_data(document.data):
        return report_from_document(document)
    return checked_model(document, catalog, limits=limits)
