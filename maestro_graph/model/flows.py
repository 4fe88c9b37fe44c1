"""Flow kinds: what goes from one component to another. Shared by the model and the catalog."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class FlowKind(StrEnum):
    """What a flow carries; the direction always reads "from -> to"."""

    DATA = "data"
    INVOKES = "invokes"
    DELEGATES = "delegates"
    HOSTS = "hosts"
    SUPPLIES = "supplies"
    TELEMETRY = "telemetry"
    AUTHORIZES = "authorizes"
    GOVERNS = "governs"


FLOW_KIND_MEANINGS: Mapping[FlowKind, str] = MappingProxyType(
    {
        FlowKind.DATA: "from's data reaches to (to reads, ingests or retrieves it)",
        FlowKind.INVOKES: (
            "from calls to (tool call, API call, model inference); responses come back"
        ),
        FlowKind.DELEGATES: "from hands a task or goal to to (agent to agent)",
        FlowKind.HOSTS: "from runs to (a container hosts an agent, a cluster hosts a container)",
        FlowKind.SUPPLIES: "from is code, a model or an image that to is built from",
        FlowKind.TELEMETRY: "from's logs, metrics or traces go to to",
        FlowKind.AUTHORIZES: "from grants identity, credentials or permissions to to",
        FlowKind.GOVERNS: "from (an L6 control or security agent) enforces policy on to",
    }
)

#: One colour per flow kind, shared by figures and diagrams: the hue says what moves.
FLOW_COLORS: Mapping[FlowKind, str] = MappingProxyType(
    {
        FlowKind.DATA: "#1f77b4",
        FlowKind.INVOKES: "#2ca02c",
        FlowKind.DELEGATES: "#9467bd",
        FlowKind.HOSTS: "#7f7f7f",
        FlowKind.SUPPLIES: "#8c564b",
        FlowKind.TELEMETRY: "#17a2b8",
        FlowKind.AUTHORIZES: "#9a9a12",
        FlowKind.GOVERNS: "#d45fae",
    }
)
