"""Tuning curves: each unit's response to parametric stimuli at its receptive field, and the scores they give.

A unit's response a(s) to a stimulus s (precompute.tuning_stimuli: drawn on a patch of the layer's receptive-field
size at the image centre) is its activation at the centre of the layer's map: the maximum over the one position
(odd maps) or the 2×2 positions (even maps) nearest the centre. The stored curves are these raw activations; the
scores use r(s) = max(a(s) − a(blank), 0), the response above that to a plain grey image:

- `orientation`: arg Σ_θ r_o(θ)·e^{iθ} in degrees [0, 360), where r_o(θ) is the `orientation` curve above the
  blank, and `orientation_selectivity` = |Σ r_o(θ)·e^{iθ}| / Σ r_o(θ);
- `curve` = C / (C + L) with C the best curve (any radius and orientation) and L the best line or edge;
- `line` = L / (L + O) with O the best of every other stimulus (curves, colour disks, gratings);
- `colour` = (H − G) / R clipped to [0, 1], with H the best colour disk, G the grey disk of the same luma and R the
  best of every stimulus: how much of the unit's strongest response colour alone adds;
- `frequency` = (max_f F(f) − mean_f F(f)) / R · n / (n − 1) clipped to [0, 1] over the n grating frequencies,
  where F(f) is the best grating of frequency f over its orientations.
A ratio whose every term is 0 (the unit responds to none of its stimuli above the blank) gives no score.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from precompute.evidence import GATE_DEFINITION, layer_evidence
from precompute.hooks import LayerTap
from precompute.layers import LayerInfo
from precompute.progress import stage_bar
from precompute.tuning_stimuli import (
    ANGLES,
    CURVATURES,
    FREQUENCIES,
    GRATING_ANGLES,
    HUES,
    LOOKS,
    Probe,
    patch_side,
    probes,
    stimulus_batch,
)
from precompute.zoo import LoadedModel
from store.records import EXAMPLES_STAGE, TUNING_STAGE, CurveRecord, Settings, stored_settings
from store.scores import COLOUR, CURVE, FREQUENCY, LINE, ORIENTATION, ORIENTATION_SELECTIVITY, demo_labelled
from store.writer import StoreWriter

CURVE_NAMES = ("orientation", "line", "edge", "curvature", "hue", "frequency")
DEFINITION = "tuning/2: centre 1×1 or 2×2 max; above the blank; see precompute/tuning.py"


@torch.no_grad()
def window_responses(tap: LayerTap, batch: Tensor, windows: dict[str, int], chunk: int = 64) -> dict[str, Tensor]:
    """{layer: (N, units)}: each unit's maximum over the central `windows[layer]`² positions of its map."""
    found: dict[str, list[Tensor]] = {name: [] for name in tap.layers}
    for start in range(0, len(batch), chunk):
        for name, act in tap.run(batch[start : start + chunk]).items():
            found[name].append(window_max(act.float(), windows[name]))
    return {name: torch.cat(parts) for name, parts in found.items()}


def window_side(layer: LayerInfo, side: int) -> int:
    """How many map positions across lie within a patch of `side` pixels: a centred window of the map's parity."""
    height = int(layer.height or 1)
    count = min(height, max(1, round(side / layer.rf_stride)))
    return min(height, count + (height - count) % 2)  # centred exactly: as many positions left as right


def window_max(act: Tensor, count: int) -> Tensor:
    """(B, C, H, W) → (B, C): the maximum over the central count×count positions."""
    height, width = act.shape[-2:]
    top, left = (height - count) // 2, (width - count) // 2
    return act[:, :, top : top + count, left : left + count].amax(dim=(2, 3))


def _index(chosen: Sequence[Probe]) -> dict[Probe, int]:
    return {probe: row for row, probe in enumerate(chosen)}


def curve_arrays(responses: np.ndarray, chosen: Sequence[Probe] | None = None) -> dict[str, np.ndarray]:
    """Every curve of every unit from (probes, units) responses: {name: (units, *axes)} arrays."""
    row = _index(chosen or probes())
    take = lambda keys: responses[[row[k] for k in keys]].T  # noqa: E731 -- (units, len(keys))
    looks = range(len(LOOKS))
    line = np.mean([take([Probe("line", angle=a % 180, look=k) for a in ANGLES]) for k in looks], axis=0)
    edge = take([Probe("edge", angle=a) for a in ANGLES])
    curvature = np.mean(
        [
            np.stack([take([Probe("curve", angle=a, curvature=c, look=k) for a in ANGLES]) for c in CURVATURES], 1)
            for k in looks
        ],
        axis=0,
    )
    return {
        "orientation": np.maximum(np.maximum(line, edge), curvature.max(axis=1)),
        "line": line,
        "edge": edge,
        "curvature": curvature,
        "hue": take([Probe("hue", hue=h) for h in HUES]),
        "frequency": np.stack(
            [take([Probe("grating", angle=a, frequency=f) for a in GRATING_ANGLES]) for f in FREQUENCIES], axis=1
        ),
        "blank": take([Probe("blank")])[:, 0],
        "grey": take([Probe("grey")])[:, 0],
    }


def curve_axes() -> dict[str, dict[str, list[float]]]:
    """The axes of each stored curve, in the order its values nest."""
    radii = [round(1.0 / c, 4) for c in CURVATURES]  # fractions of the receptive field
    return {
        "orientation": {"orientation": list(ANGLES)},
        "line": {"orientation": list(ANGLES)},
        "edge": {"orientation": list(ANGLES)},
        "curvature": {"radius": radii, "orientation": list(ANGLES)},
        "hue": {"hue": list(HUES)},
        "frequency": {"frequency": list(FREQUENCIES), "orientation": list(GRATING_ANGLES)},
    }


def ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / (a + b) per unit, NaN where both are 0."""
    total = a + b
    return np.divide(a, total, out=np.full_like(total, np.nan, dtype=np.float64), where=total > 0)


def orientation_scores(curve: np.ndarray, angles: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """(preferred orientation in degrees [0, 360), selectivity) of (units, angles) non-negative responses."""
    phase = np.exp(1j * np.deg2rad(np.asarray(angles)))
    vector = curve @ phase
    total = curve.sum(axis=1)
    selectivity = np.divide(np.abs(vector), total, out=np.full(len(curve), np.nan), where=total > 0)
    preferred = np.where(total > 0, np.rad2deg(np.angle(vector)) % 360.0, np.nan)
    return preferred, selectivity


def frequency_selectivity(best: np.ndarray, strongest: np.ndarray) -> np.ndarray:
    """(max − mean) / strongest · n / (n − 1) per unit of (units, n) non-negative responses, clipped to [0, 1];
    NaN where `strongest` (the unit's best response to any stimulus) is 0."""
    n = best.shape[1]
    return share((best.max(axis=1) - best.mean(axis=1)) * n / (n - 1), strongest)


def share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """part / whole per unit clipped to [0, 1], NaN where `whole` is 0."""
    return np.clip(np.divide(part, whole, out=np.full(len(whole), np.nan), where=whole > 0), 0.0, 1.0)


def unit_scores(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """{score: (units,) values, NaN where not measurable} from `curve_arrays`."""
    blank = arrays["blank"][:, None]
    above = {
        name: np.maximum(arrays[name] - (blank if arrays[name].ndim == 2 else blank[..., None]), 0.0)
        for name in ("orientation", "line", "edge", "curvature", "hue", "frequency")
    }
    best_curve = above["curvature"].max(axis=(1, 2))
    best_line = np.maximum(above["line"].max(axis=1), above["edge"].max(axis=1))
    best_hue = above["hue"].max(axis=1)
    best_other = np.maximum.reduce([best_curve, best_hue, above["frequency"].max(axis=(1, 2))])
    strongest = np.maximum(best_line, best_other)  # the grey disk is below the colour disks' best or adds nothing
    grey = np.maximum(arrays["grey"] - arrays["blank"], 0.0)
    preferred, selectivity = orientation_scores(above["orientation"], ANGLES)
    return {
        ORIENTATION.name: preferred,
        ORIENTATION_SELECTIVITY.name: selectivity,
        CURVE.name: ratio(best_curve, best_line),
        LINE.name: ratio(best_line, best_other),
        COLOUR.name: share(best_hue - grey, np.maximum(strongest, grey)),
        FREQUENCY.name: frequency_selectivity(above["frequency"].max(axis=2), strongest),
    }


def curve_records(arrays: dict[str, np.ndarray]) -> list[CurveRecord]:
    """The stored curves of every unit (rounded to 5 significant digits to keep the JSON short)."""
    axes = curve_axes()
    return [
        CurveRecord(unit, name, axes[name], _rounded(arrays[name][unit]))
        for unit in range(len(arrays["blank"]))
        for name in CURVE_NAMES
    ]


def score_values(scores: dict[str, np.ndarray]) -> dict[str, dict[int, float]]:
    """{score: {unit: value}}, leaving out the units a score could not be measured for."""
    return {name: {u: float(v) for u, v in enumerate(values) if np.isfinite(v)} for name, values in scores.items()}


def _rounded(values: np.ndarray) -> list:
    return [float(f"{v:.5g}") for v in values.tolist()] if values.ndim == 1 else [_rounded(v) for v in values]


def conv_layers(layers: Sequence[LayerInfo], chosen: Sequence[str] | None) -> list[LayerInfo]:
    """The layers to tune: the conv layers named in `chosen` (None: every conv layer); ValueError for others."""
    convs = [layer for layer in layers if layer.kind == "conv"]
    if chosen is None:
        return convs
    names = {layer.name for layer in convs}
    unknown = [name for name in chosen if name not in names]
    if unknown:
        raise ValueError(
            f"tuning layers {', '.join(unknown)} are not conv layers of this run; valid: {', '.join(names)}"
        )
    return [layer for layer in convs if layer.name in chosen]


def tuning_settings(model: LoadedModel, side: int, examples: Settings | None = None) -> Settings:
    """What a layer's tuning stage records: the stimulus parameters, the patch side, the input, the weights, and the
    settings of the layer's examples stage (the family gate reads its top examples: new ones re-gate)."""
    return stored_settings(
        {
            "curves": list(CURVE_NAMES),
            "gate": GATE_DEFINITION,
            "examples": examples,
            "definition": DEFINITION,
            "side": side,
            "angles": list(ANGLES),
            "curvatures": list(CURVATURES),
            "hues": list(HUES),
            "frequencies": list(FREQUENCIES),
            "grating_angles": list(GRATING_ANGLES),
            "input": model.input.as_dict(),
            "weights_sha256": model.weights_hash,
        }
    )


def layer_settings(model: LoadedModel, layer: LayerInfo, writer: StoreWriter) -> Settings:
    """The tuning settings of one layer: its patch side and its stored examples' settings."""
    examples = writer.reader.stage_settings(model.id, layer.name, EXAMPLES_STAGE)
    return tuning_settings(model, patch_side(layer.rf_size, model.input.size), examples)


@torch.no_grad()
def measure(
    model: LoadedModel, layers: Sequence[LayerInfo], side: int, device: str = "cpu", batch: Tensor | None = None
) -> dict[str, Tensor]:
    """{layer: (probes, units)} centre responses of the layers to every probe drawn at `side` (`batch`: those
    probes already drawn, `stimulus_batch(probes(), side, …)`, by a caller measuring many times)."""
    batch = (stimulus_batch(probes(), side, model.input.size) if batch is None else batch).to(device)
    windows = {layer.name: window_side(layer, side) for layer in layers}
    with LayerTap(model.module, list(windows)) as tap:
        return window_responses(tap, model.input.normalize(batch), windows)


def tuning_stage(
    model: LoadedModel,
    layers: Sequence[LayerInfo],
    writer: StoreWriter,
    *,
    device: str = "cpu",
    show_progress: bool = True,
) -> list[str]:
    """Measure and store the tuning curves and scores of the layers whose stored settings differ; the layers done.

    Layers whose receptive fields give the same patch side share one forward pass over the probes.
    """
    settings = {layer.name: layer_settings(model, layer, writer) for layer in layers}
    todo = [
        layer
        for layer in layers
        if writer.reader.stage_settings(model.id, layer.name, TUNING_STAGE) != settings[layer.name]
    ]
    labelled = demo_labelled(writer.reader.image_labels(model.id)) if todo else False
    groups: dict[int, list[LayerInfo]] = {}
    for layer in todo:
        groups.setdefault(settings[layer.name]["side"], []).append(layer)
    with stage_bar("tuning curves", sum(layer.units for layer in todo), "unit", enabled=show_progress) as bar:
        for side, group in groups.items():
            found = measure(model, group, side, device)
            for layer in group:
                arrays = curve_arrays(found[layer.name].cpu().numpy().astype(np.float64))
                evidence = layer_evidence(arrays, writer.reader.top_examples(model.id, layer.name), labelled)
                # Scores first: the curves' put marks the stage done, so a run killed in between measures again.
                writer.put_scores(model.id, layer.name, score_values(unit_scores(arrays)), settings[layer.name])
                writer.put_score_evidence(model.id, layer.name, evidence)
                writer.put_curves(model.id, layer.name, curve_records(arrays), settings[layer.name])
                bar.update(layer.units)
    return [layer.name for layer in todo]
