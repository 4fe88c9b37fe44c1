"""Warnings about a valid model that is probably not what its author meant.

An error (:mod:`maestro_graph.catalog.conformance`) says the model uses words the catalog does not
have;
a warning says a valid model contains something the analysis can do nothing with, which usually
means a modelling mistake that silently lowers the risk reported:

- ``entry-starts-nothing``: an attacker entry component from which no attack chain can start,
  because no entry threat applies to its kind, none can start there, or the threats that do
  lead to no state where a chain may end.
- ``control-cannot-act``: a control on a component that mitigates no threat of the component's
  kind and cuts no propagation step into that kind, so it changes no result.
- ``flow-control-cannot-act``: a control on a flow that cuts no propagation step along a flow of
  that kind between components of those kinds.

The entry check looks at the attack graph (:mod:`maestro_graph.engine.propagation`) and where
chains may
end (:mod:`maestro_graph.engine.ranking`), ignoring the hop bound and the one-caller rule for
responses:
it over-approximates the chains, so an entry it warns about starts no chain under any search
options. The control checks look at the catalog only (kinds, not the rest of the model), so a
control that would act once a flow is added is not reported.

Examples
--------
>>> import maestro_graph as mg
>>> model = mg.model_from_text('''
... maestro: 1
... system: {name: Lint demo}
... components:
...   - {id: user, layer: L7, kind: user, exposure: public}
...   - {id: bot, layer: L3, kind: agent, controls: [adversarial-training]}
... flows:
...   - {from: user, to: bot, kind: invokes}
... ''')
>>> [(w.code, w.component, w.control) for w in lint(model, mg.load_catalog())]
[('control-cannot-act', 'bot', 'adversarial-training')]
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from maestro_graph.catalog import Catalog
from maestro_graph.engine.propagation import (
    PUBLIC_FRONT_KINDS,
    AttackGraph,
    build_attack_graph,
    source_threats,
    target_threat,
)

# Where a chain may end is ranking's decision; reusing it keeps the lint in step with the search.
from maestro_graph.engine.ranking import ChainQuery, _final_states
from maestro_graph.model import Component, Flow, SystemModel, Trust

ENTRY_STARTS_NOTHING = "entry-starts-nothing"
CONTROL_CANNOT_ACT = "control-cannot-act"
FLOW_CONTROL_CANNOT_ACT = "flow-control-cannot-act"
#: Every warning code, in the order they are documented.
WARNING_CODES = (ENTRY_STARTS_NOTHING, CONTROL_CANNOT_ACT, FLOW_CONTROL_CANNOT_ACT)


@dataclass(frozen=True)
class ModelWarning:
    """Something in a valid model that the analysis can do nothing with.

    Attributes
    ----------
    code : str
        Stable identifier: ``entry-starts-nothing``, ``control-cannot-act`` or
        ``flow-control-cannot-act``.
    message : str
        What is wrong, why, and what to do about it.
    component : str or None
        The component it is about (for a flow control: None).
    flow : tuple of (str, str, str) or None
        The flow it is about, as ``(from, to, kind)``.
    control : str or None
        The control it is about, for the control warnings.
    source : str or None
        The model file, when the model was read from one.
    line : int or None
        The line in that file, when known.
    """

    code: str
    message: str
    component: str | None = None
    flow: tuple[str, str, str] | None = None
    control: str | None = None
    source: str | None = None
    line: int | None = None

    @property
    def location(self) -> str:
        """``FILE:LINE`` (or the file, or the component or flow when there is no file)."""
        if self.source is not None:
            return self.source if self.line is None else f"{self.source}:{self.line}"
        if self.flow is not None:
            return f"flow {self.flow[0]} -> {self.flow[1]} ({self.flow[2]})"
        return f"component {self.component}"

    def __str__(self) -> str:
        return f"{self.location}: {self.message} [{self.code}]"

    def to_record(self) -> dict[str, Any]:
        """The warning as plain data (the ``warnings`` array of ``validate --format json``)."""
        return {
            "code": self.code,
            "component": self.component,
            "flow": (
                {"from": self.flow[0], "to": self.flow[1], "kind": self.flow[2]}
                if self.flow
                else None
            ),
            "control": self.control,
            "message": self.message,
            "line": self.line,
        }


def lint(
    model: SystemModel, catalog: Catalog, graph: AttackGraph | None = None
) -> list[ModelWarning]:
    """The warnings of a valid model, in model order (components, then flows).

    Parameters
    ----------
    model : SystemModel
        A model that conforms to ``catalog`` (as :func:`maestro_graph.load_model` returns).
    catalog : Catalog
    graph : AttackGraph, optional
        The model's attack graph, when it is already built (it is built otherwise).

    Returns
    -------
    list of ModelWarning
        The same model and catalog always give the same list.

    Examples
    --------
    >>> import maestro_graph as mg
    >>> model = mg.model_from_text('''
    ... maestro: 1
    ... system: {name: Lonely entry}
    ... components:
    ...   - {id: bot, layer: L3, kind: agent}
    ...   - {id: feed, layer: L2, kind: document_source, trust: untrusted}
    ... ''')
    >>> [(w.code, w.component) for w in lint(model, mg.load_catalog())]
    [('entry-starts-nothing', 'feed')]
    """
    if graph is None:
        graph = build_attack_graph(model, catalog)
    # (path in the file, code, control) orders warnings as the file reads, whatever the checks.
    located: list[tuple[tuple[str, int, int], ModelWarning]] = []
    for index, component in enumerate(model.components):
        for position, control_id in enumerate(component.controls):
            message = _component_control_message(component, control_id, catalog)
            if message is not None:
                path = ("components", index, "controls", position)
                located.append(
                    (
                        (path[0], index, position + 1),
                        ModelWarning(
                            CONTROL_CANNOT_ACT,
                            message,
                            component=component.id,
                            control=control_id,
                            source=model.source,
                            line=model.line_of(path),
                        ),
                    )
                )
    for index, message in _entry_messages(model, graph):
        component = model.components[index]
        located.append(
            (
                ("components", index, 0),
                ModelWarning(
                    ENTRY_STARTS_NOTHING,
                    message,
                    component=component.id,
                    source=model.source,
                    line=model.line_of(("components", index)),
                ),
            )
        )
    by_id = {component.id: component for component in model.components}
    for index, flow in enumerate(model.flows):
        for position, control_id in enumerate(flow.controls):
            message = _flow_control_message(
                flow, by_id[flow.source], by_id[flow.target], control_id, catalog
            )
            if message is not None:
                path = ("flows", index, "controls", position)
                located.append(
                    (
                        (path[0], index, position + 1),
                        ModelWarning(
                            FLOW_CONTROL_CANNOT_ACT,
                            message,
                            flow=(flow.source, flow.target, flow.kind.value),
                            control=control_id,
                            source=model.source,
                            line=model.line_of(path),
                        ),
                    )
                )
    located.sort(key=lambda item: (item[0], item[1].code, item[1].control or ""))
    return [warning for _, warning in located]


# -- entries ------------------------------------------------------------------------------


def _can_finish(graph: AttackGraph) -> list[bool]:
    """For each state, whether some path from it reaches a state where a chain may end."""
    final = _final_states(graph, ChainQuery(top=None))
    finishes = list(final)
    incoming = graph.predecessors()
    queue = deque(index for index, ok in enumerate(final) if ok)
    while queue:
        index = queue.popleft()
        for transition_index in incoming[index]:
            source = graph.transitions[transition_index].source
            if not finishes[source]:
                finishes[source] = True
                queue.append(source)
    return finishes


def _starts_a_chain(graph: AttackGraph, entry: int, finishes: list[bool]) -> bool:
    """Whether a chain from ``entry`` can leave its component and still reach an end.

    A chain must cross components (an escalation inside one is a threat, not a chain), so the
    search stays inside the entry's component and stops at the first step out of it into a state
    that can still finish; states that cannot finish are never explored, which keeps it local.
    """
    if not finishes[entry]:
        return False
    home = graph.states[entry].component.id
    seen, queue = {entry}, deque([entry])
    while queue:
        index = queue.popleft()
        for transition_index in graph.successors[index]:
            target = graph.transitions[transition_index].target
            if not finishes[target] or target in seen:
                continue
            if graph.states[target].component.id != home:
                return True
            seen.add(target)
            queue.append(target)
    return False


def _entry_messages(model: SystemModel, graph: AttackGraph) -> list[tuple[int, str]]:
    """``(component index, message)`` for every entry component that starts no chain."""
    catalog = graph.catalog
    entries = {component.id for component in model.entry_components()}
    if not entries:
        return []
    explicit = model.attacker is not None and model.attacker.entry is not None
    entry_states: dict[str, list[int]] = {}
    for index in graph.entry_states:
        entry_states.setdefault(graph.states[index].component.id, []).append(index)
    finishes: list[bool] | None = None  # worked out only when some entry has entry states
    # Flows by end, indexed once: scanning every flow per entry is quadratic on large models.
    flows_out: dict[str, list[Flow]] = {}
    flows_in: dict[str, list[Flow]] = {}
    for flow in model.flows:
        flows_out.setdefault(flow.source, []).append(flow)
        flows_in.setdefault(flow.target, []).append(flow)
    found = []
    for index, component in enumerate(model.components):
        if component.id not in entries:
            continue
        why_entry = (
            "it is listed in attacker.entry"
            if explicit
            else f"it is an entry by default (exposure {component.exposure.value}, "
            f"trust {component.trust.value})"
        )
        outgoing = flows_out.get(component.id, [])
        incoming = flows_in.get(component.id, [])
        if not explicit and incoming and not outgoing:
            # Flows only go into it: an untrusted or public component like that is where the
            # attacker receives (an exfiltration sink), which the default entry rule cannot
            # tell from where it starts. Only named entries are held to starting a chain.
            continue
        starts = entry_states.get(component.id, [])
        if not starts:
            reason, advice = _no_entry_state(component, catalog, explicit)
            found.append(
                (
                    index,
                    f"entry component {component.id!r} starts no attack chain: {reason}; "
                    f"{why_entry}. {_capitalised(advice)}.",
                )
            )
            continue
        if finishes is None:
            finishes = _can_finish(graph)
        if any(_starts_a_chain(graph, start, finishes) for start in starts):
            continue
        touching = outgoing + incoming
        targets = model.attacker.targets if model.attacker else None
        end = (
            f"one of attacker.targets ({', '.join(targets)})"
            if targets is not None
            else "a state where a chain may end"
        )
        if not touching:
            reason = "its entry threats lead nowhere: it has no flow to another component"
            advice = "add the flows that connect it to the rest of the system"
        else:
            flows = [f"{f.kind.value} to {f.target}" for f in outgoing] + [
                f"{f.kind.value} from {f.source}" for f in incoming
            ]
            shown = ", ".join(flows[:5]) + (f" and {len(flows) - 5} more" if len(flows) > 5 else "")
            reason = (
                "its entry threats lead nowhere: no flow out of it that a rule follows "
                f"reaches {end} (its flows: {shown})"
            )
            advice = (
                "check the kinds and directions of its flows (most attacks move along data, "
                "invokes and delegates flows), or name the real entry in attacker.entry"
            )
        found.append(
            (
                index,
                f"entry component {component.id!r} starts no attack chain: {reason}; "
                f"{why_entry}. {_capitalised(advice)}.",
            )
        )
    return found


def _no_entry_state(component: Component, catalog: Catalog, explicit: bool) -> tuple[str, str]:
    """Why an entry component has no entry state, and what to do: ``(reason, advice)``."""
    entry_threats = [t for t in catalog.threats_for_kind(component.kind) if t.entry]
    if not entry_threats:
        where = " in attacker.entry" if explicit else " (and mark this one internal and trusted)"
        return (
            f"no entry threat applies to kind {component.kind}",
            f"check its kind, or name the component where the attacker really starts{where}",
        )
    names = ", ".join(t.id for t in entry_threats)
    if not explicit and component.kind in PUBLIC_FRONT_KINDS and component.trust is Trust.TRUSTED:
        return (
            f"a trusted public {component.kind} is only attacked by exploiting the service "
            f"itself, and none of its entry threats ({names}) is such an exploit",
            "model the users or callers who reach it as the entry, or list it in attacker.entry",
        )
    return (
        f"its entry threats ({names}) cannot start here (data read at the start is a finding, "
        "not a chain; an untrusted component starts only with what it says and does, and a "
        "person with nothing to subvert; its controls may remove the rest)",
        "name the component the attacker really starts from in attacker.entry",
    )


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


# -- controls -----------------------------------------------------------------------------


def _component_control_message(
    component: Component, control_id: str, catalog: Catalog
) -> str | None:
    """Why a control on a component cannot act there, or None when it can."""
    control = catalog.controls.get(control_id)
    if control is None:
        return None  # an unknown control is an error (conformance), not a warning
    kind = component.kind
    if any(control_id in threat.mitigated_by for threat in catalog.threats_for_kind(kind)):
        return None
    if any(
        control_id in rule.blocked_by and target_threat(rule, catalog, kind) is not None
        for rule in catalog.rules.values()
    ):
        return None
    # A guard's own kind provides these controls to what it governs: listing them on the guard
    # says what it enforces, which is how authors describe a guard, so it is not a mistake.
    if control_id in catalog.guards.get(kind, ()):
        return None
    return (
        f"control {control_id!r} on {component.id!r} cannot act there: it mitigates no threat "
        f"of kind {kind} and cuts no propagation step into a component of that kind, so it "
        "changes no result. " + _where_it_acts(control.applies_to, kind)
    )


def _where_it_acts(applies_to: tuple[str, ...], kind: str) -> str:
    if applies_to and kind not in applies_to:
        shown = ", ".join(applies_to[:6]) + (" ..." if len(applies_to) > 6 else "")
        return f"Move it to the component it protects (it is meant for {shown}) or remove it."
    return "Move it to the component or flow it protects, or remove it."


def _flow_control_message(
    flow: Flow, source: Component, target: Component, control_id: str, catalog: Catalog
) -> str | None:
    """Why a control on a flow cannot act there, or None when it can.

    A control on a flow cuts the steps that travel it: rules along its kind, forward from its
    ``from`` to its ``to`` or back (a response) from its ``to`` to its ``from``.
    """
    if control_id not in catalog.controls:
        return None
    for rule in catalog.rules.values():
        if control_id not in rule.blocked_by or flow.kind not in rule.via.flows:
            continue
        if rule.via.direction == "forward":
            start, end = source, target
        elif rule.via.direction == "reverse":
            start, end = target, source
        else:
            continue
        if target_threat(rule, catalog, end.kind) is not None and source_threats(
            rule, catalog, start.kind
        ):
            return None
    return (
        f"control {control_id!r} on flow {flow} cannot act there: no propagation rule that "
        f"moves along {flow.kind.value} flows from kind {source.kind} to kind {target.kind} "
        "is cut by it, so it changes no result. Move it to the flow or component it protects, "
        "or remove it."
    )
