"""The search's cost-to-sink: rounds of relaxation give exactly what Dijkstra gives."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import maestro_graph as mg
from benchmarks.generate import generate
from maestro_graph.engine import ranking
from maestro_graph.engine.propagation import build_attack_graph
from maestro_graph.engine.ranking import ChainQuery
from tests.strategies import CATALOG, PROPERTY_SETTINGS, small_models


def _both(graph, final, keep=None):  # type: ignore[no-untyped-def]
    ends = np.flatnonzero(np.array(final, dtype=bool))
    return (
        ranking._relaxed_to_sink(graph, ends, keep),
        ranking._dijkstra_to_sink(graph, ends, keep),
    )


@PROPERTY_SETTINGS
@given(small_models(), st.randoms(use_true_random=False))
def test_relaxation_equals_dijkstra_on_random_models(model, random) -> None:  # type: ignore[no-untyped-def]
    graph = build_attack_graph(model, CATALOG)
    final = ranking._final_states(graph, ChainQuery())
    keep = np.array([random.random() < 0.7 for _ in range(graph.transition_count)], dtype=bool)
    for mask in (None, keep):
        relaxed, exact = _both(graph, final, mask)
        assert relaxed is not None  # a handful of components needs a handful of rounds
        # Bit for bit, not approximately: the ranking compares these sums.
        assert relaxed.tolist() == exact.tolist()


def test_relaxation_equals_dijkstra_on_the_examples_and_a_generated_model() -> None:
    models = [mg.example(name) for name in ("netmon", "rag-agent", "multi-agent")]
    models.append(mg.SystemModel.model_validate(generate(300)))
    for model in models:
        graph = build_attack_graph(model, CATALOG)
        for layer in (None, mg.Layer.L2, mg.Layer.L7):
            layers = None if layer is None else frozenset({layer})
            final = ranking._final_states(graph, ChainQuery(target_layers=layers))
            relaxed, exact = _both(graph, final)
            assert relaxed is not None
            assert relaxed.tolist() == exact.tolist()
            assert np.isfinite(exact).any()


def test_a_long_way_to_the_sink_hands_over_to_dijkstra() -> None:
    """A line of components longer than the rounds allow, ending only at its last component."""
    count = ranking.RELAXATION_ROUNDS + 12
    components = [
        {"id": f"step{n}", "layer": "L3", "kind": "agent", "exposure": "internal"}
        for n in range(count)
    ]
    components[0]["exposure"] = "public"
    flows = [
        {"from": f"step{n}", "to": f"step{n + 1}", "kind": "delegates"} for n in range(count - 1)
    ]
    model = mg.SystemModel.model_validate(
        {"maestro": 1, "system": {"name": "line"}, "components": components, "flows": flows}
    )
    graph = build_attack_graph(model, CATALOG)
    last = f"step{count - 1}"
    final = [state.component.id == last for state in graph.states]
    relaxed, exact = _both(graph, final)
    assert relaxed is None  # more rounds than allowed: not an answer
    assert ranking._cost_to_sink(graph, final) == exact.tolist()
    first = [state.index for state in graph.states if state.component.id == "step0"]
    # The first component does reach the end, far more than RELAXATION_ROUNDS steps away.
    assert any(np.isfinite(exact[first]))
