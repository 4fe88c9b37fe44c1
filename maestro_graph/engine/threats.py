"""MAESTRO step 2: every threat that applies to every component, scored with its evidence.

Examples
--------
>>> import maestro_graph as mg
>>> findings = enumerate_threats(mg.example("netmon"), mg.load_catalog())
>>> top = findings[0]
>>> top.risk >= findings[-1].risk
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from maestro_graph.catalog import Catalog
from maestro_graph.catalog.types import Maturity, Threat
from maestro_graph.engine.risk import Band, RiskSettings, band_for, combined_impact, control_factor
from maestro_graph.model import Component, SystemModel
from maestro_graph.model.layers import Layer


@dataclass(frozen=True)
class AtlasEvidence:
    """An ATLAS technique linked to a threat, with its maturity."""

    id: str
    name: str
    maturity: Maturity


@dataclass(frozen=True)
class ThreatFinding:
    """One threat at one component, scored (DESIGN section 5)."""

    component: Component
    threat: Threat
    maturity: Maturity | None
    maturity_factor: float
    controls_present: tuple[str, ...]
    controls_missing: tuple[str, ...]
    control_factor: float
    likelihood: float
    impact: float
    risk: float
    band: Band
    entry: bool
    atlas: tuple[AtlasEvidence, ...]

    @property
    def layer(self) -> Layer:
        """The component's layer."""
        return self.component.layer

    def to_record(self) -> dict[str, Any]:
        """The finding as plain data: one row of ``threats`` output (JSON, CSV, DataFrame)."""
        return {
            "component": self.component.id,
            "component_name": self.component.name,
            "layer": self.component.layer.value,
            "kind": self.component.kind,
            "threat": self.threat.id,
            "threat_name": self.threat.name,
            "threat_layer": self.threat.layer.value,
            "likelihood": round(self.likelihood, 4),
            "impact": round(self.impact, 4),
            "risk": round(self.risk, 4),
            "band": self.band.value,
            "entry": self.entry,
            "base_likelihood": self.threat.likelihood,
            "maturity": self.maturity.value if self.maturity else None,
            "maturity_factor": self.maturity_factor,
            "control_factor": round(self.control_factor, 4),
            "atlas": [{"id": e.id, "maturity": e.maturity.value} for e in self.atlas],
            "controls_present": list(self.controls_present),
            "controls_missing": list(self.controls_missing),
            "owasp": list(self.threat.owasp),
        }


def atlas_links(catalog: Catalog, ids: Iterable[str]) -> tuple[AtlasEvidence, ...]:
    """The ATLAS techniques with these ids, in the given order."""
    return tuple(AtlasEvidence(i, catalog.atlas[i].name, catalog.atlas[i].maturity) for i in ids)


def atlas_evidence(threat: Threat, catalog: Catalog) -> tuple[AtlasEvidence, ...]:
    """The ATLAS techniques of a threat, strongest maturity first (then by id)."""
    evidence = atlas_links(catalog, threat.atlas)
    return tuple(sorted(evidence, key=lambda e: (-e.maturity.strength, e.id)))


def score_threat(
    component: Component,
    threat: Threat,
    catalog: Catalog,
    settings: RiskSettings,
    *,
    is_entry_component: bool,
) -> ThreatFinding:
    """Score one threat at one component."""
    maturity = catalog.maturity_of(threat.atlas)
    maturity_factor = settings.maturity_factor(maturity)
    present = tuple(c for c in threat.mitigated_by if c in component.controls)
    missing = tuple(c for c in threat.mitigated_by if c not in component.controls)
    reduction = control_factor(catalog.controls[c].effectiveness for c in present)
    likelihood = threat.likelihood * maturity_factor * reduction
    impact = combined_impact(threat.impact, component.criticality)
    return ThreatFinding(
        component=component,
        threat=threat,
        maturity=maturity,
        maturity_factor=maturity_factor,
        controls_present=present,
        controls_missing=missing,
        control_factor=reduction,
        likelihood=likelihood,
        impact=impact,
        risk=likelihood * impact,
        band=band_for(likelihood, impact),
        entry=is_entry_component and threat.entry,
        atlas=atlas_evidence(threat, catalog),
    )


def enumerate_threats(
    model: SystemModel, catalog: Catalog, settings: RiskSettings | None = None
) -> list[ThreatFinding]:
    """Every (component, threat) pair where the threat applies to the component's kind.

    Parameters
    ----------
    model : SystemModel
    catalog : Catalog
    settings : RiskSettings, optional

    Returns
    -------
    list of ThreatFinding
        Highest risk first; ties broken by component id, then threat id, so the order is stable.
    """
    settings = settings or RiskSettings()
    entries = {c.id for c in model.entry_components()}
    findings = [
        score_threat(
            component, threat, catalog, settings, is_entry_component=component.id in entries
        )
        for component in model.components
        for threat in catalog.threats_for_kind(component.kind)
    ]
    return sorted(findings, key=lambda f: (-round(f.risk, 12), f.component.id, f.threat.id))


@dataclass(frozen=True)
class LayerCoverage:
    """How much of one layer the model covers."""

    layer: Layer
    components: int
    threats: int
    findings: int


class Coverage(list[LayerCoverage]):
    """The coverage rows, L1 to L7: a list (as before) that also turns into a DataFrame, like
    the other tables of an analysis.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> coverage = mg.analyze(mg.example("netmon")).coverage()
    >>> coverage[0].layer.value, list(coverage.to_frame().columns)
    ('L1', ['layer', 'name', 'components', 'threats', 'findings'])
    """

    def to_frame(self) -> Any:
        """One row per layer: layer, its name, components, threats, findings."""
        import pandas as pd

        rows = [
            [c.layer.value, c.layer.info.name, c.components, c.threats, c.findings] for c in self
        ]
        return pd.DataFrame(rows, columns=["layer", "name", "components", "threats", "findings"])

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False)


def layer_coverage(model: SystemModel, findings: list[ThreatFinding]) -> Coverage:
    """Per layer: components, distinct threats that apply, and (component, threat) findings."""
    rows = Coverage()
    for layer in Layer:
        on_layer = [f for f in findings if f.component.layer is layer]
        rows.append(
            LayerCoverage(
                layer=layer,
                components=len(model.components_on(layer)),
                threats=len({f.threat.id for f in on_layer}),
                findings=len(on_layer),
            )
        )
    return rows
