"""SARIF 2.1.0 output, so code scanning shows attack chains as annotations on the model file.

One result per chain:

- ``ruleId`` names the threat the chain ends in: ``maestro-graph/<threat id>``, for example
  ``maestro-graph/L7.data-exfiltration`` (:func:`threat_rule_id`). The id depends on the catalog
  threat only, never on the chain's risk, so an alert keeps its rule when the risk moves;
- ``level`` by band (critical and high: error, medium: warning, low: note) and a
  ``security-severity`` score by risk (:func:`security_severity`);
- a ``codeFlow`` whose thread-flow locations are the lines of the model file where each hop's
  component is defined, each hop saying which threat it reaches and by which propagation rule;
- a ``partialFingerprints`` entry holding the chain's stable id, so the same chain is tracked
  across runs.

Rule metadata (``tool.driver.rules``): one entry per threat a result ends in, from the catalog
(name, description, ATLAS techniques, OWASP ids, mitigating controls), with GitHub's
``security-severity`` (the highest of its results': GitHub reads the score from the rule only),
then the propagation rules the chains use, with their rationale, ATLAS techniques and blocking
controls; each hop of a code flow names the rule it used.

Locations: the model file's ``uri`` is relative to ``%SRCROOT%`` (:func:`artifact_location`),
never an absolute path unless no relative one exists (another drive on Windows).

For ``check``, chains the baseline accepts carry an external suppression with the recorded
justification; failing ones are ``baselineState: new``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from maestro_graph.catalog import Catalog
from maestro_graph.catalog.types import Threat
from maestro_graph.engine.ranking import Chain
from maestro_graph.engine.risk import RISK_BOUNDS, Band
from maestro_graph.model import SystemModel
from maestro_graph.support.version import VERSION

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: The prefix of every rule id; a chain's rule is the prefix and its final threat's id.
RULE_PREFIX = "maestro-graph/"
#: The single rule id of every result before rules were per threat; kept for importers, no
#: result uses it any more.
CHAIN_RULE_ID = "maestro-graph/attack-chain"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
#: The ``uriBaseId`` of the model file's location.
SRCROOT = "%SRCROOT%"
ATLAS_TECHNIQUE_URL = "https://atlas.mitre.org/techniques/{}"
#: GitHub rejects a rule with more than 20 tags (and shows the first 10).
MAX_TAGS = 20
#: GitHub truncates descriptions beyond 1024 characters.
MAX_DESCRIPTION = 1024

#: The ``security-severity`` range of each band, in GitHub's buckets (critical over 9.0, high
#: 7.0-8.9, medium 4.0-6.9, low 0.1-3.9). Critical starts at 9.1: GitHub's "over 9.0" leaves
#: 9.0 itself on the boundary.
SEVERITY_RANGES: Mapping[Band, tuple[float, float]] = {
    Band.LOW: (0.1, 3.9),
    Band.MEDIUM: (4.0, 6.9),
    Band.HIGH: (7.0, 8.9),
    Band.CRITICAL: (9.1, 10.0),
}
#: The risk range of each band (risk runs from 0 to 5, :mod:`maestro_graph.engine.risk`).
_RISK_RANGES: Mapping[Band, tuple[float, float]] = {
    Band.LOW: (0.0, RISK_BOUNDS[0]),
    Band.MEDIUM: (RISK_BOUNDS[0], RISK_BOUNDS[1]),
    Band.HIGH: (RISK_BOUNDS[1], RISK_BOUNDS[2]),
    Band.CRITICAL: (RISK_BOUNDS[2], 5.0),
}


def threat_rule_id(threat_id: str) -> str:
    """The SARIF rule id of the chains that end in a threat.

    Examples
    --------
    >>> threat_rule_id("L7.data-exfiltration")
    'maestro-graph/L7.data-exfiltration'
    """
    return f"{RULE_PREFIX}{threat_id}"


def security_severity(risk: float, band: Band) -> str:
    """GitHub's ``security-severity`` for a chain: the band picks the range, the risk the place
    in it (linear, one decimal), so scores order as bands do and, within a band, as risks do.

    Examples
    --------
    >>> security_severity(0.0, Band.LOW), security_severity(0.25, Band.MEDIUM)
    ('0.1', '4.0')
    >>> security_severity(1.285, Band.HIGH), security_severity(5.0, Band.CRITICAL)
    ('7.1', '10.0')
    """
    low, high = SEVERITY_RANGES[band]
    start, end = _RISK_RANGES[band]
    share = min(1.0, max(0.0, (risk - start) / (end - start)))
    # Round half up on tenths, then clamp: a score never leaves its band's range.
    score = math.floor((low + share * (high - low)) * 10 + 0.5) / 10
    return f"{min(high, max(low, score)):.1f}"


@dataclass(frozen=True)
class ArtifactLocation:
    """Where the model file is, as SARIF writes it.

    ``uri`` is relative to ``%SRCROOT%`` (``base_id``) whenever a relative reference exists;
    ``base`` says in words what ``%SRCROOT%`` stands for (its absolute path is not written).
    """

    uri: str
    base_id: str | None
    base: str

    def to_sarif(self) -> dict[str, Any]:
        location: dict[str, Any] = {"uri": self.uri}
        if self.base_id:
            location["uriBaseId"] = self.base_id
        return location


def _git_root(path: Path) -> Path | None:
    """The nearest folder holding ``path`` with a ``.git`` entry (folder, or file for worktrees
    and submodules)."""
    for folder in path.parents:
        if (folder / ".git").exists():
            return folder
    return None


def artifact_location(
    model: SystemModel, source_root: str | os.PathLike[str] | None = None
) -> ArtifactLocation:
    """The model file's location: a ``uri`` relative to ``%SRCROOT%``.

    ``%SRCROOT%`` is ``source_root`` when given; otherwise the root of the git work tree that
    holds the model file (code scanning reads relative paths from the repository root, whatever
    folder the tool ran in); otherwise the working directory. A model outside that root gets
    ``..`` segments, never an absolute path; only when no relative path exists (another drive on
    Windows) is the ``uri`` an absolute ``file:`` URI, without ``uriBaseId``.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> location = artifact_location(mg.example("netmon"), mg.example_path("netmon").parent)
    >>> location.uri, location.base_id
    ('netmon.yaml', '%SRCROOT%')
    """
    source = model.source
    if not source or (source.startswith("<") and source.endswith(">")):
        # Built in Python or read from a string: there is no file to point at.
        return ArtifactLocation("model.yaml", SRCROOT, "the working directory")
    path = Path(source).resolve()
    if source_root is not None:
        root, base = Path(source_root).resolve(), "the source root given to maestro-graph"
    elif (repository := _git_root(path)) is not None:
        root, base = repository, "the root of the git work tree that holds the model file"
    else:
        root, base = Path.cwd().resolve(), "the working directory maestro-graph ran in"
    try:
        relative = Path(os.path.relpath(path, root)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return ArtifactLocation(path.as_uri(), None, base)
    return ArtifactLocation(quote(relative, safe="/"), SRCROOT, base)


def _location(
    model: SystemModel, artifact: ArtifactLocation, component_id: str, text: str | None = None
) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {**artifact.to_sarif(), "index": 0}}
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


def _pascal(text: str) -> str:
    """``"Data exfiltration"`` -> ``"DataExfiltration"``."""
    return "".join(word[:1].upper() + word[1:] for word in text.replace("-", " ").split())


def _shorten(text: str, limit: int = MAX_DESCRIPTION) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _tags(threat: Threat) -> list[str]:
    tags = ["security", "maestro", f"maestro/{threat.layer.value}"]
    tags += [f"owasp/{owasp}" for owasp in threat.owasp]
    tags += ["attack-path", *(f"atlas/{technique}" for technique in threat.atlas)]
    return list(dict.fromkeys(tags))[:MAX_TAGS]


def _help(catalog: Catalog, threat: Threat) -> dict[str, str]:
    """The rule's help (GitHub shows it beside each alert): the threat, what a result is, and
    the controls and references to act on."""
    control_names = []
    for control_id in threat.mitigated_by:
        control = catalog.controls.get(control_id)
        control_names.append(f"{control.name} ({control_id})" if control else control_id)
    techniques = [(t, catalog.atlas[t].name if t in catalog.atlas else None) for t in threat.atlas]
    owasp = [(o, catalog.owasp[o].name if o in catalog.owasp else None) for o in threat.owasp]
    description = " ".join(threat.description.split())
    about = (
        f"Each result is one attack chain of the MAESTRO threat model that ends in this threat "
        f"({threat.id}, layer {threat.layer.value}): its code flow walks the chain hop by hop "
        "through the components of the model file, from the attacker's entry to the target."
    )
    text = [description, "", about]
    markdown = [description, "", about]
    if control_names:
        text += ["", "Controls that mitigate it: " + ", ".join(control_names) + "."]
        markdown += ["", "**Controls that mitigate it:** " + ", ".join(control_names) + "."]
    if techniques:
        text += [
            "",
            "MITRE ATLAS: " + ", ".join(f"{t} {n}" if n else t for t, n in techniques) + ".",
        ]
        links = [
            f"[{t}]({ATLAS_TECHNIQUE_URL.format(t)})" + (f" {n}" if n else "")
            for t, n in techniques
        ]
        markdown += ["", "**MITRE ATLAS:** " + ", ".join(links) + "."]
    if owasp:
        listed = ", ".join(f"{o} {n}" if n else o for o, n in owasp)
        text += ["", f"OWASP: {listed}."]
        markdown += ["", f"**OWASP:** {listed}."]
    return {"text": "\n".join(text), "markdown": "\n".join(markdown)}


def _threat_rule(catalog: Catalog, threat: Threat, chains: Sequence[Chain]) -> dict[str, Any]:
    """The rule of the chains ending in ``threat``; GitHub reads ``security-severity`` from the
    rule only, so the rule carries its worst chain's score and level."""
    worst = max(chains, key=lambda c: (c.band.rank, c.risk))
    rule: dict[str, Any] = {
        "id": threat_rule_id(threat.id),
        "name": _pascal(threat.name),
        "shortDescription": {"text": _shorten(threat.name)},
        "fullDescription": {"text": _shorten(threat.description)},
        "help": _help(catalog, threat),
        "defaultConfiguration": {"level": LEVELS[worst.band.value]},
        "properties": {
            "tags": _tags(threat),
            "security-severity": security_severity(worst.risk, worst.band),
            "threat": threat.id,
            "layer": threat.layer.value,
            "maestro_name": threat.maestro_name,
            "impact": threat.impact,
            "atlas": list(threat.atlas),
            "owasp": list(threat.owasp),
            "mitigated_by": list(threat.mitigated_by),
            "catalog_version": catalog.version,
        },
    }
    if threat.atlas:
        rule["helpUri"] = ATLAS_TECHNIQUE_URL.format(threat.atlas[0])
    return rule


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


def _message(chain: Chain) -> str:
    """GitHub titles the alert with the first sentence: the threat, where, from where."""
    final = chain.steps[-1].state
    hops = f"{chain.hops} hop" + ("" if chain.hops == 1 else "s")
    return (
        f"{final.threat.name} at {chain.target} ({final.component.layer.value}), reached from "
        f"{chain.entry} in {hops}. Attack chain {chain.id} ({chain.band.value}, risk "
        f"{chain.risk:.3f}, {chain.signature}): {chain.path_text}"
    )


def _result(
    model: SystemModel,
    artifact: ArtifactLocation,
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
            "location": _location(model, artifact, state.component.id, text),
            "executionOrder": order,
            "properties": {"threat": state.threat.id, "likelihood": round(step.likelihood, 6)},
        }
        if step.transition is not None:
            rule_id = f"maestro-graph/rule/{step.transition.rule.id}"
            location["properties"]["rule"] = rule_id
            location["properties"]["ruleIndex"] = rule_index[rule_id]
        thread.append(location)
    rule_id = threat_rule_id(chain.steps[-1].threat)
    result: dict[str, Any] = {
        "ruleId": rule_id,
        "ruleIndex": rule_index[rule_id],
        "level": LEVELS[chain.band.value],
        "message": {"text": _message(chain)},
        "locations": [_location(model, artifact, chain.target, f"chain ends at {chain.target}")],
        "relatedLocations": [
            {
                "id": 1,
                **_location(model, artifact, chain.entry, f"attacker entry at {chain.entry}"),
            }
        ],
        "codeFlows": [
            {"message": {"text": chain.signature}, "threadFlows": [{"locations": thread}]}
        ],
        "partialFingerprints": {"maestroChain/v1": chain.id},
        "properties": {
            "chain_id": chain.id,
            "threat": chain.steps[-1].threat,
            "risk": round(chain.risk, 4),
            "band": chain.band.value,
            # GitHub reads the rule's score; the chain's own is here for other consumers.
            "security-severity": security_severity(chain.risk, chain.band),
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
    source_root: str | os.PathLike[str] | None = None,
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
    source_root : path, optional
        The folder the model file's ``uri`` is relative to (``%SRCROOT%``); by default the git
        work tree holding the model, else the working directory (:func:`artifact_location`).

    Returns
    -------
    str
        JSON text.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> model = mg.example("netmon")
    >>> log = json.loads(render_sarif(model, mg.load_catalog(), mg.analyze(model).paths(top=1)))
    >>> log["runs"][0]["results"][0]["ruleId"]
    'maestro-graph/L5...'
    """
    artifact = artifact_location(model, source_root)
    by_threat: dict[str, list[Chain]] = {}
    for chain in chains:
        by_threat.setdefault(chain.steps[-1].threat, []).append(chain)
    threat_rules = [
        _threat_rule(catalog, catalog.threats[threat_id], by_threat[threat_id])
        for threat_id in sorted(by_threat)
    ]
    rules = [*threat_rules, *_propagation_rules(catalog, chains)]
    rule_index = {entry["id"]: index for index, entry in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "maestro-graph",
                "version": VERSION,
                "rules": rules,
            }
        },
    }
    if artifact.base_id:
        # The base's meaning, not its absolute path: a log written on one machine says nothing
        # about its folders, and code scanning reads relative paths from the repository root.
        run["originalUriBaseIds"] = {artifact.base_id: {"description": {"text": artifact.base}}}
    run["artifacts"] = [
        {
            "location": artifact.to_sarif(),
            "mimeType": "application/json"
            if artifact.uri.endswith(".json")
            else "application/yaml",
        }
    ]
    run["results"] = [_result(model, artifact, chain, rule_index, accepted) for chain in chains]
    run["properties"] = {"model": model.name, "catalog_version": catalog.version}
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2)
