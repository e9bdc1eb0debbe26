"""Response models of probing your own image."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.schemas import Float32, Float32Array


class ProbeUnitPublic(BaseModel):
    """A unit as a probe found it: its peak activation on the uploaded image and its map over the image."""

    unit: int
    ref: str = Field(description="'layer:unit'")
    label: str | None
    url: str = Field(description="the unit's page")
    thumbnail: str | None = Field(description="URL of the unit's channel visualization")
    value: Float32 = Field(description="the unit's highest activation over the image's positions")
    map: Float32Array = Field(
        description="activation at each position of the layer (rows of columns), max-pooled to at most 32 per side"
    )


class ProbeImagePublic(BaseModel):
    """What the upload turned out to be when decoded (its declared type is only a claim)."""

    format: str = Field(description="what decoding found: PNG, JPEG, GIF, WEBP, BMP or TIFF")
    width: int
    height: int
    declared_type: str | None = Field(description="the content type the upload declared")
    note: str | None = Field(description="set when the declared type was not what decoding found")
    input_size: int = Field(description="the side of the square the model saw: the centre, short side resized")
    source: str | None = Field(None, description="the dataset image's source path, when one was probed by it")


class ProbePublic(BaseModel):
    """The units of a layer that fire most on an uploaded image, each with its activation map."""

    model: str
    layer: str
    units: int = Field(description="how many units the layer has")
    grid: list[int] = Field(description="[height, width] of the layer's positions")
    top: list[ProbeUnitPublic] = Field(description="highest peak activation first")
    chosen: ProbeUnitPublic | None = Field(description="the unit asked for with `unit`, whatever its rank")
    image: ProbeImagePublic


class ProbeFormPublic(BaseModel):
    """How to probe a model with your own image (or one of its dataset images): the worker, layers and limits."""

    model: str
    url: str = Field(description="the probe page; POST multipart/form-data (image or source, layer, unit, top) to it")
    api_url: str = Field(description="POST the image here (multipart, or the raw bytes with ?layer=&unit=&top=)")
    worker: str = Field(description="'up', 'down', 'off' (none configured) or 'lacks-model'")
    detail: str = Field(description="what the worker state means for you")
    layers: list[str] = Field(description="layers that can be probed")
    max_bytes: int
    max_pixels: int
    formats: list[str]
    max_top: int
