"""Detection: which watchers would see an attack chain (MAESTRO's "can you detect and respond?").

A watcher is a component whose kind ``watchers.yaml`` names (monitors, dashboards, alerting,
security agents, loggers, tracers, audit logs). It sees a step of a chain when the step's
component sends it ``telemetry``, unless the chain has taken that sight away:

- a step whose capability is ``disrupt`` sends late or no telemetry (a starved packet capture
  updates its dashboard late; the network-monitoring case went unnoticed that way);
- a watcher the chain has compromised at an earlier step (or at that step) sees nothing from
  then on: it is blinded, steered, tampered with or impersonated;
- a watcher that ``records`` (a log, a tracer, an audit trail) keeps nothing of a chain that
  tampers with it, runs code on it or takes control of it at any step: erasing the record is
  what such a step is for. A watcher that ``alerts`` has already raised what it saw.

What the attacker only reads at a watcher (a leaked dashboard) or only puts into it does not
blind it. Detection is a property of the chain alone, so ``paths --undetected`` filters inside
the search and stays exact.

Examples
--------
>>> import maestro_graph as mg
>>> model, catalog = mg.example("netmon"), mg.load_catalog()
>>> telemetry = telemetry_watchers(model, catalog)
>>> telemetry["planner"]
('audit', 'forensic_log')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from maestro_graph.catalog import Catalog
from maestro_graph.catalog.types import Capability, WatchMode
from maestro_graph.model import Component, Flow, FlowKind, SystemModel

#: A watcher held with one of these sees nothing from then on.
BLINDING = frozenset(
    {
        Capability.CONTROL,
        Capability.EXECUTE,
        Capability.TAMPER,
        Capability.IDENTITY,
        Capability.DISRUPT,
    }
)
#: A recording watcher held with one of these at any step has lost what it recorded.
ERASING = frozenset({Capability.CONTROL, Capability.EXECUTE, Capability.TAMPER})
#: A component held with one of these sends late or no telemetry for that step.
SILENCING = frozenset({Capability.DISRUPT})

#: One chain step as detection sees it: the component and the capability the attacker holds.
Step = tuple[str, Capability | None]


def watcher_modes(
    model: SystemModel, catalog: Catalog, *, among: Iterable[Component] | None = None
) -> dict[str, WatchMode]:
    """The model's watchers: component id -> how it watches, in model order (``among``: only
    these of its components, in model order, when the caller has already narrowed them down).

    Examples
    --------
    >>> import maestro_graph as mg
    >>> sorted(watcher_modes(mg.example("netmon"), mg.load_catalog()))
    ['audit', 'dashboard', 'forensic_log']
    """
    components = model.components if among is None else among
    return {c.id: catalog.watchers[c.kind] for c in components if c.kind in catalog.watchers}


def telemetry_watchers(
    model: SystemModel,
    catalog: Catalog,
    *,
    flows: Iterable[Flow] | None = None,
    modes: Mapping[str, WatchMode] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Component id -> the watchers it sends telemetry to, by id (no self-watching), so the
    answer does not depend on the order of the model's flows.

    ``flows`` (a superset of the model's telemetry flows) and ``modes`` (:func:`watcher_modes`)
    spare a caller that already has them a pass over the whole model.
    """
    modes = watcher_modes(model, catalog) if modes is None else modes
    found: dict[str, list[str]] = {}
    for flow in model.flows if flows is None else flows:
        if flow.kind is FlowKind.TELEMETRY and flow.target in modes and flow.source != flow.target:
            watchers = found.setdefault(flow.source, [])
            if flow.target not in watchers:
                watchers.append(flow.target)
    return {component: tuple(sorted(watchers)) for component, watchers in sorted(found.items())}


def watchers_seeing(
    steps: Sequence[Step],
    telemetry: Mapping[str, tuple[str, ...]],
    modes: Mapping[str, WatchMode],
) -> tuple[str, ...]:
    """The watchers that see at least one step of a chain, in the order they first see one
    (within a step, in the order ``telemetry`` lists them).

    Parameters
    ----------
    steps : sequence of (component id, capability)
        The chain's steps in order.
    telemetry : mapping
        Component id -> watchers it sends telemetry to (:func:`telemetry_watchers`).
    modes : mapping
        Watcher id -> how it watches (:func:`watcher_modes`).

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> from maestro_graph.catalog.types import Capability as C, WatchMode as M
    >>> telemetry = {"capture": ("dashboard", "log"), "planner": ("log",)}
    >>> modes = {"dashboard": M.ALERTS, "log": M.RECORDS}
    >>> watchers_seeing([("tuner", C.CONTROL), ("capture", C.DISRUPT)], telemetry, modes)
    ()
    >>> watchers_seeing([("planner", C.CONTROL), ("dashboard", C.DISRUPT)], telemetry, modes)
    ('log',)
    >>> watchers_seeing([("planner", C.CONTROL), ("log", C.TAMPER)], telemetry, modes)
    ()
    """
    blinded_at: dict[str, int] = {}
    erased: set[str] = set()
    for number, (component, capability) in enumerate(steps):
        if component in modes and capability in BLINDING:
            blinded_at.setdefault(component, number)
        if modes.get(component) is WatchMode.RECORDS and capability in ERASING:
            erased.add(component)
    seen: dict[str, None] = {}
    for number, (component, capability) in enumerate(steps):
        if capability in SILENCING:
            continue
        for watcher in telemetry.get(component, ()):
            if watcher not in erased and blinded_at.get(watcher, len(steps)) > number:
                seen.setdefault(watcher)
    return tuple(seen)
