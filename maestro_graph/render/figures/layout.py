"""Where every band and component box of the layered architecture view goes.

The layout is pure geometry (no matplotlib), in inches, with the origin at the bottom left of the
drawing area:

- the six horizontal layers are stacked as bands, L1 at the bottom to L7 at the top; each band
  has a label column on its left;
- L6 Security and Compliance, vertical in MAESTRO, is a column on the right of the stack that
  spans its whole height;
- a band holds its components in up to :data:`MAX_COLUMNS` columns; a band with more wraps into
  several rows, filled column by column (so left-to-right order survives the wrap) with each row
  shifted by a fraction of a slot, so that arrows from the rows above pass between boxes;
- within a band, components are ordered to shorten the flows: a fixed number of barycentre
  sweeps (each component moves towards the mean position of its neighbours on other layers),
  ties broken by component id, keeping the ordering with the shortest total flow length. Nothing
  depends on the order of components or flows in the model file, and nothing is random.
- L6 components sit at the band boundary nearest the mean height of their neighbours (so their
  flows run along the gaps between bands), pushed apart to avoid overlaps.

Examples
--------
>>> import maestro_graph as mg
>>> layout = architecture_layout(mg.example("netmon"))
>>> sorted(layout.boxes)[:3]
['audit', 'auth', 'backend']
>>> layout.overlaps()
[]
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from maestro_graph.model import SystemModel
from maestro_graph.model.layers import Layer

#: Box size and spacing, in inches.
BOX_WIDTH = 1.42
BOX_HEIGHT = 0.46
#: Horizontal distance between the centres of neighbouring boxes, at least.
SLOT = 1.78
#: Vertical distance between the centres of two rows of one band.
ROW_PITCH = 0.82
BAND_PADDING = 0.24
LABEL_WIDTH = 1.45
L6_GAP = 0.22
L6_PADDING = 0.16
L6_HEADER = 0.62
#: Most columns of boxes in one horizontal band; more components wrap into rows.
MAX_COLUMNS = 7
#: The stack is at least this many slots wide, so that small models keep a sensible shape.
MIN_COLUMNS = 4
#: The horizontal layers from the top of the figure to the bottom.
STACK = (Layer.L7, Layer.L5, Layer.L4, Layer.L3, Layer.L2, Layer.L1)
_SWEEPS = 8


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle: lower-left corner, width and height (inches)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.width / 2, self.y + self.height / 2)

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def top(self) -> float:
        return self.y + self.height

    def overlaps(self, other: Rect) -> bool:
        """True when the two rectangles share interior area (touching edges do not count).

        Examples
        --------
        >>> square = Rect(0, 0, 1, 1)
        >>> square.overlaps(Rect(0.5, 0.5, 1, 1)), square.overlaps(Rect(1, 0, 1, 1))
        (True, False)
        """
        return (
            self.x < other.right
            and other.x < self.right
            and self.y < other.top
            and other.y < self.top
        )


@dataclass(frozen=True)
class ArchitectureLayout:
    """The computed geometry of the layered architecture view.

    Attributes
    ----------
    boxes : dict of str to Rect
        Component id to its box.
    bands : dict of Layer to Rect
        Each layer's band (for L6, the vertical column), label column included for L1-L5, L7.
    label_width : float
        Width of the label column at the left of the horizontal bands.
    width, height : float
        Size of the whole drawing, in inches.
    """

    boxes: dict[str, Rect]
    bands: dict[Layer, Rect]
    label_width: float
    width: float
    height: float

    def overlaps(self) -> list[tuple[str, str]]:
        """Pairs of component boxes that overlap (none, for a correct layout)."""
        ids = sorted(self.boxes)
        return [
            (a, b)
            for i, a in enumerate(ids)
            for b in ids[i + 1 :]
            if self.boxes[a].overlaps(self.boxes[b])
        ]

    def to_data(self) -> dict[str, object]:
        """Plain data (rounded coordinates) for comparisons and tests."""

        def rect(r: Rect) -> list[float]:
            return [round(v, 6) for v in (r.x, r.y, r.width, r.height)]

        return {
            "boxes": {k: rect(self.boxes[k]) for k in sorted(self.boxes)},
            "bands": {layer.value: rect(r) for layer, r in self.bands.items()},
            "size": [round(self.width, 6), round(self.height, 6)],
        }


def _grid(count: int) -> tuple[int, int]:
    """(rows, columns) of a band holding ``count`` boxes."""
    if count == 0:
        return 1, 0
    rows = math.ceil(count / MAX_COLUMNS)
    return rows, math.ceil(count / rows)


def _slot_width(usable: float, rows: int, columns: int) -> float:
    return usable / (columns + (rows - 1) / rows) if columns else usable


def _x_centres(count: int, usable: float) -> list[float]:
    """Centre x (from the left of the usable width) of the i-th box of a band, in order."""
    rows, columns = _grid(count)
    slot = _slot_width(usable, rows, columns)
    return [slot * (i // rows + 0.5) + slot * (i % rows) / rows for i in range(count)]


def _neighbours(model: SystemModel) -> dict[str, list[str]]:
    """Each component's neighbours (either flow direction, repeated per flow), sorted by id."""
    found: dict[str, list[str]] = defaultdict(list)
    for flow in model.flows:
        found[flow.source].append(flow.target)
        found[flow.target].append(flow.source)
    return {key: sorted(values) for key, values in found.items()}


def _order_bands(
    model: SystemModel, usable: float, neighbours: dict[str, list[str]]
) -> dict[Layer, list[str]]:
    """Barycentre ordering of each horizontal band (deterministic, independent of file order)."""
    layer_of = {c.id: c.layer for c in model.components}
    order = {layer: sorted(c.id for c in model.components if c.layer is layer) for layer in STACK}

    def positions() -> dict[str, float]:
        placed: dict[str, float] = {}
        for layer in STACK:
            for cid, x in zip(order[layer], _x_centres(len(order[layer]), usable), strict=True):
                placed[cid] = x
        return placed

    def length(placed: dict[str, float]) -> float:
        return sum(
            abs(placed[f.source] - placed[f.target])
            for f in model.flows
            if f.source in placed and f.target in placed
        )

    placed = positions()
    best = ({layer: list(ids) for layer, ids in order.items()}, length(placed))
    for sweep in range(_SWEEPS):
        layers = STACK if sweep % 2 == 0 else tuple(reversed(STACK))
        for layer in layers:
            keys = []
            for cid in order[layer]:
                others = [
                    placed[n]
                    for n in neighbours.get(cid, ())
                    if layer_of[n] is not layer and n in placed
                ]
                centre = sum(others) / len(others) if others else placed[cid]
                keys.append((round(centre, 9), cid))
            order[layer] = [cid for _, cid in sorted(keys)]
            placed = positions()
        total = length(placed)
        if total < best[1] - 1e-9:
            best = ({layer: list(ids) for layer, ids in order.items()}, total)
    return best[0]


def _pack(ideal: list[float], low: float, high: float, pitch: float) -> list[float]:
    """Positions near ``ideal`` (sorted), at least ``pitch`` apart, within ``[low, high]``."""
    placed: list[float] = []
    for value in ideal:
        placed.append(max(value, low, placed[-1] + pitch if placed else low))
    for i in range(len(placed) - 1, -1, -1):
        limit = high if i == len(placed) - 1 else placed[i + 1] - pitch
        placed[i] = min(placed[i], limit)
    return placed


def architecture_layout(model: SystemModel) -> ArchitectureLayout:
    """Compute bands and non-overlapping component boxes for the layered architecture view.

    Parameters
    ----------
    model : SystemModel

    Returns
    -------
    ArchitectureLayout

    Examples
    --------
    >>> import maestro_graph as mg
    >>> layout = architecture_layout(mg.example("rag-agent"))
    >>> layout.bands[Layer.L7].top == layout.bands[Layer.L6].top
    True
    >>> layout.boxes["llm"].y < layout.boxes["agent"].y < layout.boxes["customers"].y
    True
    """
    grids = {layer: _grid(len(model.components_on(layer))) for layer in STACK}
    usable = max(
        [MIN_COLUMNS * SLOT]
        + [SLOT * (columns + (rows - 1) / rows) for rows, columns in grids.values()]
    )
    neighbours = _neighbours(model)
    order = _order_bands(model, usable, neighbours)

    boxes: dict[str, Rect] = {}
    bands: dict[Layer, Rect] = {}
    y = 0.0
    for layer in reversed(STACK):  # bottom (L1) up
        rows, _ = _grid(len(order[layer]))
        height = 2 * BAND_PADDING + BOX_HEIGHT + (rows - 1) * ROW_PITCH
        bands[layer] = Rect(0.0, y, LABEL_WIDTH + usable, height)
        for i, (cid, x) in enumerate(
            zip(order[layer], _x_centres(len(order[layer]), usable), strict=True)
        ):
            row = i % rows  # row 0 at the top of the band
            centre_y = y + height - BAND_PADDING - BOX_HEIGHT / 2 - row * ROW_PITCH
            boxes[cid] = Rect(
                LABEL_WIDTH + x - BOX_WIDTH / 2, centre_y - BOX_HEIGHT / 2, BOX_WIDTH, BOX_HEIGHT
            )
        y += height
    stack_height = y

    # L6: a column to the right, boxes at the mean height of their neighbours.
    vertical = sorted(c.id for c in model.components if c.layer is Layer.L6)
    low = L6_PADDING + BOX_HEIGHT / 2
    high = stack_height - L6_HEADER - BOX_HEIGHT / 2
    per_column = max(1, int((high - low) // ROW_PITCH) + 1)
    columns = max(1, math.ceil(len(vertical) / per_column))
    column_x = LABEL_WIDTH + usable + L6_GAP
    column_width = 2 * L6_PADDING + columns * BOX_WIDTH + (columns - 1) * (SLOT - BOX_WIDTH)
    bands[Layer.L6] = Rect(column_x, 0.0, column_width, stack_height)
    # Boxes sit level with a boundary between two bands, so that their flows run along the
    # gap between bands rather than through a row of boxes.
    boundaries = [bands[layer].y for layer in reversed(STACK)][1:]
    keys = []
    for cid in vertical:
        heights = [
            boxes[n].center[1] for n in neighbours.get(cid, ()) if n in boxes and n not in vertical
        ]
        ideal = sum(heights) / len(heights) if heights else (low + high) / 2
        ideal = min(boundaries, key=lambda b: (abs(b - ideal), b))
        keys.append((round(ideal, 9), cid))
    keys.sort()
    for column in range(columns):
        members = keys[column::columns]
        if columns == 1:
            centres = _pack([k for k, _ in members], low, high, ROW_PITCH)
        else:  # several columns: even slots, rising with the neighbours' height
            step = (high - low) / max(1, per_column - 1)
            centres = [low + i * step for i in range(len(members))]
        x = column_x + L6_PADDING + column * SLOT
        for (_, cid), centre_y in zip(members, centres, strict=True):
            boxes[cid] = Rect(x, centre_y - BOX_HEIGHT / 2, BOX_WIDTH, BOX_HEIGHT)
    return ArchitectureLayout(
        boxes=boxes,
        bands=bands,
        label_width=LABEL_WIDTH,
        width=column_x + column_width,
        height=stack_height,
    )
