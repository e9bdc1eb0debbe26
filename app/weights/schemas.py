"""Response models of stored weight tensors: a layer pair's file and SVD, a unit's row and column."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.schemas import EdgePublic, Float32


class SvdUnitPublic(BaseModel):
    """A unit placed on the first components of a layer pair's SVD."""

    layer: str
    unit: int
    ref: str = Field(description="'layer:unit'")
    label: str | None = Field(description="hand-made label, or the class name of an output unit")
    url: str = Field(description="the unit's page")
    thumbnail: str | None = Field(description="URL of the unit's channel visualization")
    coordinates: list[float] = Field(description="the unit's entries in the first `components` singular vectors")
    scores: dict[str, Float32] = Field(description="measured scores of the unit by name, e.g. bw_ratio (when stored)")


class SvdPublic(BaseModel):
    """The SVD of M = |W| summed over the kernel window, M[out, in] = U · diag(s) · Vᵀ (signs of components fixed so
    that each one's largest-magnitude `layer_units` entry is positive)."""

    matrix: str = Field(description="how M is made from the stored tensor")
    singular_values: list[float] = Field(description="all of them, largest first")
    variance_share: list[float] = Field(description="each component's share of Σ s² (sums to 1)")
    components: int = Field(description="how many components the unit coordinates hold")
    layer_units: list[SvdUnitPublic] = Field(description="the later layer's units: rows of U[:, :components]")
    source_units: list[SvdUnitPublic] = Field(description="the earlier layer's units: rows of V[:, :components]")


class WeightsFilePublic(BaseModel):
    """A stored weight tensor W[out, in, kh, kw] of a layer pair: what it is and where to download it."""

    layer: str = Field(description="the later layer: `out` indexes its units")
    source: str = Field(description="the earlier layer: `in` indexes its units")
    kind: str = Field(description="'direct' (one conv or linear joins the layers) or 'expanded'")
    shape: list[int] = Field(description="[out, in, kh, kw]")
    dtype: str
    format: str = Field(description="the file layout, e.g. npy-oihw-fp16/1 (NumPy .npy, float16, C order)")
    sha256: str = Field(description="the hash of the file's bytes (its name)")
    size_bytes: int
    max_abs: Float32 = Field(description="the largest |weight|")
    download_url: str = Field(description="the .npy file: numpy.load reads it")
    filename: str = Field(description="a file name to save it under: model-source-to-layer.npy")
    url: str = Field(description="the layer pair's page")
    api_url: str


class LayerWeightsPublic(WeightsFilePublic):
    """The weights into a layer from its previous layer: the tensor's file and the SVD of its |W|."""

    model: str
    layer_url: str
    source_url: str
    svd: SvdPublic


class WeightsSlicePublic(WeightsFilePublic):
    """One unit's slice of a stored tensor: its row (every input) or column (every output), strongest first."""

    weights: list[EdgePublic] = Field(description="every unit at the other end; weight = the kernel's sum")


class UnitWeightsPublic(BaseModel):
    """A unit's full row and column of the stored weights: every input and every output, with kernels."""

    model: str
    layer: str
    unit: int
    ref: str = Field(description="'layer:unit'")
    url: str = Field(description="the unit's page (its strongest connections)")
    api_url: str
    inputs: WeightsSlicePublic | None = Field(description="W[unit, :, :, :] of the weights into this layer")
    outputs: list[WeightsSlicePublic] = Field(description="W[:, unit, :, :] of each stored tensor out of this layer")
