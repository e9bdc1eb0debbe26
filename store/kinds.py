"""The feature-vis kinds: one declaration each, read by the pipeline, the CLI, the API and the unit page.

A kind says what is stored for a unit (its channel image, its centre neuron, …), what that means to a student,
how to build its optimization objective, whether it needs spatial positions and whether it is a set of images.
Adding a kind is one `register(VisKind(...))`: the precompute renders it, the CLI accepts it, the API and the unit
page show it. The objective builder receives `precompute.optvis` as an argument, so this module stays torch-free.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# (optvis, layer, items, set_size) → the batch objective: one batch item per entry of `items` (a unit number, repeated
# `set_size` times for a set kind). `optvis` is the precompute.optvis module.
ObjectiveBuilder = Callable[[Any, str, Sequence[int], int], Any]

# Lucid weights the penalty 1e2 for InceptionV1's pre-ReLU layers; on our nets that drove activations to 3–40 % of
# the plain channel image within 64 steps. At 0.3 the set keeps roughly the channel image's activation.
DIVERSITY_WEIGHT = 0.3


@dataclass(frozen=True)
class VisKind:
    """A kind of feature visualization a unit can have."""

    name: str  # the store key (a set's images are name:0 … name:n-1)
    meaning: str  # one line for students: what the image shows
    build: ObjectiveBuilder = field(repr=False, compare=False)
    needs_positions: bool = False  # a layer without positions (logits) gets no image of this kind
    is_set: bool = False  # a set of `--diversity` images per unit, optimized together
    # One instance of the feature (not a tiling of the map), so it can be drawn alone on grey: rendered transparent
    # when a run asks for it (--transparency), the rest of the image faded to the ground.
    transparent: bool = False
    settings: Mapping[str, Any] = field(default_factory=dict)  # stored with each image besides the render settings

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"feature-vis kind names are identifiers (they are store keys), got {self.name!r}")

    def keys(self, set_size: int) -> list[VisKey]:
        """The store keys of one unit's images of this kind."""
        if self.is_set:
            return [VisKey(self.name, i) for i in range(set_size)]
        return [VisKey(self.name)]

    def images(self, set_size: int) -> int:
        """How many images one unit gets of this kind."""
        return set_size if self.is_set else 1

    def stored_settings(self, set_size: int) -> dict[str, Any]:
        """What each image of this kind records besides the render settings (a set's size under the kind's name)."""
        return {**self.settings, **({self.name: set_size} if self.is_set else {})}


@dataclass(frozen=True, order=True)
class VisKey:
    """What a stored feature visualization is: its kind and, for a set, its place in the set."""

    kind: str
    index: int | None = None  # place in a set; None for a kind with one image per unit

    def __str__(self) -> str:
        return self.kind if self.index is None else f"{self.kind}:{self.index}"

    @classmethod
    def parse(cls, text: str) -> VisKey:
        """`diversity:2` → VisKey("diversity", 2); `neuron` → VisKey("neuron")."""
        kind, sep, index = text.partition(":")
        if sep and not index.isdigit():
            raise ValueError(f"not a feature-vis key: {text!r}; expected 'kind' or 'kind:index'")
        return cls(kind, int(index) if sep else None)


CHANNEL = "channel"  # always rendered: it stands for the unit in layer grids and links (the thumbnail)
NEURON = "neuron"
# The kinds a family view or a tour stop shows a unit by, best first. The centre neuron's picture holds one instance
# of the feature at one receptive field (a curve at one orientation); the channel's tiles the feature over the whole
# map, so a curve detector's reads as a texture. bench/curve_pictures.py measures which shows the curve.
READABLE = (NEURON, CHANNEL)

_REGISTRY: dict[str, VisKind] = {}


def register(kind: VisKind) -> VisKind:
    """Declare a kind (ValueError if its name is taken); returns it."""
    if kind.name in _REGISTRY:
        raise ValueError(f"feature-vis kind {kind.name!r} is already registered")
    _REGISTRY[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Forget a kind (tests that declare one clean up with this)."""
    if name == CHANNEL:
        raise ValueError(f"the {CHANNEL} kind cannot be removed: it stands for every unit")
    _REGISTRY.pop(name, None)


def all_kinds() -> tuple[VisKind, ...]:
    """Every declared kind, in the order pages show them."""
    return tuple(_REGISTRY.values())


def kind_names() -> tuple[str, ...]:
    """The names of every declared kind, in page order."""
    return tuple(_REGISTRY)


def get(name: str) -> VisKind:
    """The kind called `name`; ValueError naming the valid kinds otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown feature-vis kind {name!r}; valid kinds are {', '.join(_REGISTRY)}") from None


def find(name: str) -> VisKind | None:
    """The kind called `name`, or None (a store may hold kinds this code does not declare)."""
    return _REGISTRY.get(name)


def readable_kind(held: Collection[str]) -> str | None:
    """The kind that reads best of those a unit holds: its neuron picture, else its channel one (None: neither)."""
    return next((name for name in READABLE if name in held), None)


def check_kinds(names: Sequence[str], set_size: int) -> None:
    """ValueError naming the valid kinds unless `names` are declared, include channel, and any set has 2+ images."""
    unknown = [name for name in names if name not in _REGISTRY]
    if unknown or CHANNEL not in names:
        raise ValueError(
            f"kinds {', '.join(names) or '(none)'}: valid kinds are {', '.join(_REGISTRY)}, "
            f"and {CHANNEL} is always needed (it stands for the unit in layer grids)"
        )
    sets = [name for name in names if _REGISTRY[name].is_set]
    if sets and set_size < 2:
        raise ValueError(f"a {sets[0]} set needs at least 2 images, got --diversity {set_size}")


def page_order(key: VisKey) -> tuple[int, str, int]:
    """Sort key of stored images: declared kinds in page order, each set by index; undeclared kinds last, by name."""
    names = list(_REGISTRY)
    rank = names.index(key.kind) if key.kind in _REGISTRY else len(names)
    return rank, key.kind, key.index or 0


def describe_kinds() -> str:
    """'channel (…), neuron (…), …': every kind with its meaning, for help texts."""
    return "; ".join(f"{kind.name}: {kind.meaning}" for kind in _REGISTRY.values())


register(
    VisKind(
        CHANNEL,
        "the mean of the whole map, maximized",
        lambda optvis, layer, items, _: optvis.channel(layer, items),
    )
)
register(
    VisKind(
        NEURON,
        "the centre position only, maximized",
        lambda optvis, layer, items, _: optvis.neuron(layer, items),
        needs_positions=True,
        transparent=True,
    )
)
register(
    VisKind(
        "negative",
        "the mean of the whole map, minimized: what the unit responds to least",
        lambda optvis, layer, items, _: -optvis.channel(layer, items),
    )
)
register(
    VisKind(
        "diversity",
        "images that each excite the unit while differing from one another",
        lambda optvis, layer, items, set_size: (
            optvis.channel(layer, items) - DIVERSITY_WEIGHT * optvis.diversity(layer, group=set_size)
        ),
        is_set=True,
        settings={"diversity_weight": DIVERSITY_WEIGHT},
    )
)
