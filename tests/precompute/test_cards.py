"""The cards stage draws each unit's card into the store once, and again only when what it shows changes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import update
from sqlalchemy.orm import Session

from precompute.cards import cards_stage
from store import schema as t
from store.reader import StoreReader
from store.records import CARDS_STAGE
from store.writer import StoreWriter
from tests.conftest import TOY_LAYERS, TOY_MODEL, build_toy_store


def test_cards_stage_stores_a_1200x630_card_per_unit_and_skips_them_next_run(tmp_path: Path) -> None:
    build_toy_store(tmp_path)
    names = [layer.name for layer in TOY_LAYERS]
    with StoreWriter(tmp_path) as writer:
        assert cards_stage(writer, TOY_MODEL, names) == names
        assert cards_stage(writer, TOY_MODEL, names) == []
        assert writer.reader.stage_settings(TOY_MODEL, names[0], CARDS_STAGE) is not None
    detail = StoreReader(tmp_path).unit(TOY_MODEL, names[0], 0)
    assert detail is not None and detail.card is not None
    path = StoreReader(tmp_path).asset_file(detail.card.sha256, "png")
    assert path is not None and Image.open(io.BytesIO(path.read_bytes())).size == (1200, 630)


def test_cards_are_redrawn_when_a_units_label_changes(tmp_path: Path) -> None:
    build_toy_store(tmp_path)
    layer = TOY_LAYERS[0].name
    with StoreWriter(tmp_path) as writer:
        cards_stage(writer, TOY_MODEL, [layer])
        before = writer.reader.card_sources(TOY_MODEL, layer, 6)
        with Session(writer.engine) as session, session.begin():
            session.execute(update(t.Unit).values(label="changed"))
        assert writer.reader.card_sources(TOY_MODEL, layer, 6) != before
        assert cards_stage(writer, TOY_MODEL, [layer]) == [layer]


def test_cards_stage_shows_a_bar_over_the_cards_it_draws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_toy_store(tmp_path)
    names = [layer.name for layer in TOY_LAYERS]
    with StoreWriter(tmp_path) as writer:
        cards_stage(writer, TOY_MODEL, names)
        drawn = capsys.readouterr().err.replace("\r", "\n")
        cards_stage(writer, TOY_MODEL, names, progress=False)
    units = sum(layer.units for layer in TOY_LAYERS)
    assert "link-preview cards: 100%" in drawn and f"{units}/{units} card" in drawn, drawn[-500:]
    assert capsys.readouterr().err == ""
