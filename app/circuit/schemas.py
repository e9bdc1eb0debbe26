"""Response models of a circuit: its layers' units and the kernels between them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.schemas import UnitSummaryPublic


class CircuitUnitPublic(UnitSummaryPublic):
    """A unit on a circuit's axes."""

    without: str | None = Field(
        description="the circuit's page without this unit (null when the layers left would not join)"
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
    max_abs: float = Field(description="the largest |value| among these kernels: the one colour scale they share")
    tensor_max_abs: float = Field(description="the largest |weight| of the whole stored tensor")
    rows: list[int] = Field(description="the later layer's units, in the circuit's order")
    columns: list[int] = Field(description="the earlier layer's units, in the circuit's order")
    kernels: list[list[list[list[float]]]] = Field(
        description="kernels[i][j]: the stored float16 kernel W[rows[i], columns[j]] (rows of columns), exactly"
    )


class CircuitPublic(BaseModel):
    """Units of consecutive layers and the spatial kernels between them."""

    model: str
    units: str = Field(description="the canonical unit list, e.g. 'mixed3b:379,385;mixed4a:12'")
    order: str = Field(description="how each layer's units are ordered: given, svdK or orientation")
    orders: list[str] = Field(description="the orders this circuit can be shown in")
    layers: list[CircuitLayerPublic] = Field(description="forward order")
    pairs: list[CircuitPairPublic] = Field(description="each pair of adjacent layers, in forward order")
    url: str
    api_url: str
