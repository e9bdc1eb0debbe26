"""The experiments stage: the standard experiments on a model, run on its dataset images labelled with its classes
(precompute.experiments) and stored, unless stored with the same settings.

The standard set, from the families the store lists (each layer's top FAMILY_TOP members by the family's score, as its
family page shows them):
- each family of each layer removed (families of a layer that list the same units share one experiment);
- the negative weights into each curve family cut;
- each curve family rebuilt by hand from the previous layer, when it has a curve family too (precompute.edits.
  OrientationRule, with the stored preferred orientations): the family's units that prefer an orientation
  (selectivity ≥ ORIENTED_SELECTIVITY) and read the previous layer directly (not behind a bottleneck), each from every
  unit of the previous layer that answers curves at least as well as lines (`rule_sources`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from torch import nn

from precompute.edits import OrientationRule, reading_conv, unit_conv
from precompute.experiments import CURVES, EXPERIMENTS_VERSION, ORIENTED_FAMILIES, Lab, load_images
from precompute.hooks import resolve_module
from precompute.images import DatasetImage
from precompute.layers import LayerInfo, probe_layers
from precompute.progress import stage_bar
from precompute.zoo import LoadedModel
from store.experiments import ABLATE, CUT_NEGATIVE, PRECOMPUTED, REBUILD, Experiment
from store.reader import StoreReader
from store.records import Settings, UnitSummary, stored_settings
from store.rules import Rule
from store.scores import CURVE, FAMILY_SCORES, FAMILY_TOP, ORIENTATION, ORIENTATION_SELECTIVITY, ORIENTED_SELECTIVITY
from store.writer import StoreWriter

SOURCE_CURVE = 0.5  # a unit answering curves at least as well as lines (store.scores.CURVE: 0.5, alike) feeds a rule
Planned = tuple[Experiment, list[str], OrientationRule | None]  # an experiment, the families it edits, its rule


def standard_experiments(reader: StoreReader, model: LoadedModel, layers: Sequence[LayerInfo]) -> list[Planned]:
    """The experiments every store runs (the module's docstring), in order: removals, cuts, rebuilds."""
    names = [layer.name for layer in layers]
    removals: dict[Experiment, list[str]] = {}
    cuts: dict[Experiment, list[str]] = {}
    curves: dict[str, list[UnitSummary]] = {}
    for family, score in FAMILY_SCORES.items():
        ranked = reader.units_scored(model.id, score.name, FAMILY_TOP, names, family)
        for layer in names:
            units = tuple(u.unit for u in ranked.get(layer, []))
            if not units:
                continue
            removals.setdefault(Experiment(ABLATE, layer, units), []).append(family)
            if family == CURVES:
                curves[layer] = ranked[layer]
                if all(_found(unit_conv, resolve_module(model.module, layer), u) for u in units):
                    cuts.setdefault(Experiment(CUT_NEGATIVE, layer, units), []).append(family)
    order = {name: i for i, name in enumerate(names)}
    planned: list[Planned] = [
        (e, families, None)
        for group in (removals, cuts)
        for e, families in sorted(group.items(), key=lambda i: order[i[0].layer])
    ]
    return planned + [(e, [CURVES], rule) for e, rule in _rebuilds(reader, model, layers, curves)]


def _found(find: Callable[..., object], module: nn.Module, unit: int, *args: int) -> bool:
    """Whether `find(module, unit, *args)` (`unit_conv`, `reading_conv`) finds the conv computing the unit."""
    try:
        find(module, unit, *args)
    except ValueError:
        return False
    return True


def _rebuilds(
    reader: StoreReader, model: LoadedModel, layers: Sequence[LayerInfo], curves: dict[str, list[UnitSummary]]
) -> list[tuple[Experiment, OrientationRule]]:
    """Each curve family whose previous layer has one too, rebuilt from that layer: the units that read it directly."""
    found = []
    for previous, layer in zip(layers, layers[1:], strict=False):
        sources = rule_sources(reader, model.id, previous.name) if curves.get(previous.name) else {}
        targets = _oriented(curves.get(layer.name, []), selective=True)
        module = resolve_module(model.module, layer.name)
        readable = {u: theta for u, theta in targets.items() if _found(reading_conv, module, u, previous.units)}
        if sources and readable:
            experiment = Experiment(REBUILD, layer.name, tuple(readable))
            found.append((experiment, OrientationRule(sources, readable)))
    return found


def rule_sources(reader: StoreReader, model_id: str, layer: str) -> dict[int, float]:
    """The units of `layer` a rebuild's rule reads, each at its stored preferred orientation φ: every unit with one
    that answers curves at least as well as lines (curve score ≥ SOURCE_CURVE). The curve computation of a small
    network is spread wider than its top 16 (on the demo, mixed4a's curve units draw about a tenth of their input
    weights from mixed3b's curve family), so the rule reads them all, not only the family its page lists."""
    return {
        u.unit: u.scores[ORIENTATION.name]
        for u in reader.units(model_id, layer)
        if ORIENTATION.name in u.scores and u.scores.get(CURVE.name, 0.0) >= SOURCE_CURVE
    }


def curve_rule(
    reader: StoreReader, model: LoadedModel, layers: Sequence[LayerInfo], experiment: Experiment, rule: Rule
) -> OrientationRule:
    """The rule a rebuild of `experiment`'s units draws from: `rule` over the previous layer's curve units
    (`rule_sources`, as the standard rebuilds read them) into the units, at their stored orientations. ValueError
    naming what is missing: a previous layer, its curve units, a unit's orientation, or a unit that does not read the
    previous layer directly."""
    names = [layer.name for layer in layers]
    at = names.index(experiment.layer)
    if at == 0:
        raise ValueError(f"{experiment.layer} is the first layer: there is no previous layer to rebuild it from")
    previous = layers[at - 1]
    sources = rule_sources(reader, model.id, previous.name)
    if not sources:
        raise ValueError(
            f"{previous.name} has no unit with a stored orientation answering curves at least as well as lines to "
            f"rebuild {experiment.layer} from"
        )
    stored = {u.unit: u for u in reader.units(model.id, experiment.layer)}
    targets = _oriented([stored[u] for u in experiment.units if u in stored])
    missing = [u for u in experiment.units if u not in targets]
    if missing:
        raise ValueError(f"units {_listed(missing)} of {experiment.layer} have no stored preferred orientation")
    module = resolve_module(model.module, experiment.layer)
    unreadable = [u for u in experiment.units if not _found(reading_conv, module, u, previous.units)]
    if unreadable:
        raise ValueError(
            f"units {_listed(unreadable)} of {experiment.layer} do not read {previous.name} directly (they sit behind "
            "a bottleneck conv): a rule over its units cannot rebuild them"
        )
    return OrientationRule(sources, targets, rule)


def _listed(units: Sequence[int], most: int = 12) -> str:
    shown = ", ".join(map(str, units[:most]))
    return shown + (f" and {len(units) - most} more" if len(units) > most else "")


def _oriented(units: Sequence[UnitSummary], selective: bool = False) -> dict[int, float]:
    """The units' stored preferred orientations (those with one; `selective`: only the units that prefer one, with
    orientation selectivity at least store.scores.ORIENTED_SELECTIVITY, as the family pages count them)."""
    return {
        u.unit: u.scores[ORIENTATION.name]
        for u in units
        if ORIENTATION.name in u.scores
        and (not selective or u.scores.get(ORIENTATION_SELECTIVITY.name, 0.0) >= ORIENTED_SELECTIVITY)
    }


def experiments_settings(model: LoadedModel, images: Sequence[DatasetImage], planned: Sequence[Planned]) -> Settings:
    """What the stage records: its version, the weights, the images and the experiments run (from the families)."""
    return stored_settings(
        {
            "version": EXPERIMENTS_VERSION,
            "weights_sha256": model.weights_hash,
            "images": len(images),
            "experiments": [str(e) for e, _, _ in planned],
        }
    )


def experiments_stage(
    model: LoadedModel,
    writer: StoreWriter,
    images: Sequence[DatasetImage],
    *,
    device: str = "cpu",
    progress: bool = True,
) -> str:
    """Run the standard experiments and store their results, unless stored with the same settings; what it did."""
    labelled = [image for image in images if image.label in set(model.class_labels)]
    if not labelled:
        return "no experiments (no dataset images labelled with the model's classes)"
    layers = probe_layers(model)
    reader = StoreReader(writer.location)
    try:
        planned = standard_experiments(reader, model, layers)
    finally:
        reader.engine.dispose()  # the writer finalizes the store when it closes: no reader may hold it open
    if not planned:
        return "no experiments (no layer has a family)"
    settings = experiments_settings(model, labelled, planned)
    if writer.reader.experiments_settings(model.id) == settings:
        return "experiments kept"
    lab = Lab(model, load_images(model, labelled), layers, device)
    results = []
    with stage_bar("experiments", len(planned), "experiment", enabled=progress) as bar:
        for experiment, families, rule in planned:
            tune = experiment.is_cut or rule is not None or any(f in ORIENTED_FAMILIES for f in families)
            found = lab.run(experiment, tune, rule)
            results.append({**found, "family": families[0], "families": families, "origin": PRECOMPUTED})
            bar.update()
    writer.put_experiments(model.id, results, settings)
    return f"{len(results)} experiments run"
