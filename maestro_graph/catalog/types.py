"""Validated catalog entries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from maestro_graph.layers import Layer


@dataclass(frozen=True)
class KindInfo:
    """A kind of component and the layer it sits on."""

    id: str
    layer: Layer
    description: str


@dataclass(frozen=True)
class Catalog:
    """Everything the engine knows, loaded from ``rules/`` and any user rule folders.

    A catalog is immutable: analyses share it safely.
    """

    kinds: Mapping[str, KindInfo]
    sources: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    version: str = "unversioned"
    _kinds_by_layer: Mapping[Layer, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_layer = {
            layer: tuple(k for k, info in self.kinds.items() if info.layer is layer)
            for layer in Layer
        }
        object.__setattr__(self, "kinds", MappingProxyType(dict(self.kinds)))
        object.__setattr__(self, "_kinds_by_layer", MappingProxyType(by_layer))

    def kinds_of(self, layer: Layer) -> tuple[str, ...]:
        """The kinds a component on ``layer`` may have, in catalog order."""
        return self._kinds_by_layer[layer]

    def layer_of_kind(self, kind: str) -> Layer | None:
        """The layer a kind belongs to, or None for an unknown kind."""
        info = self.kinds.get(kind)
        return info.layer if info else None
