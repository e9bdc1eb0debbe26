"""The figures stage draws each unit page's figures into the store once, and again only when what they show changes."""

from __future__ import annotations

from pathlib import Path

from precompute.figures import figures_stage
from store.figures.unit import draw_unit
from store.reader import StoreReader
from store.records import FIGURES_STAGE, CurveRecord, EdgeRecord, LayerRecord
from store.writer import StoreWriter
from tests.conftest import TOY_LAYERS, TOY_MODEL, build_toy_store, toy_weights

NAMES = [layer.name for layer in TOY_LAYERS]


def _units() -> list[tuple[str, int]]:
    return [(layer.name, unit) for layer in TOY_LAYERS for unit in range(layer.units)]


def test_the_figures_stage_stores_every_units_figures_and_skips_them_next_run(tmp_path: Path) -> None:
    build_toy_store(tmp_path)
    with StoreWriter(tmp_path) as writer:
        assert figures_stage(writer, TOY_MODEL) == NAMES
        assert figures_stage(writer, TOY_MODEL) == []
        assert writer.reader.stage_settings(TOY_MODEL, NAMES[0], FIGURES_STAGE) is not None
    reader = StoreReader(tmp_path)
    for layer, unit in _units():
        detail = reader.unit(TOY_MODEL, layer, unit)
        assert detail is not None and detail.figures is not None, (layer, unit)


def test_the_stored_figures_are_those_the_page_would_draw(tmp_path: Path) -> None:
    build_toy_store(tmp_path)
    with StoreWriter(tmp_path) as writer:
        figures_stage(writer, TOY_MODEL)
    reader = StoreReader(tmp_path)
    for layer, unit in _units():
        detail = reader.unit(TOY_MODEL, layer, unit)
        assert detail is not None
        assert detail.figures == draw_unit(layer, detail), (layer, unit)
    block1 = reader.unit(TOY_MODEL, "block1", 2)
    assert block1 is not None and block1.figures is not None  # the unit with every kind of figure
    assert block1.figures.tuning and block1.figures.histogram and block1.figures.amaps and block1.figures.inputs.cells


def test_figures_are_redrawn_when_a_stage_they_are_drawn_from_runs_with_other_settings(tmp_path: Path) -> None:
    build_toy_store(tmp_path)
    with StoreWriter(tmp_path) as writer:
        figures_stage(writer, TOY_MODEL)
        before = StoreReader(tmp_path).unit(TOY_MODEL, "block1", 2)
        hue = CurveRecord(2, "hue", {"hue": [0.0, 120.0, 240.0]}, [1.0, 0.5, 0.25])
        writer.put_curves(TOY_MODEL, "block1", [hue], {"curves": ["orientation", "curvature", "hue"]})
        assert figures_stage(writer, TOY_MODEL) == NAMES
    after = StoreReader(tmp_path).unit(TOY_MODEL, "block1", 2)
    assert before is not None and before.figures is not None and after is not None and after.figures is not None
    assert [plot.title for plot in after.figures.tuning] == [plot.title for plot in before.figures.tuning] + ["Hue"]
    assert after.figures == draw_unit("block1", after)


def test_a_run_that_adds_a_layer_redraws_the_figures_of_the_layer_before_it(tmp_path: Path) -> None:
    build_toy_store(tmp_path)
    with StoreWriter(tmp_path) as writer:
        figures_stage(writer, TOY_MODEL)
        more = LayerRecord("head", 3, "linear", 2, None, None, 8, 8.0, "fc")
        writer.put_layers(TOY_MODEL, [*TOY_LAYERS, more])
        edges = [EdgeRecord(s, d, 0.5, "direct", [[0.5]], s, d) for d in range(2) for s in range(3)]
        writer.put_connections(TOY_MODEL, "head", "fc", edges, {"top_edges": 3}, weights=toy_weights("fc", 2, 3))
        assert figures_stage(writer, TOY_MODEL) == [*NAMES, "head"]
    fc = StoreReader(tmp_path).unit(TOY_MODEL, "fc", 0)
    assert fc is not None and fc.figures is not None and set(fc.figures.outputs.cells) == {"head:0", "head:1"}
