"""Tour files: a tour as YAML or JSON (`microscope tours import|export`, the browser's editor, the shipped tours).

```yaml
slug: curves
title: Curve detectors
description: Markdown shown above the stops.
stops:
  - unit: demo-inception/mixed3b:73        # model/layer:unit
    caption: Markdown; raw HTML is shown as text.
  - circuit: demo-inception/mixed3b:73,123  # model/ then a circuit page's units: 'layer:u,u;layer:u'
    caption: …
```
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

FORMAT = "microscope-tour/1"
SLUG = r"^[a-z0-9][a-z0-9-]{0,99}$"
_UNIT = re.compile(r"^(?P<model>[^/\s]+)/(?P<layer>[^:/\s]+):(?P<unit>\d+)$")
_CIRCUIT = re.compile(r"^(?P<model>[^/\s]+)/(?P<units>[^:;/\s]+:\d+(,\d+)*(;[^:;/\s]+:\d+(,\d+)*)*)$")


class TourLimits(BaseSettings):
    """How large a tour file may be: the editor, `PUT /api/v1/tours/{slug}` and `microscope tours import` refuse more.

    Settings `MICROSCOPE_LIMIT_TOUR_*`; the service's other limits (`app.limits.Limits`) extend this class.
    """

    model_config = SettingsConfigDict(env_prefix="MICROSCOPE_LIMIT_", frozen=True)

    tour_bytes: int = Field(512 * 2**10, ge=1, description="a tour file, as YAML or JSON")
    tour_stops: int = Field(200, ge=1, description="stops of one tour")
    tour_depth: int = Field(8, ge=3, description="nesting of mappings and lists in a tour file (a tour needs 3)")


class StopFile(BaseModel):
    """One stop: a unit (`model/layer:unit`) or a circuit (`model/layer:u,u;layer:u`), with a Markdown caption."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unit: str | None = Field(None, description="model/layer:unit, e.g. demo-inception/mixed3b:73")
    circuit: str | None = Field(None, description="model/ and a circuit's units, e.g. demo-inception/mixed3b:73,123")
    caption: str = Field("", max_length=20_000, description="Markdown; raw HTML is shown as text")

    @model_validator(mode="after")
    def _one_target(self) -> StopFile:
        if (self.unit is None) == (self.circuit is None):
            raise ValueError("a stop names exactly one of 'unit' (model/layer:unit) or 'circuit' (model/layer:u,u)")
        if self.unit is not None and not _UNIT.match(self.unit):
            raise ValueError(f"unit {self.unit!r} is not model/layer:unit, e.g. demo-inception/mixed3b:73")
        if self.circuit is not None and not _CIRCUIT.match(self.circuit):
            raise ValueError(f"circuit {self.circuit!r} is not model/layer:u,u;layer:u, e.g. toy-net/conv1:0,1")
        return self

    @property
    def kind(self) -> Literal["unit", "circuit"]:
        """What the stop shows."""
        return "unit" if self.unit is not None else "circuit"

    @property
    def model(self) -> str:
        """The model the stop belongs to."""
        return (self.unit or self.circuit or "").partition("/")[0]

    @property
    def target(self) -> str:
        """The part after the model: 'layer:unit', or the circuit's units."""
        return (self.unit or self.circuit or "").partition("/")[2]

    @property
    def layer_unit(self) -> tuple[str, int]:
        """A unit stop's layer and unit."""
        layer, _, unit = self.target.partition(":")
        return layer, int(unit)

    @classmethod
    def of(cls, kind: str, model: str, target: str, caption: str) -> StopFile:
        """A stop from its stored parts."""
        return cls(**{kind: f"{model}/{target}"}, caption=caption)


class TourFile(BaseModel):
    """A whole tour as a file holds it."""

    model_config = ConfigDict(extra="forbid")

    format: str = FORMAT
    slug: str = Field(pattern=SLUG, description="the tour's address, /tours/{slug}: lower-case letters, digits, -")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=20_000, description="Markdown")
    author: str | None = Field(None, max_length=200, description="who wrote it (else whoever imports it)")
    stops: list[StopFile] = Field(min_length=1)


def _where(location: tuple[int | str, ...]) -> str:
    """'stop 3 (unit)' for ('stops', 2, 'unit'); the field's name otherwise."""
    if len(location) >= 2 and location[0] == "stops" and isinstance(location[1], int):
        rest = ".".join(str(p) for p in location[2:])
        return f"stop {location[1] + 1}" + (f" ({rest})" if rest else "")
    return ".".join(str(p) for p in location) or "the file"


def validated(data: Any, source: str = "the tour") -> TourFile:
    """A tour from parsed YAML or JSON; a ValueError naming each bad field or stop."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: a tour file is a mapping with slug, title and stops")
    try:
        tour = TourFile.model_validate(data)
    except ValidationError as error:
        lines = [f"{_where(e['loc'])}: {e['msg']}" for e in error.errors()]
        raise ValueError(f"{source} is not a valid tour:\n  " + "\n  ".join(lines)) from None
    if tour.format != FORMAT:
        raise ValueError(f"{source}: format is {tour.format!r}, not {FORMAT!r}")
    return tour


def parse(text: str, source: str = "the tour") -> TourFile:
    """A tour from YAML or JSON text (JSON is YAML too); a ValueError naming what is wrong."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"{source} is neither YAML nor JSON: {error}") from None
    return validated(data, source)


def dump(tour: TourFile, as_json: bool = False) -> str:
    """The tour as a file: YAML (keys in the model's order), or JSON."""
    data = tour.model_dump(exclude_none=True)
    data["stops"] = [s.model_dump(exclude_none=True) for s in tour.stops]
    if as_json:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
