"""The feature-visualization stage: for every unit, an image (or a set) of each kind declared in store.kinds.

Each kind is rendered in batches (one item per unit; a set kind such as diversity is `diversity` items per unit,
optimized together), committed per batch, and keyed in the store by a VisKey (`diversity:i` for a set).
Every image row carries the settings that made it, so a re-run renders only what is missing or changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from precompute import optvis
from precompute.images import tensor_to_png, tensor_to_webp
from precompute.layers import LayerInfo
from precompute.optvis import Objective, Renderer, RenderSettings
from precompute.zoo import LoadedModel
from store import kinds
from store.kinds import CHANNEL, VisKey
from store.records import FEATURE_VIS_STAGE, STAGE_KEYS, STAGE_PARTIAL, FeatureVisRecord, stored_settings
from store.writer import StoreWriter

LayerUnits = dict[str, frozenset[int] | None]  # layer → units (None: all of them)
Extras = dict[str, LayerUnits]  # kind besides channel → where it is rendered


def parse_extras(specs: Sequence[str], layers: Sequence[LayerInfo], kinds_: Sequence[str]) -> Extras:
    """`mixed4b:384-447`, `mixed3b:7` or `mixed3b` (every kind of `kinds_` besides channel) and `neuron@mixed3a`
    (that kind only) → {kind: {layer: units}}; errors name the valid kinds, layers and ranges."""
    others = [name for name in kinds_ if name != CHANNEL]
    chosen: dict[str, dict[str, set[int] | None]] = {name: {} for name in others}
    for spec in specs:
        kind, _, where = spec.strip().rpartition("@")
        if kind and kind not in others:
            raise ValueError(f"--extras {spec!r}: no kind {kind!r} besides {CHANNEL} here; kinds: {', '.join(others)}")
        name, units = _layer_units(spec, where, layers)
        for each in [kind] if kind else others:
            before = chosen[each].get(name, set())
            chosen[each][name] = None if units is None or before is None else before | units
    return {
        kind: {name: None if units is None else frozenset(units) for name, units in where.items()}
        for kind, where in chosen.items()
        if where
    }


def _layer_units(spec: str, where: str, layers: Sequence[LayerInfo]) -> tuple[str, set[int] | None]:
    """`mixed4b:384-447` → ("mixed4b", {384, …, 447}); `mixed4b` → ("mixed4b", None)."""
    by_name = {layer.name: layer for layer in layers}
    name, _, span = where.rpartition(":") if ":" in where else (where, "", "")
    if name not in by_name:
        raise KeyError(f"--extras {spec!r}: no layer {name!r} among those computed: {', '.join(by_name)}")
    count = by_name[name].units
    if not span:
        return name, None
    first, _, last = span.partition("-")
    try:
        units = set(range(int(first), int(last or first) + 1))
    except ValueError:
        raise ValueError(f"--extras {spec!r}: write units as layer:first-last, e.g. {name}:0-{count - 1}") from None
    if not units or min(units) < 0 or max(units) >= count:
        raise ValueError(f"--extras {spec!r}: {name} has units 0–{count - 1}")
    return name, units


@dataclass(frozen=True)
class VisPlan:
    """Which kinds to render for which units, how, and how many items go in one optimization batch."""

    kinds: tuple[str, ...]
    render: RenderSettings
    diversity: int  # images in a unit's diversity set
    batch: int  # batch items per optimization
    base_settings: dict[str, Any]  # stored with every image: render settings, weights and input
    extras: Extras | None = None  # where each kind besides channel is rendered (None: every unit of every layer)
    # What each layer's objectives optimize (`Renderer.reads`: pre_relu or output); stored with every image as
    # `tensor`. A layer not listed records the render settings' request.
    reads: Mapping[str, str] = field(default_factory=dict)
    # How transparent the kinds that can be are rendered (Renderer.render's `transparency`; 0: opaque, as Lucid).
    transparency: float = 0.0

    def __post_init__(self) -> None:
        kinds.check_kinds(self.kinds, self.diversity)

    def transparency_of(self, kind: str) -> float:
        """The transparency this kind is rendered with: the plan's for a kind that can be transparent, else 0."""
        return self.transparency if kinds.get(kind).transparent else 0.0

    def kinds_for(self, layer: LayerInfo) -> list[str]:
        """The kinds a layer gets: a layer without positions (logits) gets none of the kinds that need them."""
        return [
            name
            for name in self.kinds
            if self._renders(name, layer.name) and not (kinds.get(name).needs_positions and layer.height is None)
        ]

    def _renders(self, kind: str, layer: str) -> bool:
        return kind == CHANNEL or self.extras is None or layer in self.extras.get(kind, {})

    def units_for(self, layer: LayerInfo, kind: str) -> list[int]:
        """The units of the layer that get an image (set) of this kind."""
        if not self._renders(kind, layer.name):
            return []
        chosen = None if kind == CHANNEL or self.extras is None else self.extras[kind][layer.name]
        return list(range(layer.units)) if chosen is None else sorted(chosen)

    def keys_for(self, layer: LayerInfo) -> dict[VisKey, list[int] | None]:
        """Every store key the layer's units hold once the stage has finished: None for all units, else which."""
        keys: dict[VisKey, list[int] | None] = {}
        for kind in self.kinds_for(layer):
            units = self.units_for(layer, kind)
            for key in kinds.get(kind).keys(self.diversity):
                keys[key] = None if len(units) == layer.units else units
        return keys

    def settings(self, kind: str, layer: str) -> dict[str, Any]:
        """The settings stored with an image of this kind on this layer (a set's include its size, and the
        kind's own; a transparent one its transparency; every image says which tensor it optimized)."""
        transparency = self.transparency_of(kind)
        own = {
            **kinds.get(kind).stored_settings(self.diversity),
            **({"transparency": transparency} if transparency else {}),
        }
        return stored_settings({**self._layer_settings(layer), **own})

    def stage_settings(self, layer: LayerInfo) -> dict[str, Any]:
        """What a finished stage records: the shared settings, the keys every unit holds, and partial ones."""
        keys = self.keys_for(layer)
        partial = {str(key): units for key, units in keys.items() if units is not None}
        stage: dict[str, Any] = {STAGE_KEYS: [str(key) for key, units in keys.items() if units is None]}
        if partial:
            stage[STAGE_PARTIAL] = partial
        return stored_settings({**self._layer_settings(layer.name), **stage})

    def _layer_settings(self, layer: str) -> dict[str, Any]:
        return {**self.base_settings, "tensor": self.reads.get(layer, self.render.tensor)}

    def items_per_unit(self, kind: str) -> int:
        """Batch items one unit takes for this kind: its set's size, or one."""
        return kinds.get(kind).images(self.diversity)


def objective_for(kind: str, layer: str, units: Sequence[int], per_unit: int = 1) -> tuple[Objective, list[str]]:
    """The batch objective of a kind for `units` (each repeated `per_unit` times) and each image's description."""
    build = kinds.get(kind).build
    items = [unit for unit in units for _ in range(per_unit)]
    return build(optvis, layer, items, per_unit), [build(optvis, layer, [u], per_unit).description for u in items]


Pending = list[tuple[LayerInfo, str, list[int]]]  # (layer, kind, units lacking that kind's image or set)


def pending_work(model: LoadedModel, layers: list[LayerInfo], writer: StoreWriter, plan: VisPlan) -> Pending:
    """What the store still lacks: for each layer and kind, the units missing an image made with the plan's settings."""
    return [
        (layer, kind, units)
        for layer in layers
        for kind in plan.kinds_for(layer)
        if (units := _units_needing(writer, model.id, layer, kind, plan))
    ]


def count_images(pending: Pending, plan: VisPlan) -> int:
    """How many images rendering `pending` makes (for a progress bar's total)."""
    return sum(len(units) * plan.items_per_unit(kind) for _, kind, units in pending)


def feature_vis_stage(
    model: LoadedModel,
    layers: list[LayerInfo],
    pending: Pending,
    writer: StoreWriter,
    plan: VisPlan,
    renderer: Renderer,
    *,
    progress: Callable[[float, str], None] | None = None,
) -> int:
    """Render the pending images, then mark every layer finished; returns how many images were rendered.

    `progress(images, what)` is called after every optimization step with the fraction of the batch's images that
    step stands for, so a bar advances steadily through a batch that takes minutes on a CPU.
    """
    rendered = 0
    for layer, kind, batch in vis_batches(pending, plan):
        on_step = None if progress is None else _step_progress(progress, layer, kind, batch, plan)
        records = render_batch(model, renderer, layer, kind, batch, plan, on_step)
        writer.put_feature_vis(model.id, layer.name, records)
        rendered += len(records)
    finish_layers(model, layers, writer, plan)
    return rendered


def vis_batches(pending: Pending, plan: VisPlan) -> Iterator[tuple[LayerInfo, str, list[int]]]:
    """(layer, kind, units) of every optimization batch rendering `pending` takes, in order. Each batch is seeded
    alike, so its images depend on which units it holds: a distributed run renders exactly these batches."""
    for layer, kind, units in pending:
        per_batch = max(1, plan.batch // plan.items_per_unit(kind))
        for start in range(0, len(units), per_batch):
            yield layer, kind, units[start : start + per_batch]


def finish_layers(model: LoadedModel, layers: list[LayerInfo], writer: StoreWriter, plan: VisPlan) -> None:
    """Mark the stage finished with the plan's settings on every layer (once each pending batch is stored)."""
    for layer in layers:
        finished = plan.stage_settings(layer)
        if writer.reader.stage_settings(model.id, layer.name, FEATURE_VIS_STAGE) != finished:
            writer.finish_stage(model.id, layer.name, FEATURE_VIS_STAGE, finished)


def _step_progress(
    progress: Callable[[float, str], None], layer: LayerInfo, kind: str, units: list[int], plan: VisPlan
) -> Callable[[int], None]:
    """The render loop's per-step callback for one batch: each step is `images / steps` of the stage's images."""
    images, steps = len(units) * plan.items_per_unit(kind), plan.render.steps
    what = f"{layer.name} {kind} units {units[0]}–{units[-1]}"
    return lambda step: progress(images / steps, f"{what}, step {step}/{steps}")


def _units_needing(writer: StoreWriter, model_id: str, layer: LayerInfo, kind: str, plan: VisPlan) -> list[int]:
    """Units lacking any image of the kind made with the plan's settings (a whole diversity set is redone)."""
    settings = plan.settings(kind, layer.name)
    missing: set[int] = set()
    for key in kinds.get(kind).keys(plan.diversity):
        missing.update(writer.reader.units_needing_feature_vis(model_id, layer.name, key, settings))
    return sorted(missing.intersection(plan.units_for(layer, kind)))


def render_batch(
    model: LoadedModel,
    renderer: Renderer,
    layer: LayerInfo,
    kind: str,
    units: list[int],
    plan: VisPlan,
    on_step: Callable[[int], None] | None = None,
) -> list[FeatureVisRecord]:
    """One batch's images of a kind for `units`, measured and encoded as the store keeps them."""
    per_unit = plan.items_per_unit(kind)
    objective, descriptions = objective_for(kind, layer.name, units, per_unit)
    result = renderer.render(
        objective, len(descriptions), plan.render, progress=on_step, transparency=plan.transparency_of(kind)
    )
    peaks, pre_peaks = renderer.measure(layer.name, result.optimized, plan.render)
    settings = plan.settings(kind, layer.name)
    keys = kinds.get(kind).keys(plan.diversity)
    # An upscaled image is an interpolation for display: lossy WebP keeps it a sixth of a PNG's size.
    encode = tensor_to_webp if plan.render.upscale > 1 else tensor_to_png
    records = []
    for i, description in enumerate(descriptions):
        unit = units[i // per_unit]
        records.append(
            FeatureVisRecord(
                unit=unit,
                key=keys[i % per_unit],
                description=description,
                image=encode(result.images[i]),
                activation=float(peaks[i, unit]),
                settings=settings,
                pre_activation=None if pre_peaks is None else float(pre_peaks[i, unit]),
            )
        )
    return records
