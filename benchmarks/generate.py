"""Seeded synthetic layered models for the benchmark (DESIGN section 11).

A model of N components spreads them over the seven layers (most on L2-L4, as real systems
are), gives about 3 flows per component along the directions real architectures have (data into
models and agents, agents invoking tools and models, hosts running workloads, telemetry into
monitors, L6 governing agents), and exposes about 4% of components to the attacker.

    python -m benchmarks.generate 1000 > model-1k.yaml
"""

from __future__ import annotations

import random
import sys
from typing import Any

import maestro_graph as mg
from maestro_graph.model.layers import Layer

LAYER_SHARE = {
    Layer.L1: 0.05,
    Layer.L2: 0.22,
    Layer.L3: 0.25,
    Layer.L4: 0.22,
    Layer.L5: 0.08,
    Layer.L6: 0.06,
    Layer.L7: 0.12,
}

# (from layer, to layer, flow kind, weight): where flows run in real agentic systems.
FLOW_PATTERNS = [
    (Layer.L2, Layer.L1, "data", 3),
    (Layer.L2, Layer.L3, "data", 5),
    (Layer.L2, Layer.L2, "data", 3),
    (Layer.L3, Layer.L1, "invokes", 4),
    (Layer.L3, Layer.L3, "invokes", 5),
    (Layer.L3, Layer.L2, "data", 3),
    (Layer.L3, Layer.L7, "invokes", 3),
    (Layer.L3, Layer.L4, "invokes", 2),
    (Layer.L3, Layer.L3, "delegates", 2),
    (Layer.L7, Layer.L3, "delegates", 2),
    (Layer.L7, Layer.L2, "data", 2),
    (Layer.L7, Layer.L3, "supplies", 1),
    (Layer.L4, Layer.L3, "hosts", 4),
    (Layer.L4, Layer.L2, "hosts", 2),
    (Layer.L4, Layer.L1, "hosts", 1),
    (Layer.L4, Layer.L4, "hosts", 1),
    (Layer.L3, Layer.L5, "telemetry", 3),
    (Layer.L4, Layer.L5, "telemetry", 3),
    (Layer.L5, Layer.L6, "telemetry", 1),
    (Layer.L6, Layer.L3, "governs", 2),
    (Layer.L6, Layer.L7, "authorizes", 1),
]


def generate(count: int, seed: int = 42) -> dict[str, Any]:
    """Model data (the file format) with ``count`` components and about 3 flows per component."""
    rng = random.Random(seed)
    catalog = mg.load_catalog()
    layers = list(LAYER_SHARE)
    by_layer: dict[Layer, list[str]] = {layer: [] for layer in layers}
    components = []
    for index in range(count):
        layer = rng.choices(layers, weights=[LAYER_SHARE[layer] for layer in layers])[0]
        component_id = f"{layer.value.lower()}-{index}"
        exposed = rng.random() < 0.04
        components.append(
            {
                "id": component_id,
                "layer": layer.value,
                "kind": rng.choice(catalog.kinds_of(layer)),
                "exposure": "public" if exposed else "internal",
                "trust": "untrusted" if exposed and rng.random() < 0.5 else "trusted",
                "criticality": rng.randint(1, 5),
            }
        )
        by_layer[layer].append(component_id)
    weights = [pattern[3] for pattern in FLOW_PATTERNS]
    seen: set[tuple[str, str, str]] = set()
    flows = []
    attempts = 0
    while len(flows) < 3 * count and attempts < 10 * count:
        attempts += 1
        source_layer, target_layer, kind, _ = rng.choices(FLOW_PATTERNS, weights=weights)[0]
        if not by_layer[source_layer] or not by_layer[target_layer]:
            continue
        source, target = rng.choice(by_layer[source_layer]), rng.choice(by_layer[target_layer])
        if source == target or (source, target, kind) in seen:
            continue
        seen.add((source, target, kind))
        flows.append({"from": source, "to": target, "kind": kind})
    return {
        "maestro": 1,
        "system": {"name": f"synthetic-{count}"},
        "components": components,
        "flows": flows,
    }


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    sys.stdout.write(mg.SystemModel.model_validate(generate(size)).to_yaml())
