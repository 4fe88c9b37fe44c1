"""The seven MAESTRO layers and their metadata.

MAESTRO stacks six horizontal layers (L1 at the bottom to L7 at the top) and one vertical layer,
L6 Security and Compliance, which spans all the others: its components (security agents,
guardrails, identity, audit) watch or govern components on every other layer.

Examples
--------
>>> Layer.parse("l2")
<Layer.L2: 'L2'>
>>> Layer.L6.info.vertical
True
>>> Layer.L1.info.name
'Foundation Models'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


@dataclass(frozen=True)
class LayerInfo:
    """Descriptive metadata of one MAESTRO layer."""

    code: str
    name: str
    role: str
    vertical: bool = False

    @property
    def label(self) -> str:
        """``"L2 Data Operations"``: code and name, as outputs show a layer."""
        return f"{self.code} {self.name}"


class Layer(StrEnum):
    """A MAESTRO layer, ``L1`` (Foundation Models) to ``L7`` (Agent Ecosystem)."""

    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    L4 = "L4"
    L5 = "L5"
    L6 = "L6"
    L7 = "L7"

    @property
    def info(self) -> LayerInfo:
        """The layer's name, role and whether it is vertical."""
        return LAYER_INFO[self]

    @property
    def number(self) -> int:
        """The layer's position in the stack, 1 to 7."""
        return int(self.value[1])

    @classmethod
    def parse(cls, text: str | int | Layer) -> Layer:
        """Read a layer from ``"L2"``, ``"l2"``, ``"2"`` or ``2``.

        Parameters
        ----------
        text : str, int or Layer
            The layer as a user wrote it.

        Returns
        -------
        Layer

        Raises
        ------
        ValueError
            When the text names no layer; the message lists the valid layers.

        Examples
        --------
        >>> Layer.parse(7)
        <Layer.L7: 'L7'>
        >>> Layer.parse("L9")
        Traceback (most recent call last):
        ...
        ValueError: unknown layer 'L9'; valid layers: L1 (Foundation Models), ...
        """
        if isinstance(text, Layer):
            return text
        candidate = str(text).strip().upper()
        if candidate.isdigit():
            candidate = f"L{candidate}"
        try:
            return cls(candidate)
        except ValueError:
            raise ValueError(
                f"unknown layer {str(text)!r}; valid layers: {valid_layers_text()}"
            ) from None

    @classmethod
    def parse_list(cls, text: str | Iterable[str]) -> tuple[Layer, ...]:
        """Read ``"L4,L5"`` (or an iterable of such strings) into a tuple of layers.

        Examples
        --------
        >>> Layer.parse_list("L4, l5")
        (<Layer.L4: 'L4'>, <Layer.L5: 'L5'>)
        """
        parts = (
            text.split(",") if isinstance(text, str) else [p for t in text for p in t.split(",")]
        )
        return tuple(cls.parse(part) for part in parts if part.strip())


LAYER_INFO: MappingProxyType[Layer, LayerInfo] = MappingProxyType(
    {
        Layer.L1: LayerInfo(
            "L1", "Foundation Models", "the models that reason and generate; bottom of the stack"
        ),
        Layer.L2: LayerInfo(
            "L2",
            "Data Operations",
            "databases, vector stores, embeddings, RAG pipelines and agent memory",
        ),
        Layer.L3: LayerInfo(
            "L3",
            "Agent Frameworks",
            "frameworks, SDKs, orchestration, tool calling and planning logic",
        ),
        Layer.L4: LayerInfo(
            "L4",
            "Deployment and Infrastructure",
            "cloud and on-premise hosts, containers, clusters, networks and IaC",
        ),
        Layer.L5: LayerInfo(
            "L5",
            "Evaluation and Observability",
            "monitoring, evaluation, logging, tracing and anomaly detection",
        ),
        Layer.L6: LayerInfo(
            "L6",
            "Security and Compliance",
            "vertical: security agents, guardrails, identity, policy and audit across all layers",
            vertical=True,
        ),
        Layer.L7: LayerInfo(
            "L7",
            "Agent Ecosystem",
            "other agents, tools, registries, marketplaces, identities and users",
        ),
    }
)


def valid_layers_text() -> str:
    """``"L1 (Foundation Models), L2 (...), ..."`` for error messages."""
    return ", ".join(f"{layer.value} ({layer.info.name})" for layer in Layer)


#: Layer colours shared by figures, diagrams and notebook tables: a light fill for bands and
#: badges, and a dark ink for text on it.
LAYER_FILL: MappingProxyType[Layer, str] = MappingProxyType(
    {
        Layer.L1: "#e7eefa",
        Layer.L2: "#e4f3e8",
        Layer.L3: "#fdf1dc",
        Layer.L4: "#ede7f6",
        Layer.L5: "#e0f2f4",
        Layer.L6: "#fbe6ea",
        Layer.L7: "#efefe2",
    }
)
LAYER_INK: MappingProxyType[Layer, str] = MappingProxyType(
    {
        Layer.L1: "#2f5da8",
        Layer.L2: "#2e7d46",
        Layer.L3: "#b26a00",
        Layer.L4: "#5e3c99",
        Layer.L5: "#00838f",
        Layer.L6: "#b0283f",
        Layer.L7: "#6b6b2a",
    }
)


def layer_badge(layer: Layer) -> str:
    """A coloured ``L3`` label for HTML tables in Jupyter (already HTML)."""
    return (
        f'<span style="background:{LAYER_FILL[layer]};color:{LAYER_INK[layer]};padding:0 4px;'
        f'border-radius:3px;font-weight:600">{layer.value}</span>'
    )
