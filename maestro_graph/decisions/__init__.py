"""Decisions on a ranked model: control placements, what-if and exact mitigation planning."""
