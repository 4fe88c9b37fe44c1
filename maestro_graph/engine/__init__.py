"""The engine: from a checked model and the catalog to ranked attack chains.

Stages, each importing only those before it: risk (likelihood, impact, bands) -> threats (per
component) -> propagation (the attack-state graph) -> detection (who sees a step) -> ranking (the
exact chain search, scoring, fingerprints, explanations) -> patterns, exposure, matrix, register,
lint and rule_testing, which read ranked chains or the graph.
"""
