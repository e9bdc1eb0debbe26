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
    claims: [{top_examples: curve, at_least: 0.75}]  # checked against the store (notes/claims.py)
  - experiment: demo-inception/rebuild:mixed4a:38,40  # model/ then a stored experiment's spec: 'kind:layer:units'
    caption: It wins back {{ experiment won_back }} of what removing them costs.
    claims: [{experiment: won_back, at_least: 0.9}]
```

A file is held to `TourLimits` (its size, its stops, how deep it nests) before anything is built from it: the size
on the text, the depth on PyYAML's event stream (which parses without recursion), the stops before validating them.
Unit numbers are 1–9 ASCII digits, so no stop can make `int()` fail or name a unit past any layer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from notes.claims import STOP_CLAIMS, Claim, claims_problem, still_valid

FORMAT = "microscope-tour/1"
SLUG = r"^[a-z0-9][a-z0-9-]{0,99}$"
UNIT_DIGITS = 9  # no layer has a billion units; ASCII digits only (Python's \d and int() take '٣' and 5,000 digits)
MODEL_CHARS, TARGET_CHARS = 200, 2000  # what the database's columns hold (PostgreSQL refuses longer)
_NUMBER = rf"[0-9]{{1,{UNIT_DIGITS}}}"
_UNIT = re.compile(rf"(?P<model>[^/\s]{{1,{MODEL_CHARS}}})/(?P<layer>[^:/\s]+):(?P<unit>{_NUMBER})")
_GROUP = rf"[^:;/\s]+:{_NUMBER}(,{_NUMBER})*"
_CIRCUIT = re.compile(rf"(?P<model>[^/\s]{{1,{MODEL_CHARS}}})/(?P<units>{_GROUP}(;{_GROUP})*)")
# An experiment's spec as its page's address writes it (store.experiments.Experiment; the app checks the kind).
_EXPERIMENT = re.compile(
    rf"(?P<model>[^/\s]{{1,{MODEL_CHARS}}})/(?P<spec>[a-z][a-z-]*:[^:;/\s]+:{_NUMBER}(,{_NUMBER})*)"
)
TARGETS = ("unit", "circuit", "experiment")  # what a stop shows: exactly one of these fields
# The same rules in the JSON Schema that clients (and Schemathesis) read: exactly one of unit, circuit or experiment,
# each written as the patterns above say (without Python's group names, which JSON Schema's regex dialect lacks).
_WRITTEN_CHARS = MODEL_CHARS + 1 + TARGET_CHARS
_STOP_SCHEMA = {
    "oneOf": [
        {
            "required": [kind],
            "properties": {
                kind: {"type": "string", "pattern": f"^{re.sub(r'[?]P<[a-z]+>', '', pattern.pattern)}$",
                       "maxLength": _WRITTEN_CHARS},
                **{other: {"type": "null"} for other in TARGETS if other != kind},
                **STOP_CLAIMS.get(kind, {}),
            },
        }
        for kind, pattern in (("unit", _UNIT), ("circuit", _CIRCUIT), ("experiment", _EXPERIMENT))
    ]
}  # fmt: skip
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the same safe loader, ten times faster
MAX_ERRORS = 20  # lines of a refused file's message; the rest are counted


class TourLimits(BaseSettings):
    """How large a tour file may be: the editor, `PUT /api/v1/tours/{slug}` and `microscope tours import` refuse more.

    Settings `MICROSCOPE_LIMIT_TOUR_*`; the service's other limits (`app.web.limits.Limits`) extend this class.
    """

    model_config = SettingsConfigDict(env_prefix="MICROSCOPE_LIMIT_", frozen=True)

    tour_bytes: int = Field(512 * 2**10, ge=1, description="a tour file, as YAML or JSON")
    tour_stops: int = Field(200, ge=1, description="stops of one tour")
    tour_depth: int = Field(
        8, ge=3, description="nesting of mappings and lists in a tour file (a tour needs 3, one with claims 5)"
    )

    def refusal(self, source: str, what: str, name: str) -> ValueError:
        """The error of `source` going past limit `name`: what it has, the limit, and the setting that raises it."""
        setting = f"{self.model_config['env_prefix']}{name.upper()}"
        limit = f"{getattr(self, name)} {_UNITS[name]}"
        return ValueError(f"{source} {what}; the limit is {limit} ({name}, setting {setting})")


_UNITS = {"tour_bytes": "bytes", "tour_stops": "stops", "tour_depth": "levels"}


def _cut(text: str, limit: int = 60) -> str:
    """`text`, cut short for a title or a message: an error never repeats 5,000 digits."""
    return text if len(text) <= limit else text[:limit] + "…"


def _shown(text: str) -> str:
    """`text` quoted for a message, cut short."""
    return repr(_cut(text))


def stop_problem(unit: str | None, circuit: str | None, experiment: str | None = None) -> str | None:
    """What is wrong with a stop's target (None when nothing is)."""
    if [unit, circuit, experiment].count(None) != 2:
        return (
            "a stop names exactly one of 'unit' (model/layer:unit), 'circuit' (model/layer:u,u) or 'experiment' "
            "(model/kind:layer:units)"
        )
    if unit is not None and not _UNIT.fullmatch(unit):
        return (
            f"unit {_shown(unit)} is not model/layer:unit with a unit number of 1–{UNIT_DIGITS} digits 0–9, "
            "e.g. demo-inception/mixed3b:73"
        )
    if circuit is not None and not _CIRCUIT.fullmatch(circuit):
        return f"circuit {_shown(circuit)} is not model/layer:u,u;layer:u (digits 0–9), e.g. toy-net/conv1:0,1"
    if experiment is not None and not _EXPERIMENT.fullmatch(experiment):
        return (
            f"experiment {_shown(experiment)} is not model/kind:layer:units (digits 0–9), "
            "e.g. demo-inception/ablate:mixed4a:40,51"
        )
    written = unit or circuit or experiment or ""
    if len(written.partition("/")[2]) > TARGET_CHARS:
        return f"{_shown(written)} is longer than {TARGET_CHARS} characters after the model"
    return None


class StopFile(BaseModel):
    """One stop: a unit (`model/layer:unit`), a circuit (`model/layer:u,u;layer:u`) or a stored experiment
    (`model/kind:layer:units`), with a Markdown caption."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_STOP_SCHEMA)

    unit: str | None = Field(None, description="model/layer:unit, e.g. demo-inception/mixed3b:73")
    circuit: str | None = Field(None, description="model/ and a circuit's units, e.g. demo-inception/mixed3b:73,123")
    experiment: str | None = Field(
        None, description="model/ and a stored experiment's spec, e.g. demo-inception/ablate:mixed4a:40,51"
    )
    caption: str = Field(
        "", max_length=20_000, description="Markdown; raw HTML is shown as text; {{ score curve }} quotes the store"
    )
    claims: list[Claim] = Field(default_factory=list, description="what the stop says of its units, checkable")

    @model_validator(mode="after")
    def _one_target(self) -> StopFile:
        problem = self.problem or claims_problem(self.kind, self.claims, self.caption)
        if problem is not None:
            raise ValueError(problem)
        return self

    @property
    def problem(self) -> str | None:
        """What is wrong with the stop (a stop read from the database may predate a check), or None."""
        return stop_problem(self.unit, self.circuit, self.experiment)

    @property
    def kind(self) -> Literal["unit", "circuit", "experiment"]:
        """What the stop shows."""
        return "unit" if self.unit is not None else "experiment" if self.experiment is not None else "circuit"

    @property
    def model(self) -> str:
        """The model the stop belongs to."""
        return self._written.partition("/")[0]

    @property
    def target(self) -> str:
        """The part after the model: 'layer:unit', the circuit's units, or the experiment's spec."""
        return self._written.partition("/")[2]

    @property
    def written(self) -> str:
        """The target as written, cut short for a title or a message (a stop saved before a check may be huge)."""
        return _cut(self._written)

    @property
    def _written(self) -> str:
        return self.unit or self.circuit or self.experiment or ""

    @property
    def layer_unit(self) -> tuple[str, int]:
        """A valid unit stop's layer and unit (`problem` is None; the unit has at most UNIT_DIGITS digits)."""
        layer, _, unit = self.target.partition(":")
        return layer, int(unit)

    @classmethod
    def of(cls, kind: str, model: str, target: str, caption: str, claims: list[Any] | None = None) -> StopFile:
        """A stop from its stored parts; one saved before a check was added still reads, not validated (its `problem`
        says what is wrong; claims that no longer validate are dropped)."""
        targets = {name: f"{model}/{target}" if name == kind else None for name in TARGETS}
        try:  # validating is the fast way here: pydantic's model_construct is pure Python and slower
            return cls(**targets, caption=caption, claims=claims or [])
        except ValidationError:
            return cls.model_construct(**targets, caption=caption, claims=[])


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


def validated(data: Any, source: str = "the tour", limits: TourLimits | None = None) -> TourFile:
    """A tour from parsed YAML or JSON; a ValueError naming each bad field or stop, or the limit it goes past."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: a tour file is a mapping with slug, title and stops")
    stops = data.get("stops")
    if isinstance(stops, list):  # counted before validating: 20,000 stops are refused without looking at each
        _check_stops(len(stops), source, limits or TourLimits())
    try:
        tour = TourFile.model_validate(data)
    except ValidationError as error:
        lines = [f"{_where(e['loc'])}: {e['msg']}" for e in error.errors()]
        more = [f"… and {len(lines) - MAX_ERRORS} more"] if len(lines) > MAX_ERRORS else []
        raise ValueError(f"{source} is not a valid tour:\n  " + "\n  ".join(lines[:MAX_ERRORS] + more)) from None
    if tour.format != FORMAT:
        raise ValueError(f"{source}: format is {_shown(tour.format)}, not {FORMAT!r}")
    return tour


def within(tour: TourFile, limits: TourLimits, source: str = "the tour") -> TourFile:
    """`tour` (read already, e.g. a JSON body) if it has no more stops than the limit; a ValueError otherwise."""
    _check_stops(len(tour.stops), source, limits)
    return tour


def _check_stops(count: int, source: str, limits: TourLimits) -> None:
    if count > limits.tour_stops:
        raise limits.refusal(source, f"has {count} stops", "tour_stops")


def nesting(events: Iterable[yaml.Event], limit: int) -> int | None:
    """How deep the events' document first nests past `limit` mappings and lists, else None. An alias counts as deep
    as the collection it names; one inside that collection (a cycle) counts as too deep."""
    open_: list[list[Any]] = []  # each open collection: its anchor, and the height of its deepest child so far
    heights: dict[str, int] = {}  # of each anchored collection once closed
    for event in events:
        height = None
        if isinstance(event, yaml.CollectionStartEvent):
            open_.append([event.anchor, 0])
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, inner = open_.pop()
            height = inner + 1
            if anchor:
                heights[anchor] = height
        elif isinstance(event, yaml.AliasEvent):
            cycle = any(anchor == event.anchor for anchor, _ in open_)
            height = limit + 1 if cycle else heights.get(event.anchor, 0)
        depth = len(open_) + (height or 0)
        if depth > limit:
            return depth
        if height and open_:
            open_[-1][1] = max(open_[-1][1], height)
    return None


def parse(text: str, source: str = "the tour", limits: TourLimits | None = None) -> TourFile:
    """A tour from YAML or JSON text (JSON is YAML too), within `limits` (by default the settings'); a ValueError
    naming what is wrong. Size and nesting are checked on the text and its parse events, before any object is made."""
    limits = limits or TourLimits()
    if len(text) > limits.tour_bytes:  # each character is a byte at least: no need to encode a huge text
        raise limits.refusal(source, f"is more than {limits.tour_bytes} bytes", "tour_bytes")
    if (size := len(text.encode("utf-8", "surrogatepass"))) > limits.tour_bytes:
        raise limits.refusal(source, f"is {size} bytes", "tour_bytes")
    try:
        depth = nesting(yaml.parse(text, Loader=_LOADER), limits.tour_depth)
        if depth is not None:
            raise limits.refusal(source, f"nests mappings and lists {depth} deep", "tour_depth")
        data = yaml.load(text, Loader=_LOADER)  # a safe loader: libyaml's when installed
    except yaml.YAMLError as error:
        raise ValueError(f"{source} is neither YAML nor JSON: {error}") from None
    except RecursionError:  # a depth limit set higher than Python's stack allows
        raise ValueError(f"{source} nests too deeply to read") from None
    return validated(data, source, limits)


def read(path: Path, limits: TourLimits | None = None) -> TourFile:
    """The tour in the file at `path`, reading no more than the size limit allows; a ValueError naming what is wrong."""
    limits = limits or TourLimits()
    with path.open("rb") as file:
        raw = file.read(limits.tour_bytes + 1)
    if len(raw) > limits.tour_bytes:
        raise limits.refusal(str(path), f"is more than {limits.tour_bytes} bytes", "tour_bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8 text: {error}") from None
    return parse(text, str(path), limits)


def trusted(data: dict[str, Any]) -> TourFile:
    """A tour file this program wrote (the audit trail's JSON), not validated again: one saved before a check was
    added still reads (each stop's `problem` says what is wrong)."""
    stops = [
        StopFile.model_construct(**{**stop, "claims": still_valid(stop.get("claims"))})
        for stop in data.get("stops", [])
    ]
    return TourFile.model_construct(**{**data, "stops": stops})


def dump(tour: TourFile, as_json: bool = False) -> str:
    """The tour as a file: YAML (keys in the model's order), or JSON."""
    data = tour.model_dump(exclude_none=True)
    data["stops"] = [_stop_data(s) for s in tour.stops]
    if as_json:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _stop_data(stop: StopFile) -> dict[str, Any]:
    """A stop as a file writes it: no empty fields, claims only where it has some."""
    data = stop.model_dump(exclude_none=True)
    if not data.get("claims"):
        data.pop("claims", None)
    return data
