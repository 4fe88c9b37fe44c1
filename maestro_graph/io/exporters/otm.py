"""The model as an Open Threat Model 0.2.0 file: ``maestro-graph export MODEL --to otm``.

OTM is read by IriusRisk, StartLeft and other threat-modelling tools. The file is pretty,
deterministic JSON: components and dataflows keep the model's order, everything else is sorted.
Every element carries ``maestro.*`` attributes, so ``maestro-graph import`` gives back the same
model (ids, layers, kinds, exposure, trust, criticality, owners, tags, properties and controls;
flow kinds, labels and controls; the attacker section).

Notes
-----
================================  =========================================================
maestro-graph                     OTM 0.2.0
================================  =========================================================
system name, description          ``project.name``, ``project.id`` (its slug),
                                  ``project.description``
attacker section                  ``project.attributes["maestro.attacker"]``
each (exposure, trust) pair used  one trust zone, id ``<exposure>-<trust>``, with a
                                  ``risk.trustRating`` (table below)
component                         component: same id and name, ``type`` = kind, ``parent``
                                  = its trust zone, ``tags``; attributes ``maestro.layer``,
                                  ``maestro.kind``, ``maestro.exposure``, ``maestro.trust``,
                                  ``maestro.criticality``, ``maestro.controls``,
                                  ``maestro.owner``, ``maestro.tags``, ``maestro.properties``
threat found on a component       component threat (state ``mitigated`` when a control in
                                  place cuts it, else ``exposed``) whose mitigations are the
                                  controls in place (``implemented``) and missing
                                  (``required``); one top-level threat per catalog threat,
                                  its risk the highest likelihood and impact found, 0..100
flow                              dataflow ``<from>-><to>:<kind>``, ``source`` and
                                  ``destination``, name = label; attributes
                                  ``maestro.kind``, ``maestro.label``, ``maestro.controls``
catalog control in use            top-level mitigation: id, name, description,
                                  ``riskReduction`` = effectiveness x 100
================================  =========================================================

==========  =========  ===========
exposure    trust      trustRating
==========  =========  ===========
public      untrusted  5
partner     untrusted  15
public      trusted    20
internal    untrusted  25
isolated    untrusted  30
partner     trusted    50
internal    trusted    80
isolated    trusted    100
==========  =========  ===========

The ratings follow the importer's reading of a rating (<= 30 public and untrusted, 31..69
partner, >= 70 internal): every zone where the default attacker starts (public or untrusted)
is rated 30 or less, so a tool that drops the attributes still starts chains there.

Examples
--------
>>> import json
>>> import maestro_graph as mg
>>> document = json.loads(render(mg.analyze(mg.example("netmon"))))
>>> document["otmVersion"], len(document["components"])
('0.2.0', 16)
>>> [zone["id"] for zone in document["trustZones"]]
['public-untrusted', 'partner-untrusted', 'partner-trusted', 'internal-trusted']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from maestro_graph.io.exporters import ExportFormat
from maestro_graph.io.importers.base import slug
from maestro_graph.io.importers.otm import ATTRIBUTE_PREFIX
from maestro_graph.model import Component, Flow, SystemModel

if TYPE_CHECKING:
    from maestro_graph.analysis import Analysis
    from maestro_graph.catalog import Catalog
    from maestro_graph.engine.threats import ThreatFinding

OTM_VERSION = "0.2.0"

#: The trust rating of each (exposure, trust) zone; see the module docstring.
ZONE_RATINGS: Mapping[tuple[str, str], int] = {
    ("public", "untrusted"): 5,
    ("partner", "untrusted"): 15,
    ("public", "trusted"): 20,
    ("internal", "untrusted"): 25,
    ("isolated", "untrusted"): 30,
    ("partner", "trusted"): 50,
    ("internal", "trusted"): 80,
    ("isolated", "trusted"): 100,
}
_EXPOSURE_WORDS = {
    "public": "Public",
    "partner": "Partner",
    "internal": "Internal",
    "isolated": "Isolated",
}


def _sorted_data(value: Any) -> Any:
    """Plain data with every mapping's keys sorted, so equal models give equal bytes."""
    if isinstance(value, Mapping):
        return {str(key): _sorted_data(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [_sorted_data(item) for item in value]
    return value


def _attributes(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``maestro.*`` attributes of the fields that are set, sorted by name."""
    return {
        f"{ATTRIBUTE_PREFIX}{name}": _sorted_data(value)
        for name, value in sorted(fields.items())
        if value not in (None, (), [], {})
    }


def zone_id(component: Component) -> str:
    """The id of the trust zone a component is placed in: ``<exposure>-<trust>``."""
    return f"{component.exposure.value}-{component.trust.value}"


def _trust_zones(model: SystemModel) -> list[dict[str, Any]]:
    pairs = {(c.exposure.value, c.trust.value) for c in model.components}
    zones = []
    for exposure, trust in sorted(pairs, key=lambda pair: (ZONE_RATINGS[pair], pair)):
        zones.append(
            {
                "id": f"{exposure}-{trust}",
                "name": f"{_EXPOSURE_WORDS[exposure]}, {trust}",
                "type": exposure,
                "description": f"Components with exposure {exposure} and {trust} content",
                "risk": {"trustRating": ZONE_RATINGS[(exposure, trust)]},
                "attributes": _attributes({"exposure": exposure, "trust": trust}),
            }
        )
    return zones


def _component_threat(finding: ThreatFinding) -> dict[str, Any]:
    mitigations = [{"mitigation": c, "state": "implemented"} for c in finding.controls_present]
    mitigations += [{"mitigation": c, "state": "required"} for c in finding.controls_missing]
    return {
        "threat": finding.threat.id,
        "state": "mitigated" if finding.controls_present else "exposed",
        "mitigations": sorted(mitigations, key=lambda entry: entry["mitigation"]),
    }


def _component(component: Component, findings: list[ThreatFinding]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": component.id,
        "name": component.name,
        "type": component.kind,
    }
    description = component.properties.get("description")
    if isinstance(description, str) and description.strip():
        data["description"] = description.strip()
    data["parent"] = {"trustZone": zone_id(component)}
    if component.tags:
        data["tags"] = sorted(component.tags)
    if findings:
        data["threats"] = [
            _component_threat(finding)
            for finding in sorted(findings, key=lambda finding: finding.threat.id)
        ]
    data["attributes"] = _attributes(
        {
            "layer": component.layer.value,
            "kind": component.kind,
            "exposure": component.exposure.value,
            "trust": component.trust.value,
            "criticality": component.criticality,
            "controls": sorted(component.controls),
            "owner": component.owner,
            "tags": sorted(component.tags),
            "properties": component.properties,
        }
    )
    return data


def _dataflow(flow: Flow) -> dict[str, Any]:
    return {
        "id": f"{flow.source}->{flow.target}:{flow.kind.value}",
        "name": flow.label or f"{flow.source} {flow.kind.value} {flow.target}",
        "bidirectional": False,
        "source": flow.source,
        "destination": flow.target,
        "attributes": _attributes(
            {"kind": flow.kind.value, "label": flow.label, "controls": sorted(flow.controls)}
        ),
    }


def _threats(findings: tuple[ThreatFinding, ...]) -> list[dict[str, Any]]:
    """One OTM threat per catalog threat found, with the highest likelihood and impact."""
    by_threat: dict[str, list[ThreatFinding]] = {}
    for finding in findings:
        by_threat.setdefault(finding.threat.id, []).append(finding)
    threats = []
    for threat_id in sorted(by_threat):
        found = by_threat[threat_id]
        threat = found[0].threat
        entry: dict[str, Any] = {
            "id": threat_id,
            "name": threat.name,
            "description": threat.description.strip(),
            "categories": [category.value for category in threat.stride],
            "risk": {
                "likelihood": round(max(f.likelihood for f in found) * 100),
                "likelihoodComment": "the highest likelihood among the components it is found on",
                "impact": round(max(f.impact for f in found) / 5 * 100),
                "impactComment": "the highest impact among the components it is found on",
            },
        }
        if threat.owasp:
            entry["tags"] = sorted(threat.owasp)
        entry["attributes"] = _attributes(
            {"layer": threat.layer.value, "atlas": list(threat.atlas)}
        )
        threats.append(entry)
    return threats


def _mitigations(control_ids: set[str], catalog: Catalog) -> list[dict[str, Any]]:
    mitigations = []
    for control_id in sorted(control_ids):
        control = catalog.controls.get(control_id)
        if control is None:  # a model checked against another catalog
            mitigations.append({"id": control_id, "name": control_id, "riskReduction": 0})
            continue
        mitigations.append(
            {
                "id": control_id,
                "name": control.name,
                "description": control.description.strip(),
                "riskReduction": round(control.effectiveness * 100),
                "attributes": _attributes(
                    {"layer": control.layer.value, "placement": list(control.placement)}
                ),
            }
        )
    return mitigations


def _project(model: SystemModel) -> dict[str, Any]:
    project: dict[str, Any] = {"name": model.name, "id": slug(model.name, "system")}
    if model.system.description:
        project["description"] = model.system.description
    attacker = model.attacker
    attacker_data = {}
    if attacker is not None:
        attacker_data = {
            key: list(value)
            for key, value in (("entry", attacker.entry), ("targets", attacker.targets))
            if value is not None
        }
    project["attributes"] = _attributes({"generator": "maestro-graph", "attacker": attacker_data})
    return project


def otm_document(analysis: Analysis) -> dict[str, Any]:
    """The OTM 0.2.0 document of an analysed model, as plain data."""
    model = analysis.model
    findings: dict[str, list[ThreatFinding]] = {}
    for finding in analysis.findings:
        findings.setdefault(finding.component.id, []).append(finding)
    used = {control for c in model.components for control in c.controls}
    used |= {control for flow in model.flows for control in flow.controls}
    for finding in analysis.findings:
        used |= set(finding.controls_present) | set(finding.controls_missing)
    return {
        "otmVersion": OTM_VERSION,
        "project": _project(model),
        "trustZones": _trust_zones(model),
        "components": [_component(c, findings.get(c.id, [])) for c in model.components],
        "dataflows": [_dataflow(flow) for flow in model.flows],
        "threats": _threats(analysis.findings),
        "mitigations": _mitigations(used, analysis.catalog),
    }


def render(analysis: Analysis) -> str:
    """The OTM 0.2.0 JSON text of an analysed model (two-space indents, a final newline)."""
    # default=str: a YAML date in properties becomes its ISO text rather than an error.
    return json.dumps(otm_document(analysis), indent=2, ensure_ascii=False, default=str) + "\n"


FORMAT = ExportFormat("otm", "Open Threat Model 0.2.0", ".otm.json", render)
