"""Checkable claims a tour stop makes about its units, and the placeholders that quote measured values in captions.

```yaml
  - unit: demo-inception/mixed3b:97
    caption: A curve detector: {{ top_examples curve }} of its top examples are curves.
    claims:
      - top_examples: curve   # the share of its top dataset examples whose image is labelled `curve`
        at_least: 0.75
      - score: curve          # a stored score (store.scores), bounded
        at_least: 0.8
      - orientation: 345      # its preferred orientation, within a circular distance
        within: 20
  - experiment: demo-inception/rebuild:mixed4a:38,40
    caption: Rebuilt by hand, they win back {{ experiment won_back }} of what removing them costs.
    claims:
      - experiment: won_back  # a measure of the stored experiment (EXPERIMENT_MEASURES), bounded
        at_least: 0.9
```

A claim names exactly one kind (`KINDS`) with what the kind needs; it is about the stop's unit, or `unit: layer:u`
(of a circuit, or another unit of the model to compare with); a circuit stop's claim without `unit` holds for every
unit of the circuit. An experiment stop's claims and placeholders are of the `experiment` kind, about what its
stored experiment measured (`EXPERIMENT_MEASURES`), and only its are. Whether a claim holds is measured against a
store (`notes.claim_check`), never here: the notes package imports no store, so score, family and tuning-curve names
are listed here and a test keeps them in step.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator

# store.scores.SCORES, its FAMILY_SCORES and precompute.tuning's curves, by name (tests/notes/test_claims.py keeps
# them equal)
SCORES = ("bw_ratio", "orientation", "orientation_selectivity", "curve", "line", "colour", "frequency")
FAMILIES = ("curves", "lines", "colour", "frequency")
CURVES = ("orientation", "line", "edge", "curvature", "hue", "frequency")
# What an experiment stop's claims and placeholders can measure of its stored experiment (app.tours.experiments
# measures them as app.experiments.present shows them), and what each is.
EXPERIMENT_MEASURES = {
    "won_back": "a rebuild's: of what removing its units costs the family's classes, the share rebuilding wins back",
    "tuning_r": "a rebuild's: r of the rebuilt units' orientation tuning curves with the real ones, averaged",
    "family_before": "the accuracy of the classes the edited family should answer, without the edit",
    "family_after": "the same classes' accuracy with the edit (for a rebuild, with the units rebuilt)",
    "family_removed": "a rebuild's: the same classes' accuracy with its units removed instead",
    "others_change": "the other classes' accuracy with the edit minus without (negative: it fell)",
}
BOUNDS = ("at_least", "at_most")
# Each kind: what its value names, which modifiers it takes, which it needs (one of `BOUNDS` when listed as bounds).
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "score": ("a score", BOUNDS),
    "top_examples": ("a dataset image label", BOUNDS),
    "response": ("a tuning curve", BOUNDS),
    "branch_share": ("a dataset image label", (*BOUNDS, "examples_at_least")),
    "orientation": ("degrees", ("within",)),
    "rank": ("a score", ("top",)),
    "branch": ("a branch layer", ()),
    "member": ("a family", ()),
    "ordered_by": ("a score", ()),
    "orientation_coverage": ("degrees", ()),
    "experiment": ("a measure", BOUNDS),
}
CIRCUIT_ONLY = ("ordered_by", "orientation_coverage")
EXPERIMENT_ONLY = ("experiment",)  # the kinds of claim (and placeholder) an experiment stop makes, and only it
NAMED = {
    "score": SCORES,
    "rank": SCORES,
    "ordered_by": SCORES,
    "response": CURVES,
    "member": FAMILIES,
    "experiment": tuple(EXPERIMENT_MEASURES),
}
MEMBER_SHARE = 0.75  # branch_share: a unit counts as the label's when this share of its top examples has it
Number = Annotated[float, Strict()]  # an int or a float, never a bool or a string (pydantic would convert them)
Count = Annotated[int, Strict()]
UNIT_REF = re.compile(r"[^:;/\s,]+:[0-9]{1,9}")


def _known(kind: str, name: str) -> None:
    valid = NAMED.get(kind)
    if valid is not None and name not in valid:
        noun = KINDS[kind][0].removeprefix("a ")
        raise ValueError(f"{kind}: unknown {noun} {name!r}; {noun}s: {', '.join(valid)}")


class Claim(BaseModel):
    """One checkable statement about a stop's unit (or each unit of a circuit stop, or the circuit as a whole)."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=lambda schema: schema.update(_schema()))

    unit: str | None = Field(
        None, pattern=f"^{UNIT_REF.pattern}$", description="layer:unit: one unit (of a circuit, or another to compare)"
    )
    score: str | None = None
    top_examples: str | None = Field(None, max_length=256)
    response: str | None = None
    branch_share: str | None = Field(None, max_length=256)
    orientation: Number | None = Field(None, ge=0, le=360)
    rank: str | None = None
    branch: str | None = Field(None, max_length=200)
    member: str | None = None
    ordered_by: str | None = None
    orientation_coverage: Number | None = Field(None, ge=0, le=360)
    experiment: str | None = None
    at_least: Number | None = None
    at_most: Number | None = None
    within: Number | None = Field(None, ge=0, le=180)
    top: Count | None = Field(None, ge=1)
    examples_at_least: Number | None = Field(None, gt=0, le=1)

    @model_validator(mode="before")
    @classmethod
    def _one_kind(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError(f"a claim is a mapping with one of: {', '.join(KINDS)}")
        data = {k: v for k, v in data.items() if v is not None}  # a null field is an absent one, as when dumped
        kinds = [k for k in data if k in KINDS]
        if len(kinds) != 1:
            found = ", ".join(kinds or list(data)) or "nothing"
            raise ValueError(f"a claim names exactly one of the kinds {', '.join(KINDS)}; this one has {found}")
        kind = kinds[0]
        takes = KINDS[kind][1]
        extra = [k for k in data if k not in (kind, "unit", *takes)]
        if extra:
            raise ValueError(f"the {kind} claim takes {', '.join(takes) or 'nothing more'}, not {', '.join(extra)}")
        if set(takes) & set(BOUNDS) and not set(data) & set(BOUNDS):
            raise ValueError(f"the {kind} claim needs at_least or at_most")
        needed = {"orientation": "within", "rank": "top"}.get(kind)
        if needed and needed not in data:
            raise ValueError(f"the {kind} claim needs {needed}")
        _known(kind, str(data[kind]))
        return data

    @property
    def kind(self) -> str:
        """Which kind of claim this is (a key of `KINDS`)."""
        return next(k for k in KINDS if getattr(self, k) is not None)

    @property
    def subject(self) -> str | float:
        """What the claim is about: a score, a label, a curve, a branch or degrees."""
        return getattr(self, self.kind)

    @property
    def text(self) -> str:
        """The claim in a line, e.g. 'top_examples curve ≥ 0.75'."""
        head = f"{self.unit}: " if self.unit else ""
        return head + _TEXT[self.kind](self)


def _bounds(claim: Claim) -> str:
    parts = [f"≥ {claim.at_least:g}" if claim.at_least is not None else "", f"≤ {claim.at_most:g}" if claim.at_most
             is not None else ""]  # fmt: skip
    return " and ".join(p for p in parts if p)


_TEXT = {
    "score": lambda c: f"score {c.score} {_bounds(c)}",
    "top_examples": lambda c: f"top_examples {c.top_examples} {_bounds(c)}",
    "response": lambda c: f"response to {c.response} stimuli {_bounds(c)} of the top dataset example's",
    "branch_share": lambda c: f"branch_share {c.branch_share} {_bounds(c)}",
    "orientation": lambda c: f"orientation {c.orientation:g}° ± {c.within:g}°",
    "rank": lambda c: f"rank by {c.rank} in the top {c.top} of its layer",
    "branch": lambda c: f"branch {c.branch}",
    "member": lambda c: f"member of the {c.member} family",
    "ordered_by": lambda c: f"units ordered by {c.ordered_by}",
    "orientation_coverage": lambda c: f"orientations cover ≥ {c.orientation_coverage:g}° of the circle",
    "experiment": lambda c: f"experiment {c.experiment} {_bounds(c)}",
}


def stop_units(kind: str, target: str) -> list[tuple[str, int]]:
    """Every (layer, unit) a valid stop's target names: 'layer:u' or a circuit's 'layer:u,u;layer:u'."""
    if kind == "experiment":
        return []
    named = []
    for group in target.split(";"):
        layer, _, units = group.partition(":")
        named += [(layer, int(u)) for u in units.split(",")]
    return named if kind == "circuit" else named[:1]


def claims_problem(kind: str, claims: list[Claim], caption: str) -> str | None:
    """What is wrong with a valid stop's claims or placeholders (a circuit's claim on a unit stop, an unknown
    placeholder), or None."""
    try:
        quoted = placeholders(caption)
    except ValueError as error:
        return str(error)
    for number, claim in enumerate(claims, 1):
        if claim.kind in CIRCUIT_ONLY and kind != "circuit":
            return f"claim {number}: {claim.kind} is about the units of a circuit stop, not a {kind} stop"
        if (claim.kind in EXPERIMENT_ONLY) != (kind == "experiment"):
            return f"claim {number}: {_only(kind)}"
        if claim.unit is not None and kind == "experiment":
            return f"claim {number}: an experiment stop's claims are about its experiment, not unit {claim.unit}"
    for found in quoted:
        if (found.kind in EXPERIMENT_ONLY) != (kind == "experiment") or (found.unit and kind == "experiment"):
            return f"placeholder {{{{ {found.kind} }}}}: {_only(kind)}"
    return None


def _only(kind: str) -> str:
    if kind == "experiment":
        return "an experiment stop claims and quotes only what its experiment measured ({{ experiment won_back }})"
    return f"a {kind} stop's claims and placeholders are about its units, not an experiment (an experiment stop's)"


def still_valid(found: Any) -> list[Claim]:
    """The claims of a stop this program wrote, each that still validates (a claim kind may have been dropped)."""
    kept = []
    for claim in found if isinstance(found, list) else []:
        try:
            kept.append(Claim.model_validate(claim))
        except ValidationError:
            continue
    return kept


# In a stop's JSON Schema: a unit stop's claims are about its unit, never a circuit's order or coverage nor an
# experiment; a circuit stop's never an experiment; an experiment stop's only its experiment, never a unit.
_NONE = {"type": "null"}
STOP_CLAIMS = {
    kind: {"claims": {"items": {"properties": {k: _NONE for k in (*KINDS, "unit") if k in banned}}}}
    for kind, banned in (
        ("unit", (*CIRCUIT_ONLY, *EXPERIMENT_ONLY)),
        ("circuit", EXPERIMENT_ONLY),
        ("experiment", tuple(k for k in (*KINDS, "unit") if k not in EXPERIMENT_ONLY)),
    )
}
_MODIFIERS = ("at_least", "at_most", "within", "top", "examples_at_least")
_NUMBERS = ("orientation", "orientation_coverage", "at_least", "at_most", "within", "top", "examples_at_least")


def _variant(kind: str) -> dict[str, Any]:
    """The JSON Schema of one kind of claim: the checks of `Claim._one_kind`, for clients and Schemathesis."""
    takes = KINDS[kind][1]
    needed = [n for n in ("within", "top") if n in takes]
    props: dict[str, Any] = {k: {"type": "null"} for k in (*KINDS, *_MODIFIERS) if k != kind and k not in takes}
    props[kind] = {"enum": list(NAMED[kind])} if kind in NAMED else {"type": "number" if kind in _NUMBERS else "string"}
    props |= {n: {"type": "number"} for n in needed}
    if kind in CIRCUIT_ONLY:
        props["unit"] = {"type": "null"}
    variant: dict[str, Any] = {"required": [kind, *needed], "properties": props}
    if set(takes) & set(BOUNDS):
        variant["anyOf"] = [{"required": [b], "properties": {b: {"type": "number"}}} for b in BOUNDS]
    return variant


def _schema() -> dict[str, Any]:
    return {"oneOf": [_variant(kind) for kind in KINDS]}


# Placeholders: `{{ kind [name] [layer:unit] }}`, never Markdown syntax; filled with plain numbers or a branch name.
PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
QUOTES: dict[str, str] = {  # kind: what it quotes
    "score": "a score's value, e.g. {{ score curve }}",
    "top_examples": "how many top examples have a label, e.g. {{ top_examples curve }} → '15 of 16'",
    "response": "the best response to a tuning curve's stimuli over the top example's, e.g. {{ response curvature }}",
    "rank": "the rank by a score in the unit's layer, e.g. {{ rank curve }} → '3 of 192'",
    "branch_share": "how many of the layer's units of a label lie in the unit's branch, e.g. {{ branch_share curve }}",
    "branch": "the unit's branch, {{ branch }}",
    "experiment": "what an experiment stop's experiment measured, e.g. {{ experiment won_back }} → '95%'",
}


class Placeholder(BaseModel):
    """One `{{ … }}` of a caption: what it quotes, of which unit (None: the stop's, or each of a circuit's)."""

    model_config = ConfigDict(frozen=True)

    kind: str
    name: str | None
    unit: str | None


def placeholder(inner: str) -> Placeholder:
    """The placeholder written inside `{{ }}`; a ValueError naming the valid ones."""
    words = inner.split()
    unit = words.pop() if words and UNIT_REF.fullmatch(words[-1]) else None
    if not words or words[0] not in QUOTES:
        valid = "; ".join(QUOTES.values())
        raise ValueError(f"unknown placeholder {{{{{inner[:60]}}}}}; placeholders: {valid}")
    kind, rest = words[0], words[1:]
    wanted = 0 if kind == "branch" else 1
    if len(rest) != wanted:
        raise ValueError(f"placeholder {{{{{inner[:60]}}}}}: {QUOTES[kind]}, then optionally a unit, layer:unit")
    _known(kind, rest[0] if rest else "")
    return Placeholder(kind=kind, name=rest[0] if rest else None, unit=unit)


def placeholders(caption: str) -> list[Placeholder]:
    """Every placeholder of a caption, in order; a ValueError naming the first unknown one."""
    return [placeholder(m[1]) for m in PLACEHOLDER.finditer(caption)]
