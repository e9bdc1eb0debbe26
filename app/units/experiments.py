"""What happens without a unit: the stored experiments that edit it (a removal of a family holding it, a cut, a
rebuild by hand), each in a line, and the address that removes it alone when a live experiment worker is configured.

One reader call (the model's stored experiments), whatever the number stored; a store of a format before
experiments were kept lists none. The classes a family answers are grouped as the experiment pages group them
(app.experiments.present, which this package may not import: it imports app.units).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from app import routes, urls
from app.deps import Reader, UnitDep
from app.units.schemas import UnitExperimentPublic
from store.experiments import Experiment, ExperimentResult
from store.scores import FAMILY_CLASSES

Means = tuple[float, float] | None  # a group of classes' mean accuracy without and with the edit; None: no class


@dataclass(frozen=True)
class UnitEdits:
    """The experiments that edit a unit, and where to remove it alone live (None without a worker)."""

    experiments: list[UnitExperimentPublic] = field(default_factory=list)
    remove_alone_url: str | None = None

    def fields(self) -> dict[str, Any]:
        """The unit response's fields that say what happens without it (`unit_public`'s keywords)."""
        return {"experiments": self.experiments, "remove_alone_url": self.remove_alone_url}


def _means(rows: Sequence[dict[str, Any]]) -> Means:
    if not rows:
        return None
    return sum(r["before"] for r in rows) / len(rows), sum(r["after"] for r in rows) / len(rows)


def _groups(result: ExperimentResult, classes: Sequence[dict[str, Any]]) -> tuple[Means, Means]:
    """The family's classes' means and, when it has some, the other classes'."""
    answered = set(FAMILY_CLASSES.get(result.get("family") or "", ()))
    family = _means([c for c in classes if c["name"] in answered])
    return family, _means([c for c in classes if c["name"] not in answered]) if family else None


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def _change(result: ExperimentResult, family: Means, others: Means) -> str:
    """'the curve classes 94.1% → 62.9%, the others 98.2% → 97.1%', or the accuracy when no class is the family's."""
    if family is not None:
        text = f"the {result['family'].removesuffix('s')} classes {_percent(family[0])} → {_percent(family[1])}"
        return text + (f", the others {_percent(others[0])} → {_percent(others[1])}" if others else "")
    accuracy = result.get("accuracy") or {}
    if accuracy.get("before") is None or accuracy.get("after") is None:
        return "no accuracy measured (no labelled dataset images)"
    return f"accuracy {_percent(accuracy['before'])} → {_percent(accuracy['after'])}"


def _rebuilt(result: ExperimentResult, family: Means, removed: Means, change: str) -> str:
    """A rebuild in a line: from what, and the family's classes real, removed and rebuilt."""
    found = result["rebuild"]
    head = f"rebuilt by hand (a·cos(θ − φ)) from {len(found['sources'])} units of {found['from']}"
    if family is None or removed is None:
        return f"{head}: {change}"
    shares = f"{_percent(family[0])} real, {_percent(removed[1])} removed, {_percent(family[1])} rebuilt"
    return f"{head}: the {result['family'].removesuffix('s')} classes {shares}"


def _tuning_r(result: ExperimentResult, unit: int) -> float | None:
    rows = [row for row in result["rebuild"]["units"] if row["unit"] == unit]
    return rows[0].get("tuning_r") if rows else None


def unit_experiment(model: str, unit: int, result: ExperimentResult) -> UnitExperimentPublic:
    """One stored experiment as a unit it edits lists it."""
    family, others = _groups(result, result["classes"])
    accuracy, rebuild = result.get("accuracy") or {}, result.get("rebuild")
    effect, removed, tuning_r = _change(result, family, others), None, None
    if rebuild:
        removed, tuning_r = _groups(result, rebuild["removed"]["classes"])[0], _tuning_r(result, unit)
        effect = _rebuilt(result, family, removed, effect)
    answered = FAMILY_CLASSES.get(result.get("family") or "", ())
    return UnitExperimentPublic(
        spec=result["spec"], title=result["title"], kind=result["kind"], units=len(result["units"]), effect=effect,
        accuracy_before=accuracy.get("before"), accuracy_after=accuracy.get("after"),
        family_classes=[c["name"] for c in result["classes"] if c["name"] in answered],
        family_before=family[0] if family else None, family_after=family[1] if family else None,
        others_before=others[0] if others else None, others_after=others[1] if others else None,
        removed_family_after=removed[1] if removed else None, tuning_r=tuning_r,
        url=urls.path(routes.EXPERIMENT, model=model, spec=result["spec"]),
        api_url=urls.path(routes.API_EXPERIMENT, model=model, spec=result["spec"]),
    )  # fmt: skip


def unit_experiments(
    model: str, layer: str, unit: int, stored: list[ExperimentResult] | None
) -> list[UnitExperimentPublic]:
    """The stored experiments (in the order run) whose edit names the unit."""
    edits = [r for r in stored or [] if r["layer"] == layer and unit in r["units"]]
    return [unit_experiment(model, unit, r) for r in edits]


def get_unit_edits(request: Request, reader: Reader, ctx: UnitDep) -> UnitEdits:
    """The experiments that edit the unit the path names, and its live removal's address when a worker computes one
    (the service's probe worker, `probe_url`), unless that removal is stored already."""
    model, layer, unit = ctx.model.id, ctx.layer.name, ctx.unit
    found = unit_experiments(model, layer, unit, reader.experiments(model))
    alone = str(Experiment("ablate", layer, (unit,)))
    live = request.app.state.settings.probe_url and all(e.spec != alone for e in found)
    return UnitEdits(found, urls.path(routes.EXPERIMENT, model=model, spec=alone) if live else None)


UnitEditsDep = Annotated[UnitEdits, Depends(get_unit_edits)]
