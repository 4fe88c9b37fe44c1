"""Running every propagation rule's own fixtures (``maestro-graph rules test``).

Each rule carries ``examples.fires`` (a tiny model where it must produce a transition) and
``examples.quiet`` (a near miss where it must not). A rule is tested alone, so another rule
joining the same states cannot hide it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from maestro_graph.catalog import Catalog
from maestro_graph.catalog.conformance import catalog_issues
from maestro_graph.catalog.types import PropagationRule
from maestro_graph.engine.propagation import build_attack_graph
from maestro_graph.model import SystemModel


@dataclass(frozen=True)
class RuleTestResult:
    """The outcome of one rule's fixtures."""

    rule: str
    passed: bool
    problems: tuple[str, ...]


def _fixture_model(rule: PropagationRule, name: str, fixture: dict[str, Any]) -> SystemModel:
    data = {"maestro": 1, "system": {"name": f"{rule.id} {name}"}, **fixture}
    return SystemModel.model_validate(data)


def _transitions(rule: PropagationRule, model: SystemModel, catalog: Catalog) -> int:
    alone = dataclasses.replace(catalog, rules={rule.id: rule})
    return build_attack_graph(model, alone, floor=0.0).transition_count


def check_rule(rule: PropagationRule, catalog: Catalog) -> RuleTestResult:
    """Run one rule's ``fires`` and ``quiet`` fixtures."""
    problems: list[str] = []
    for name, must_fire in (("fires", True), ("quiet", False)):
        fixture = getattr(rule.examples, name)
        try:
            model = _fixture_model(rule, name, fixture)
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            problems.append(f"examples.{name} is not a valid model: {first['loc']}: {first['msg']}")
            continue
        issues = catalog_issues(model, catalog)
        if issues:
            problems.append(f"examples.{name}: {issues[0][1]}")
            continue
        fired = _transitions(rule, model, catalog) > 0
        if must_fire and not fired:
            problems.append("did not fire on examples.fires")
        if not must_fire and fired:
            problems.append("fired on examples.quiet, where it must stay quiet")
    return RuleTestResult(rule.id, not problems, tuple(problems))


def check_rules(catalog: Catalog, rule_ids: list[str] | None = None) -> list[RuleTestResult]:
    """Run the fixtures of the given rules (default: every rule of the catalog), sorted by id."""
    ids = sorted(rule_ids if rule_ids is not None else catalog.rules)
    return [check_rule(catalog.rules[rule_id], catalog) for rule_id in ids]
