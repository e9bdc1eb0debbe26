"""The feature-vis kind registry: one declaration per kind, typed store keys, and checks that name the valid kinds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from store import kinds
from store.kinds import CHANNEL, VisKey, VisKind


@pytest.fixture
def corner() -> Iterator[VisKind]:
    """A made-up kind, declared for one test and forgotten after it."""
    kind = kinds.register(
        VisKind(
            "corner", "the top-left position only, maximized", lambda o, layer, items, _: o.neuron(layer, items, 0, 0)
        )
    )
    yield kind
    kinds.unregister("corner")


def test_the_built_in_kinds_come_in_page_order_channel_first() -> None:
    assert kinds.kind_names() == ("channel", "neuron", "negative", "diversity")
    assert kinds.get("neuron").needs_positions and not kinds.get("negative").needs_positions
    assert kinds.get("diversity").is_set and not kinds.get(CHANNEL).is_set


@pytest.mark.parametrize(("text", "key"), [("channel", VisKey("channel")), ("diversity:3", VisKey("diversity", 3))])
def test_a_store_key_round_trips_through_its_typed_value(text: str, key: VisKey) -> None:
    assert VisKey.parse(text) == key and str(key) == text


@pytest.mark.parametrize("text", ["diversity:", "diversity:x", "neuron:-1"])
def test_a_malformed_store_key_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a feature-vis key"):
        VisKey.parse(text)


def test_a_set_kind_has_one_key_per_image_and_records_its_size() -> None:
    diversity = kinds.get("diversity")
    assert diversity.keys(3) == [VisKey("diversity", 0), VisKey("diversity", 1), VisKey("diversity", 2)]
    assert diversity.images(3) == 3 and kinds.get("negative").images(3) == 1
    assert diversity.stored_settings(3) == {"diversity": 3, "diversity_weight": kinds.DIVERSITY_WEIGHT}
    assert kinds.get("negative").keys(3) == [VisKey("negative")] and kinds.get("negative").stored_settings(3) == {}


def test_a_registered_kind_is_valid_everywhere_the_registry_is_read(corner: VisKind) -> None:
    assert kinds.kind_names()[-1] == "corner" and kinds.get("corner") is corner
    kinds.check_kinds(["channel", "corner"], 4)
    assert "corner: the top-left position only, maximized" in kinds.describe_kinds()


def test_unknown_kinds_sort_after_declared_ones_and_sets_by_index() -> None:
    keys = [VisKey("zz"), VisKey("diversity", 1), VisKey("neuron"), VisKey("diversity", 0), VisKey("channel")]
    assert [str(k) for k in sorted(keys, key=kinds.page_order)] == [
        "channel",
        "neuron",
        "diversity:0",
        "diversity:1",
        "zz",
    ]


def test_bad_kind_lists_name_the_valid_kinds() -> None:
    with pytest.raises(ValueError, match="valid kinds are channel, neuron, negative, diversity"):
        kinds.check_kinds(["channel", "dreams"], 4)
    with pytest.raises(ValueError, match="channel is always needed"):
        kinds.check_kinds(["neuron"], 4)
    with pytest.raises(ValueError, match="a diversity set needs at least 2 images"):
        kinds.check_kinds(["channel", "diversity"], 1)
    with pytest.raises(ValueError, match="unknown feature-vis kind 'dreams'"):
        kinds.get("dreams")


def test_a_kind_is_declared_once_and_channel_stays() -> None:
    with pytest.raises(ValueError, match="already registered"):
        kinds.register(VisKind("neuron", "again", lambda *_: None))
    with pytest.raises(ValueError, match="cannot be removed"):
        kinds.unregister(CHANNEL)
    with pytest.raises(ValueError, match="identifiers"):
        VisKind("two words", "", lambda *_: None)


@pytest.mark.parametrize(
    ("held", "chosen"),
    [
        ({"channel", "neuron", "negative"}, "neuron"),
        ({"neuron"}, "neuron"),
        ({"channel", "negative", "diversity:0"}, "channel"),
        ({"negative"}, None),
        (set(), None),
    ],
)
def test_a_unit_is_shown_by_its_neuron_picture_where_stored_else_its_channel_one(
    held: set[str], chosen: str | None
) -> None:
    assert kinds.readable_kind(held) == chosen
