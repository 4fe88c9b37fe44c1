"""SARIF 2.1.0 output, so code scanning shows attack chains as annotations on the model file.

One result per chain:

- ``ruleId`` ``maestro-graph/attack-chain``;
- ``level`` by band (critical and high: error, medium: warning, low: note);
- a ``codeFlow`` whose thread-flow locations are the lines of the model file where each hop's
  component is defined, each hop saying which threat it reaches and by which propagation rule;
- a ``partialFingerprints`` entry holding the chain's stable id, so code scanning tracks the same
  chain across runs.

The propagation rules the chains use are listed as rule metadata (``tool.driver.rules``, after
the chain rule), with their rationale, ATLAS techniques and blocking controls; each hop of a code
flow names the rule it used. For ``check``, chains the baseline
accepts carry an external suppression with the recorded justification; failing ones are
``baselineState: new``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from maestro_graph import __version__
from maestro_graph.catalog import Catalog
from maestro_graph.model import SystemModel
from maestro_graph.ranking import Chain

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
CHAIN_RULE_ID = "maestro-graph/attack-chain"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def _artifact_uri(model: SystemModel) -> str:
    source = model.source or "model.yaml"
    path = Path(source)
    try:
        relative = os.path.relpath(path.resolve(), Path.cwd())
    except ValueError:  # another drive on Windows
        relative = str(path)
    chosen = relative if not relative.startswith("..") else str(path.resolve())
    return Path(chosen).as_posix()


def _location(
    model: SystemModel, uri: str, component_id: str, text: str | None = None
) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "index": 0}}
    line = model.component_line(component_id)
    if line is not None:
        physical["region"] = {"startLine": line}
    location: dict[str, Any] = {
        "physicalLocation": physical,
        "logicalLocations": [{"name": component_id, "kind": "member"}],
    }
    if text:
        location["message"] = {"text": text}
    return location


def _chain_rule(catalog: Catalog) -> dict[str, Any]:
    return {
        "id": CHAIN_RULE_ID,
        "name": "AttackChain",
        "shortDescription": {"text": "Multi-hop cross-layer attack chain (MAESTRO)"},
        "fullDescription": {
            "text": "An attacker entry point reaches a threat at another component through "
            "propagation rules of the maestro-graph catalog. Each hop is a step of the code flow; "
            "the chain's risk is its likelihood times the impact of its last step."
        },
        "defaultConfiguration": {"level": "warning"},
        "properties": {
            "catalog_version": catalog.version,
            "tags": ["security", "maestro", "attack-path"],
        },
    }


def _propagation_rules(catalog: Catalog, chains: Sequence[Chain]) -> list[dict[str, Any]]:
    used = sorted({s.transition.rule.id for c in chains for s in c.steps if s.transition})
    rules = []
    for rule_id in used:
        rule = catalog.rules[rule_id]
        rules.append(
            {
                "id": f"maestro-graph/rule/{rule.id}",
                "name": rule.id,
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": " ".join(rule.rationale.split())},
                "properties": {
                    "from": rule.source_text(),
                    "to": rule.target_text(),
                    "via": " ".join(
                        ("/".join(k.value for k in rule.via.flows) or "self", rule.via.direction)
                    ),
                    "likelihood": rule.likelihood,
                    "blocked_by": list(rule.blocked_by),
                    "atlas": list(rule.atlas),
                    "references": list(rule.references),
                },
            }
        )
    return rules


def _result(
    model: SystemModel,
    uri: str,
    chain: Chain,
    rule_index: Mapping[str, int],
    accepted: Mapping[str, str] | None,
) -> dict[str, Any]:
    thread = []
    for order, step in enumerate(chain.steps):
        state = step.state
        if step.transition is None:
            how = "attacker entry"
        else:
            flow = step.transition.flow
            how = f"rule {step.transition.rule.id}" + (
                f" via {flow}" if flow else " (within the component)"
            )
        component = state.component
        text = f"{order + 1}. {component.id} ({component.layer.value}): {state.threat.id} [{how}]"
        location: dict[str, Any] = {
            "location": _location(model, uri, state.component.id, text),
            "executionOrder": order,
            "properties": {"threat": state.threat.id, "likelihood": round(step.likelihood, 6)},
        }
        if step.transition is not None:
            rule_id = f"maestro-graph/rule/{step.transition.rule.id}"
            location["properties"]["rule"] = rule_id
            location["properties"]["ruleIndex"] = rule_index[rule_id]
        thread.append(location)
    message = (
        f"Attack chain {chain.id} ({chain.band.value}, risk {chain.risk:.3f}, {chain.signature}): "
        f"{chain.path_text}"
    )
    result: dict[str, Any] = {
        "ruleId": CHAIN_RULE_ID,
        "ruleIndex": 0,
        "level": LEVELS[chain.band.value],
        "message": {"text": message},
        "locations": [_location(model, uri, chain.target, f"chain ends at {chain.target}")],
        "relatedLocations": [
            {"id": 1, **_location(model, uri, chain.entry, f"attacker entry at {chain.entry}")}
        ],
        "codeFlows": [
            {"message": {"text": chain.signature}, "threadFlows": [{"locations": thread}]}
        ],
        "partialFingerprints": {"maestroChain/v1": chain.id},
        "properties": {
            "chain_id": chain.id,
            "risk": round(chain.risk, 4),
            "band": chain.band.value,
            "likelihood": round(chain.likelihood, 6),
            "impact": round(chain.impact, 4),
            "layers": [layer.value for layer in chain.layers],
        },
    }
    if accepted is not None:
        if chain.id in accepted:
            result["baselineState"] = "unchanged"
            result["suppressions"] = [
                {
                    "kind": "external",
                    "justification": accepted[chain.id] or "accepted in the baseline",
                }
            ]
        else:
            result["baselineState"] = "new"
    return result


def render_sarif(
    model: SystemModel,
    catalog: Catalog,
    chains: Sequence[Chain],
    *,
    accepted: Mapping[str, str] | None = None,
) -> str:
    """The chains as a SARIF 2.1.0 log.

    Parameters
    ----------
    model : SystemModel
        Its file and lines become the result locations.
    catalog : Catalog
    chains : sequence of Chain
    accepted : mapping of chain id to justification, optional
        For ``check``: chains the baseline accepts (suppressed), all others are new.

    Returns
    -------
    str
        JSON text.
    """
    uri = _artifact_uri(model)
    rules = [_chain_rule(catalog), *_propagation_rules(catalog, chains)]
    rule_index = {entry["id"]: index for index, entry in enumerate(rules)}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "maestro-graph",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "artifacts": [
                    {
                        "location": {"uri": uri},
                        "mimeType": "application/yaml"
                        if not uri.endswith(".json")
                        else "application/json",
                    }
                ],
                "results": [_result(model, uri, chain, rule_index, accepted) for chain in chains],
                "properties": {"model": model.name, "catalog_version": catalog.version},
            }
        ],
    }
    return json.dumps(log, indent=2)
