"""What the graph exporters read from an attack graph, column by column.

A graph of 10,000 components has about a quarter of a million transitions; making a
:class:`~maestro_graph.engine.propagation.Transition` object for each would cost more than the
export.
:func:`step_table` reads the transitions' arrays (``graph.steps``) once and turns each index
column into the values the exporters write, looking each distinct rule, flow and set of
controls up once.

Examples
--------
>>> import maestro_graph as mg
>>> graph = mg.analyze(mg.example("netmon")).attack_graph
>>> table = step_table(graph)
>>> len(table) == graph.transition_count
True
>>> state_ids(graph)[table.source[0]] == "/".join(graph.states[table.source[0]].key)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from maestro_graph.engine.propagation import AttackGraph


def state_id(component_id: str, threat_id: str) -> str:
    """The exported id of a state: ``"<component id>/<threat id>"``.

    Neither component ids (``[a-z0-9_.-]``) nor threat ids (``L1.name``) contain ``/``, so the
    id is unique and splits back at its first ``/``.

    Examples
    --------
    >>> state_id("llm", "L1.prompt-injection")
    'llm/L1.prompt-injection'
    """
    return f"{component_id}/{threat_id}"


def state_ids(graph: AttackGraph) -> list[str]:
    """The exported id of every state, by state index."""
    return [state_id(state.component.id, state.threat.id) for state in graph.states]


@dataclass(frozen=True)
class StepTable:
    """The transitions of an attack graph as plain Python columns, one entry per transition.

    Attributes
    ----------
    source, target : list of int
        State indexes.
    likelihood : list of float
        The step's likelihood after controls.
    cost : list of float
        ``-ln likelihood``: what the chain search adds up (0 for a certain step).
    rule : list of str
        The id of the propagation rule that takes the step (the most likely one).
    direction : list of str
        ``forward``, ``reverse`` (against the flow's direction) or ``self`` (within one
        component).
    flow_kind : list of str or None
        The kind of the flow the step goes through; None for a step within one component.
    flow : list of str or None
        The flow as ``"a -> b (kind)"``; None for a step within one component.
    controls : list of tuple of str
        The ids of the controls that lower the step's likelihood, in the order applied.
    """

    source: list[int]
    target: list[int]
    likelihood: list[float]
    cost: list[float]
    rule: list[str]
    direction: list[str]
    flow_kind: list[str | None]
    flow: list[str | None]
    controls: list[tuple[str, ...]]

    def __len__(self) -> int:
        return len(self.source)


def step_table(graph: AttackGraph) -> StepTable:
    """Every transition of ``graph`` as columns, read from its arrays (see :class:`StepTable`)."""
    steps = graph.steps
    rule_positions = steps.rule.tolist()
    # Index -1 (a step within one component) picks the trailing None of each flow lookup.
    flow_positions = steps.flow.tolist()
    flow_kinds: list[str | None] = [flow.kind.value for flow in steps.flows]
    flow_texts: list[str | None] = [str(flow) for flow in steps.flows]
    flow_kinds.append(None)
    flow_texts.append(None)
    rule_ids = [rule.id for rule in steps.rules]
    directions = [rule.via.direction for rule in steps.rules]
    control_sets = [
        tuple(dict.fromkeys(control for control, _, _ in reductions))
        for reductions in steps.reduction_sets
    ]
    likelihood = steps.likelihood.astype(float)
    # Adding 0.0 turns the -0.0 of a certain step into 0.0.
    cost = (-np.log(likelihood) + 0.0).tolist() if len(likelihood) else []
    return StepTable(
        source=steps.source.tolist(),
        target=steps.target.tolist(),
        likelihood=likelihood.tolist(),
        cost=cost,
        rule=[rule_ids[i] for i in rule_positions],
        direction=[directions[i] for i in rule_positions],
        flow_kind=[flow_kinds[i] for i in flow_positions],
        flow=[flow_texts[i] for i in flow_positions],
        controls=[control_sets[i] for i in steps.reductions.tolist()],
    )
