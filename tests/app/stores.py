"""Small stores written through the public writer, shared by the app tests and by the frontend, store and bench tests:
two models with feature-family scores, a model with a concatenating layer, and a model of any size for counting
queries."""

from __future__ import annotations

import math
from pathlib import Path

from store.kinds import VisKey
from store.location import StoreLike
from store.records import (
    CurveRecord,
    DatasetImageRecord,
    EdgeRecord,
    ExampleRecord,
    FeatureVisRecord,
    LabelSource,
    LayerRecord,
    ModelRecord,
)
from store.writer import StoreWriter
from tests.conftest import png, toy_weights

# Feature families: fam-a and fam-b.
ANGLES = [float(a) for a in range(0, 360, 30)]
# fam-a's mixed: units 0–7 score for curves (0 highest), 8–9 for lines; unit 7 has no preferred orientation.
MIXED_CURVE = {u: round(0.9 - 0.05 * u, 2) for u in range(8)}
MIXED_ORIENTATION = {0: 200.0, 1: 20.0, 2: 290.0, 3: 110.0, 4: 340.0, 5: 65.0, 6: 155.0}
CONV_CURVE = {0: 0.8, 1: 0.7, 2: 0.6, 3: 0.5}
CONV_ORIENTATION = {0: 90.0, 1: 0.0, 2: 270.0}  # conv:3 unmeasured
A_LAYERS = [
    LayerRecord("conv", 0, "conv", 4, 8, 8, 3, 1.0, None),
    LayerRecord("mixed", 1, "conv", 10, 4, 4, 7, 2.0, "conv"),
    LayerRecord("fc", 2, "linear", 3, None, None, 8, 8.0, "mixed"),
]
B_LAYERS = [
    LayerRecord("block", 0, "conv", 5, 4, 4, 3, 1.0, None),
    LayerRecord("head", 1, "linear", 2, 1, 1, 5, 4.0, "block"),
]
B_CURVE = {0: 0.3, 2: 0.9, 4: 0.5}
NEURON_UNITS = [0, 3]  # fam-a's mixed units with a neuron picture besides their channel one
TRANSPARENT_UNITS = [3]  # those whose neuron picture was drawn transparent (the others opaque)
TRANSPARENCY = 0.5
ORIENTED = 0.6  # the orientation selectivity of every unit with a preferred orientation: each counts for coverage


def tuning(peak: float) -> list[float]:
    """An orientation curve over ANGLES peaking at `peak` degrees."""
    return [max(0.0, math.cos(math.radians(a - peak))) for a in ANGLES]


def _thumbnails(writer: StoreWriter, model: str, layers: list[LayerRecord]) -> None:
    for li, layer in enumerate(layers):
        vis = [
            FeatureVisRecord(u, VisKey("channel"), f"channel({layer.name}:{u})", png((80 * li, 20 * u, 150)), 1.0, {})
            for u in range(layer.units)
        ]
        writer.put_feature_vis(model, layer.name, vis)


def _neuron_pictures(writer: StoreWriter, model: str, layer: str, units: list[int]) -> None:
    vis = [
        FeatureVisRecord(
            u,
            VisKey("neuron"),
            f"neuron({layer}:{u})",
            png((250, 20 * u, 5)),
            1.0,
            {"transparency": TRANSPARENCY} if u in TRANSPARENT_UNITS else {},
        )
        for u in units
    ]
    writer.put_feature_vis(model, layer, vis)


def build_family_store(root: StoreLike) -> StoreLike:
    """Two models: fam-a (conv → mixed → fc, family scores on conv and mixed, weights conv → mixed, orientation
    curves for mixed:0–6, neuron pictures for mixed:NEURON_UNITS, those of TRANSPARENT_UNITS drawn transparent) and
    fam-b (block with three curve scores and no curves → head)."""
    writer = StoreWriter(root)
    writer.put_model(ModelRecord("fam-a", "Family A", "toy", "0" * 64, {"size": 8}, ["x", "y", "z"]))
    writer.put_layers("fam-a", A_LAYERS)
    _thumbnails(writer, "fam-a", A_LAYERS)
    _neuron_pictures(writer, "fam-a", "mixed", NEURON_UNITS)
    writer.put_connections("fam-a", "mixed", "conv", [], {}, weights=toy_weights("conv", 10, 4))
    writer.put_scores("fam-a", "mixed", {"curve": MIXED_CURVE, "line": {8: 0.7, 9: 0.6}}, {})
    selective = {u: ORIENTED for u in MIXED_ORIENTATION}
    writer.put_scores("fam-a", "mixed", {"orientation": MIXED_ORIENTATION, "orientation_selectivity": selective}, {})
    conv_selective = {u: ORIENTED for u in CONV_ORIENTATION}
    conv_scores = {"curve": CONV_CURVE, "orientation": CONV_ORIENTATION, "orientation_selectivity": conv_selective}
    writer.put_scores("fam-a", "conv", conv_scores, {})
    curves = [CurveRecord(u, "orientation", {"orientation": ANGLES}, tuning(a)) for u, a in MIXED_ORIENTATION.items()]
    curves.append(CurveRecord(0, "curvature", {"radius": [4.0], "orientation": ANGLES}, [tuning(0.0)]))
    writer.put_curves("fam-a", "mixed", curves, {"curves": ["orientation"]})
    writer.put_model(ModelRecord("fam-b", "Family B", "toy", "1" * 64, {"size": 8}, ["x", "y"]))
    writer.put_layers("fam-b", B_LAYERS)
    _thumbnails(writer, "fam-b", B_LAYERS)
    b_scores = {"curve": B_CURVE, "orientation": {2: 45.0}, "orientation_selectivity": {2: ORIENTED}}
    writer.put_scores("fam-b", "block", b_scores, {})
    writer.close()
    return root


# A concatenating layer: branchy.
BRANCH_MODEL = "branchy"
BRANCH_SOURCE = LabelSource(
    "hand", "Hand labels", "A. Author, B. Author, C. Author", 2020, "https://example.org", "CC-BY 4.0"
)
# mixed: units 0–3 its 1×1 branch, 4–7 its 5×5 branch (also stored as the layer mixed_5x5), 8–9 its pool branch.
BRANCHES = {u: "mixed_1x1" if u < 4 else "mixed_5x5" if u < 8 else "mixed_pool_reduce" for u in range(10)}
BRANCH_LAYERS = [
    LayerRecord("conv", 0, "conv", 4, 8, 8, 3, 1.0, None),
    LayerRecord("mixed_5x5", 1, "conv", 4, 4, 4, 7, 2.0, "conv", parent="mixed"),
    LayerRecord("mixed", 2, "conv", 10, 4, 4, 7, 2.0, "conv", BRANCHES),
]
# bw_ratio of mixed's units: the 1×1 branch's colourless (high), the 5×5 branch's colourful (low); unit 9 unmeasured.
BRANCH_BW = {0: 0.9, 1: 0.8, 2: 0.95, 3: 1.0, 4: 0.1, 5: 0.15, 6: 0.2, 7: 0.5, 8: 0.45}
BRANCH_LABELS = {
    0: "Curves",
    1: "Curves",
    2: "Fur boundary / posture",
    4: "Dog Heads (oriented)",
    5: "Dog Heads",
    8: "Curves",
}


def build_branch_store(root: Path) -> Path:
    """A finished store holding `branchy`: conv, the stored branch layer mixed_5x5, and mixed with three branches."""
    writer = StoreWriter(root)
    writer.put_model(ModelRecord(BRANCH_MODEL, "Branchy", "toy", "0" * 64, {"size": 8}, ["a", "b"]))
    writer.put_layers(BRANCH_MODEL, BRANCH_LAYERS)
    for li, layer in enumerate(BRANCH_LAYERS):
        vis = [
            FeatureVisRecord(u, VisKey("channel"), f"channel({layer.name}:{u})", png((60 * li, 20 * u, 90)), 1.0, {})
            for u in range(layer.units)
        ]
        writer.put_feature_vis(BRANCH_MODEL, layer.name, vis)
    writer.put_scores(BRANCH_MODEL, "mixed", {"bw_ratio": BRANCH_BW}, {"sample": 3})
    writer.put_unit_labels(BRANCH_MODEL, BRANCH_SOURCE, {"mixed": BRANCH_LABELS})
    writer.close()
    return root


# A model of any size: big.
BIG_UNITS = 12  # per main layer; the first 8 are a "5x5" branch, the rest a "pool" branch
BIG_SOURCE = LabelSource("hand", "Hand labels", "A. Author", 2020, "https://example.org", "CC-BY 4.0")


def big_layers(main: int) -> list[LayerRecord]:
    """`main` mixed layers, each followed by its stored 5x5 branch layer (8 units)."""
    layers: list[LayerRecord] = []
    for i in range(main):
        previous = f"mixed{i - 1}" if i else None
        branches = {u: f"mixed{i}_5x5" if u < 8 else f"mixed{i}_pool" for u in range(BIG_UNITS)}
        layers.append(LayerRecord(f"mixed{i}", 2 * i, "conv", BIG_UNITS, 4, 4, 3 + i, 1.0, previous, branches))
        layers.append(
            LayerRecord(f"mixed{i}_5x5", 2 * i + 1, "conv", 8, 4, 4, 3 + i, 1.0, previous, parent=f"mixed{i}")
        )
    return layers


def build_query_store(root: Path, main: int) -> Path:
    """A store with `main` mixed layers and their branch layers, every view of every unit written."""
    writer = StoreWriter(root)
    writer.put_model(ModelRecord("big", "Big", "toy", "0" * 64, {"size": 8}, ["a", "b"]))
    layers = big_layers(main)
    writer.put_layers("big", layers)
    writer.put_dataset_images("big", [DatasetImageRecord(f"a/{i}.png", "a", 8, 8) for i in range(2)], "/data")
    image = png((10, 20, 30), 8)
    for layer in layers:
        keys = [VisKey("channel"), VisKey("negative"), VisKey("diversity", 0), VisKey("diversity", 1)]
        vis = [FeatureVisRecord(u, key, "c", image, 1.0, {}) for u in range(layer.units) for key in keys]
        writer.put_feature_vis("big", layer.name, vis)
        examples = [
            ExampleRecord(u, r, f"a/{r}.png", 2.0 - r, 1, 1, (0, 0, 8, 8), image)
            for u in range(layer.units)
            for r in range(2)
        ]
        writer.put_examples("big", layer.name, examples, {})
        if layer.previous:
            previous = next(p for p in layers if p.name == layer.previous)
            edges = [
                EdgeRecord(s, d, 0.1 * (s - d), "expanded", [[0.1]], s, d)
                for d in range(layer.units)
                for s in range(previous.units)
            ]
            weights = toy_weights(previous.name, layer.units, previous.units)
            writer.put_connections("big", layer.name, layer.previous, edges, {}, weights=weights)
    for layer in layers[::2]:  # the mixed layers measured: a family score, orientation and orientation curves
        family = {
            "curve": {u: u / BIG_UNITS for u in range(BIG_UNITS)},
            "orientation": {u: 30.0 * u for u in range(BIG_UNITS)},
        }
        writer.put_scores("big", layer.name, family, {})
        curves = [CurveRecord(u, "orientation", {"orientation": [0.0, 180.0]}, [1.0, 0.5]) for u in range(BIG_UNITS)]
        writer.put_curves("big", layer.name, curves, {"curves": ["orientation"]})
    writer.put_unit_labels("big", BIG_SOURCE, {layer.name: {0: "curve", 9: "colour"} for layer in layers[::2]})
    return root


HAND_SOURCE = LabelSource("hand", "Hand labels", "A. Author", 2020, "https://example.org", "CC-BY 4.0")


def build_labelled_family_store(root: Path) -> Path:
    """The family store (`build_family_store`), with a hand label on fam-a's mixed:2 ("Hand curve", HAND_SOURCE)."""
    build_family_store(root)
    writer = StoreWriter(root)
    writer.put_unit_labels("fam-a", HAND_SOURCE, {"mixed": {2: "Hand curve"}})
    writer.close()
    return root
