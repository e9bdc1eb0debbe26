"""Lookups that 404: names, ranges and unit references resolved against what the store holds."""

from __future__ import annotations

from typing import Any, cast

import pytest

from app.deps import find_layer, resolve_ref
from app.web.errors import NotFound
from store.reader import StoreReader
from store.records import LayerView, ModelView


def _layer(name: str, units: int) -> LayerView:
    return LayerView(name, 0, "conv", units, 7, 7, 1, 1.0, None)


INCEPTION = ModelView(
    "inceptionv1",
    "InceptionV1",
    "inception",
    "0" * 64,
    {},
    [],
    layers=(_layer("conv2d0", 64), _layer("mixed4b", 512), _layer("mixed4c", 512)),
)


class FakeReader:
    """Just enough of StoreReader for reference resolution."""

    def model_ids(self) -> list[str]:
        return [INCEPTION.id]

    def model(self, model_id: str) -> ModelView | None:
        return INCEPTION if model_id == INCEPTION.id else None


READER = cast(StoreReader, FakeReader())


def test_shorthand_ref_resolves_to_the_real_layer() -> None:
    model, layer, unit = resolve_ref(READER, "inceptionv1", "4b:409")
    assert (model.id, layer.name, unit) == ("inceptionv1", "mixed4b", 409)


def test_ref_naming_its_model_needs_no_default() -> None:
    _, layer, unit = resolve_ref(READER, None, "inceptionv1/mixed4c:3")
    assert (layer.name, unit) == ("mixed4c", 3)


@pytest.mark.parametrize(
    ("model", "ref", "message"),
    [
        ("inceptionv1", "4z:1", "no layer '4z' in model 'inceptionv1'; layers: conv2d0, mixed4b, mixed4c"),
        ("inceptionv1", "4b:512", "unit 512 out of range: mixed4b has units 0–511"),
        ("inceptionv1", "4b", "expected 'layer:unit'"),
        (None, "mixed4b:1", "which model is 'mixed4b:1' in?"),
        (None, "mixed4b:1", "models: inceptionv1"),
        ("other", "mixed4b:1", "no model 'other'; models: inceptionv1"),
    ],
)
def test_unresolvable_ref_raises_404_naming_what_exists(model: str | None, ref: str, message: str) -> None:
    with pytest.raises(NotFound) as error:
        resolve_ref(READER, model, ref)
    assert error.value.status_code == 404
    assert message in cast(Any, error.value).detail


def test_unknown_layer_links_every_layer() -> None:
    with pytest.raises(NotFound) as error:
        find_layer(INCEPTION, "nope")
    assert [text for text, _ in error.value.links] == ["conv2d0", "mixed4b", "mixed4c"]
