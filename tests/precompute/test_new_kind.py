"""A feature-vis kind declared in one registry entry is rendered by a precompute, served by the API and shown on the
unit page, with no other file edited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.web.config import Settings
from precompute.pipeline import PrecomputeConfig, run_precompute
from store import kinds
from store.integrity import check_store
from store.kinds import VisKind

MEANING = "the top-left position only, maximized"


@pytest.fixture
def corner() -> Iterator[VisKind]:
    """The made-up kind: the unit's activation at the top-left position, maximized (needs positions)."""
    kind = VisKind(
        "corner", MEANING, lambda optvis, layer, items, _: optvis.neuron(layer, items, 0, 0), needs_positions=True
    )
    yield kinds.register(kind)
    kinds.unregister(kind.name)


@pytest.fixture
def store(tmp_path: Path, random_resnet20: Path, corner: VisKind) -> Path:
    config = PrecomputeConfig(
        model="cifar-resnet20",
        store=tmp_path,
        weights=random_resnet20,
        layers=("layer1.0", "linear"),
        kinds=("channel", corner.name),
        steps=2,
        vis_batch=32,
        progress=False,
    )
    summary = run_precompute(config)
    assert summary.rendered_images == (16 + 10) + 16  # channel everywhere, corner where there are positions
    return tmp_path


def test_a_registered_kind_is_rendered_served_and_shown(store: Path) -> None:
    assert check_store(store).ok
    with TestClient(create_app(Settings(store=store))) as client:
        unit = client.get("/api/v1/models/cifar-resnet20/layers/layer1.0/units/3").json()
        images = {fv["key"]: fv for fv in unit["feature_vis"]}
        assert list(images) == ["channel", "corner"]
        corner = images["corner"]
        assert corner["kind"] == "corner" and corner["meaning"] == MEANING and not corner["in_set"]
        assert corner["description"] == "neuron(layer1.0:[3],x=0,y=0)"
        assert corner["url"] != images["channel"]["url"]
        page = client.get("/models/cifar-resnet20/layers/layer1.0/units/3").text
        assert 'class="fv fv-corner"' in page and MEANING in page and corner["url"] in page
        logits = client.get("/api/v1/models/cifar-resnet20/layers/linear/units/0").json()
        assert [fv["key"] for fv in logits["feature_vis"]] == ["channel"]  # no positions, no corner image
