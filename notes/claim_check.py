"""Whether a tour's claims hold on a store, and its captions' placeholders filled from the same measurements.

The measurements come from `store.measures` (the notes package imports no store: what it reads is described by the
protocols below), and an experiment stop's from its stored experiment (`Measured`, by spec: app.tours.experiments).
Each claim is held / fails (with the value measured now) / cannot be checked (unit, experiment or data missing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from notes.claims import (
    EXPERIMENT_MEASURES,
    MEMBER_SHARE,
    PLACEHOLDER,
    Claim,
    Placeholder,
    placeholder,
    placeholders,
    stop_units,
)
from notes.tour_file import StopFile

SELECTIVITY = "orientation_selectivity"  # the score whose value says whether a unit prefers an orientation

Status = Literal["holds", "fails", "unchecked"]
NOT_MEASURED = "(not measured)"  # a placeholder whose value this store lacks
Measured = Mapping[str, float]  # what one stored experiment measured, by name (notes.claims.EXPERIMENT_MEASURES)
Experiments = Mapping[str, Measured]  # a model's stored experiments' measures, by spec
SHARES = ("won_back",)  # experiment measures quoted as a percentage of the loss; accuracies are quoted to 0.1%


class UnitFacts(Protocol):
    """A unit's stored measurements (store.measures.UnitMeasures)."""

    layer: str
    unit: int
    branch: str | None
    scores: dict[str, float]
    labels: dict[str, int]
    examples: int
    peak: float | None
    curve_peaks: dict[str, float]
    families: dict[str, bool | None]


class ModelFacts(Protocol):
    """A model's stored measurements (store.measures.ModelMeasures)."""

    @property
    def units(self) -> Mapping[tuple[str, int], UnitFacts]: ...
    @property
    def labels(self) -> tuple[str, ...]: ...
    @property
    def groups(self) -> Mapping[str, tuple[str, ...]]: ...
    @property
    def layers(self) -> tuple[str, ...]: ...
    @property
    def oriented(self) -> float: ...  # the orientation selectivity from which a unit's preferred orientation counts


@dataclass(frozen=True)
class Verdict:
    """A claim and what the store says of it now: the value measured, or why it cannot be checked."""

    claim: Claim
    status: Status
    measured: str  # the value measured now; why it cannot be checked when unchecked


class Unchecked(Exception):
    """A claim or placeholder this store cannot measure: the unit or the data is missing."""


@dataclass(frozen=True)
class Measure:
    """One measured value: the number a bound is checked against, and how a caption quotes it."""

    value: float
    text: str


def _gap(a: float, b: float) -> float:
    return abs((a - b + 180) % 360 - 180)


def _score(unit: UnitFacts, name: str) -> Measure:
    if name not in unit.scores:
        raise Unchecked(f"{unit.layer}:{unit.unit} has no {name} score in this store")
    value = unit.scores[name]
    return Measure(value, f"{value:.0f}°" if name == "orientation" else f"{value:.2f}")


def _share(unit: UnitFacts, label: str, facts: ModelFacts) -> Measure:
    """The share of the unit's top examples labelled `label`, or any label of the group `label` names (a family)."""
    if not unit.examples:
        raise Unchecked(f"{unit.layer}:{unit.unit} has no top dataset examples in this store")
    members = facts.groups.get(label, (label,) if label in facts.labels else ())
    if not members:
        known = [*facts.labels, *facts.groups]
        raise Unchecked(f"no dataset image is labelled {label!r}; labels: {', '.join(known) or 'none'}")
    count = sum(unit.labels.get(member, 0) for member in members)
    return Measure(count / unit.examples, f"{count} of {unit.examples}")


def _response(unit: UnitFacts, curve: str) -> Measure:
    if curve not in unit.curve_peaks or not unit.peak:
        raise Unchecked(f"{unit.layer}:{unit.unit} has no {curve} tuning curve or no dataset examples in this store")
    value = unit.curve_peaks[curve] / unit.peak
    return Measure(value, f"{value:.2f}")


def _rank(unit: UnitFacts, name: str, facts: ModelFacts) -> Measure:
    mine = _score(unit, name).value
    peers = [u.scores[name] for u in facts.units.values() if u.layer == unit.layer and name in u.scores]
    rank = 1 + sum(value > mine for value in peers)
    return Measure(rank, f"{rank} of {len(peers)}")


def _branch_share(unit: UnitFacts, label: str, facts: ModelFacts, least: float) -> Measure:
    if unit.branch is None:
        raise Unchecked(f"{unit.layer}:{unit.unit} is in no branch")
    layer = [u for u in facts.units.values() if u.layer == unit.layer and u.examples]
    members = [u for u in layer if _share(u, label, facts).value >= least]
    if not members:
        raise Unchecked(f"no unit of {unit.layer} has {least:g} of its top examples labelled {label!r}")
    inside = sum(u.branch == unit.branch for u in members)
    return Measure(inside / len(members), f"{inside} of {len(members)}")


def quote(kind: str, name: str | None, unit: UnitFacts, facts: ModelFacts) -> Measure:
    """The value a claim of `kind` on `name` is checked against, or that a placeholder quotes; Unchecked if missing."""
    measures: dict[str, Callable[[], Measure]] = {
        "score": lambda: _score(unit, name or ""),
        "top_examples": lambda: _share(unit, name or "", facts),
        "response": lambda: _response(unit, name or ""),
        "rank": lambda: _rank(unit, name or "", facts),
        "branch_share": lambda: _branch_share(unit, name or "", facts, MEMBER_SHARE),
    }
    return measures[kind]()


def _bounded(claim: Claim, measure: Measure) -> Verdict:
    held = (claim.at_least is None or measure.value >= claim.at_least) and (
        claim.at_most is None or measure.value <= claim.at_most
    )
    shown = f"{measure.value:.2f} ({measure.text})" if " of " in measure.text else measure.text
    return Verdict(claim, "holds" if held else "fails", shown)


def _member(claim: Claim, unit: UnitFacts) -> Verdict:
    """Whether the store's family gate (store.scores.passes_gate) admits the unit to the claimed family."""
    family = claim.member or ""
    if unit.families.get(family) is None:
        why = "no dataset peak above the blank" if family in unit.families else "no family gate recorded"
        raise Unchecked(f"{unit.layer}:{unit.unit}: {why} in this store")
    held = unit.families[family]
    return Verdict(claim, "holds" if held else "fails", "a member" if held else "not a member")


def experiment_measure(spec: str, name: str, experiments: Experiments) -> Measure:
    """What the stored experiment `spec` measured of `name`, as a caption quotes it; Unchecked if not measured."""
    if spec not in experiments:
        raise Unchecked(f"this store has no experiment {spec}")
    if name not in experiments[spec]:
        raise Unchecked(f"{spec} did not measure {name} ({EXPERIMENT_MEASURES[name]})")
    value = experiments[spec][name]
    if name in SHARES:
        return Measure(value, f"{value:.0%}")
    if name == "tuning_r":
        return Measure(value, f"{value:.2f}")
    sign = "+" if name.endswith("_change") and value > 0 else ""
    return Measure(value, f"{sign}{100 * value:.1f}" + (" points" if name.endswith("_change") else "%"))


def unit_verdict(claim: Claim, unit: UnitFacts, facts: ModelFacts) -> Verdict:
    """Whether a claim about one unit holds on its measurements."""
    try:
        if claim.kind == "orientation":
            measure = _score(unit, "orientation")
            gap = _gap(measure.value, float(claim.orientation or 0))
            return Verdict(
                claim, "holds" if gap <= (claim.within or 0) else "fails", f"{measure.text} ({gap:.0f}° off)"
            )
        if claim.kind == "rank":
            measure = _rank(unit, claim.rank or "", facts)
            return Verdict(claim, "holds" if measure.value <= (claim.top or 0) else "fails", measure.text)
        if claim.kind == "branch":
            return Verdict(claim, "holds" if unit.branch == claim.branch else "fails", unit.branch or "no branch")
        if claim.kind == "member":
            return _member(claim, unit)
        if claim.kind == "branch_share":
            least = claim.examples_at_least or MEMBER_SHARE
            return _bounded(claim, _branch_share(unit, claim.branch_share or "", facts, least))
        return _bounded(claim, quote(claim.kind, str(claim.subject), unit, facts))
    except Unchecked as why:
        return Verdict(claim, "unchecked", str(why))


def _circuit_verdict(claim: Claim, units: list[UnitFacts], oriented: float) -> Verdict:
    """Whether a claim about a whole circuit (its order, its coverage) holds. Coverage counts the units that prefer
    an orientation (selectivity at least `oriented`), as the family pages do."""
    name = claim.ordered_by or "orientation"
    try:
        values = [_score(u, name).value for u in units]
    except Unchecked as why:
        return Verdict(claim, "unchecked", str(why))
    shown = ", ".join(_score(u, name).text for u in units)
    if claim.kind == "ordered_by":
        ordered = all(a <= b for a, b in zip(values, values[1:], strict=False))
        return Verdict(claim, "holds" if ordered else "fails", shown)
    selective = [v for u, v in zip(units, values, strict=True) if u.scores.get(SELECTIVITY, 0.0) >= oriented]
    left_out = len(values) - len(selective)
    if left_out:
        shown += f"; {left_out} unit{'' if left_out == 1 else 's'} of selectivity < {oriented:g} not counted"
    if not selective:
        return Verdict(claim, "fails", f"no unit prefers an orientation ({shown})")
    angles = sorted(v % 360 for v in selective)
    coverage = 360 - max(b - a for a, b in zip(angles, [*angles[1:], angles[0] + 360], strict=True))
    held = coverage >= (claim.orientation_coverage or 0)
    return Verdict(claim, "holds" if held else "fails", f"{coverage:.0f}° ({shown})")


def _combined(claim: Claim, verdicts: list[tuple[str, Verdict]]) -> Verdict:
    """One verdict for a claim about each unit of a circuit: it fails where one unit fails, naming those."""
    for status in ("fails", "unchecked"):
        found = [f"{ref}: {v.measured}" for ref, v in verdicts if v.status == status]
        if found:
            return Verdict(claim, status, "; ".join(found))  # type: ignore[arg-type]
    return Verdict(claim, "holds", "; ".join(f"{ref}: {v.measured}" for ref, v in verdicts))


def _ref(ref: str) -> tuple[str, int]:
    layer, _, unit = ref.rpartition(":")
    return layer, int(unit)


def _units(stop: StopFile, unit: str | None, facts: ModelFacts) -> list[tuple[str, UnitFacts | None]]:
    """The units a claim or placeholder is about: the one it names, else the stop's."""
    named = [_ref(unit)] if unit is not None else stop_units(stop.kind, stop.target)
    return [(f"{layer}:{u}", facts.units.get((layer, u))) for layer, u in named]


def _missing(ref: str, facts: ModelFacts) -> str:
    layer = ref.partition(":")[0]
    if not facts.layers:
        return "this store lacks the model"
    return f"this store has no layer {layer!r}" if layer not in facts.layers else f"this store has no unit {ref}"


def _experiment_verdicts(stop: StopFile, experiments: Experiments) -> list[Verdict]:
    verdicts = []
    for claim in stop.claims:
        try:
            verdicts.append(_bounded(claim, experiment_measure(stop.target, claim.experiment or "", experiments)))
        except Unchecked as why:
            verdicts.append(Verdict(claim, "unchecked", str(why)))
    return verdicts


def check_stop(stop: StopFile, facts: ModelFacts, experiments: Experiments | None = None) -> list[Verdict]:
    """Every claim of a valid stop, judged on its model's measurements (an experiment stop's on its model's stored
    experiments: unchecked without them)."""
    if stop.kind == "experiment":
        return _experiment_verdicts(stop, experiments or {})
    verdicts = []
    for claim in stop.claims:
        chosen = _units(stop, claim.unit, facts)
        absent = [r for r, u in chosen if u is None]
        if absent:
            verdicts.append(Verdict(claim, "unchecked", _missing(absent[0], facts)))
        elif claim.kind in ("ordered_by", "orientation_coverage"):
            verdicts.append(_circuit_verdict(claim, [u for _, u in chosen if u is not None], facts.oriented))
        elif len(chosen) == 1:
            verdicts.append(unit_verdict(claim, chosen[0][1], facts))  # type: ignore[arg-type]
        else:
            each = [(r, unit_verdict(claim, u, facts)) for r, u in chosen if u is not None]
            verdicts.append(_combined(claim, each))
    return verdicts


def _quoted(wanted: Placeholder, stop: StopFile, facts: ModelFacts, experiments: Experiments) -> str:
    if wanted.kind == "experiment":
        return experiment_measure(stop.target, wanted.name or "", experiments).text
    chosen = [u for _, u in _units(stop, wanted.unit, facts)]
    if any(u is None for u in chosen):
        raise Unchecked("unit not in this store")
    if wanted.kind == "branch":
        branches = sorted({u.branch or "no branch" for u in chosen if u is not None})
        return ", ".join(f"`{b}`" for b in branches)
    found = sorted((quote(wanted.kind, wanted.name, u, facts) for u in chosen if u is not None), key=lambda m: m.value)
    return found[0].text if found[0].text == found[-1].text else f"{found[0].text} to {found[-1].text}"


def fill(stop: StopFile, facts: ModelFacts, experiments: Experiments | None = None) -> str:
    """The stop's caption with each placeholder replaced by the value measured now ('(not measured)' if missing)."""

    def replace(match: object) -> str:
        try:
            return _quoted(placeholder(match[1]), stop, facts, experiments or {})  # type: ignore[index]
        except (Unchecked, ValueError):
            return NOT_MEASURED

    return PLACEHOLDER.sub(replace, stop.caption)


@dataclass(frozen=True)
class NoFacts:
    """The measurements of a model the store lacks: none."""

    units: Mapping[tuple[str, int], UnitFacts] = field(default_factory=dict)
    labels: tuple[str, ...] = ()
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    layers: tuple[str, ...] = ()


def check_tour(
    stops: Sequence[StopFile], facts: Mapping[str, ModelFacts], experiments: Mapping[str, Experiments] | None = None
) -> list[list[Verdict]]:
    """Every claim of every stop, judged on the measurements of its model (`facts`, by model id), an experiment
    stop's on its model's stored experiments (`experiments`, by model id, then spec)."""
    found = experiments or {}
    return [
        check_stop(s, facts.get(s.model, NoFacts()), found.get(s.model)) if s.problem is None else [] for s in stops
    ]


def _placeholders(caption: str) -> list[Placeholder]:
    try:
        return placeholders(caption)
    except ValueError:  # a caption saved before placeholders were checked: filled as not measured
        return []


def wanted_units(stops: Sequence[StopFile]) -> dict[str, dict[str, set[int]]]:
    """The units each model's stops name, by model then layer: what to gather measures of."""
    found: dict[str, dict[str, set[int]]] = {}
    for stop in stops:
        if stop.problem is None and stop.kind != "experiment" and (stop.claims or "{{" in stop.caption):
            named = [c.unit for c in stop.claims] + [p.unit for p in _placeholders(stop.caption)]
            refs = stop_units(stop.kind, stop.target) + [_ref(u) for u in named if u is not None]
            for layer, unit in refs:
                found.setdefault(stop.model, {}).setdefault(layer, set()).add(unit)
    return found


def wanted_experiments(stops: Sequence[StopFile]) -> dict[str, set[str]]:
    """The experiments each model's experiment stops show, by model: what to gather measures of."""
    found: dict[str, set[str]] = {}
    for stop in stops:
        if stop.problem is None and stop.kind == "experiment":
            found.setdefault(stop.model, set()).add(stop.target)
    return found
