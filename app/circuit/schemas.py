"""Response models of a circuit: its layers' units and the kernels between them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.schemas import UnitSummaryPublic


class CircuitUnitPublic(UnitSummaryPublic):
    """A unit on a circuit's axes."""

    without: str | None = Field(
        description="the circuit's page without this unit (null when the layers left would not join)"
    )
    examples: list[str] = Field(
        default_factory=list, description="URLs of the crops of its top dataset examples, best first (at most 4)"
    )


class CircuitLayerPublic(BaseModel):
    """A layer of a circuit and its chosen units, in the circuit's order."""

    name: str
    url: str = Field(description="the layer's page")
    units: list[CircuitUnitPublic]


class CircuitPairPublic(BaseModel):
    """The kernels joining the chosen units of two consecutive layers, read from the stored weight tensor."""

    source: str = Field(description="the earlier layer (columns)")
    layer: str = Field(description="the later layer (rows), which computes from `source`")
    kind: str = Field(description="'direct' (one conv or linear joins the layers) or 'expanded'")
    kernel_shape: list[int] = Field(description="[height, width] of every kernel ([1, 1] for a linear layer)")
    max_abs: float = Field(description="the largest |value| among these kernels")
    tensor_max_abs: float = Field(description="the largest |weight| of the whole stored tensor")
    rows: list[int] = Field(description="the later layer's units, in the circuit's order")
    columns: list[int] = Field(description="the earlier layer's units, in the circuit's order")
    colour_max: list[float] = Field(
        description="for each of `rows`, the |value| its kernels are drawn at full colour (red +, blue −; white at 0): "
        "the 99th percentile of |value| over the kernels the circuit's `scale` groups (every kernel of the pair, or "
        "the row's), larger values clipped to full colour"
    )
    kernels: list[list[list[list[float]]]] = Field(
        description="kernels[i][j]: the stored float16 kernel W[rows[i], columns[j]] (rows of columns), exactly"
    )


class CircuitPublic(BaseModel):
    """Units of consecutive layers and the spatial kernels between them."""

    model: str
    units: str = Field(description="the canonical unit list, e.g. 'mixed3b:379,385;mixed4a:12'")
    order: str = Field(description="how each layer's units are ordered: given, svdK or orientation")
    orders: list[str] = Field(description="the orders this circuit can be shown in")
    scale: str = Field(
        description="how the kernels share a colour scale (each pair's `colour_max`): 'pair' (one for every kernel of "
        "a layer pair) or 'row' (one for each row)"
    )
    layers: list[CircuitLayerPublic] = Field(description="forward order")
    pairs: list[CircuitPairPublic] = Field(description="each pair of adjacent layers, in forward order")
    url: str
    api_url: str
