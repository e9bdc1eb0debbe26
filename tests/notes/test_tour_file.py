"""Tour files: YAML and JSON read alike, bad files name the bad field or stop, and dumping reads back the same."""

from __future__ import annotations

import json

import pytest

from notes.tour_file import dump, parse

YAML = """
slug: toy-tour
title: The toy net
description: Two *stops*.
stops:
  - unit: toy-net/conv1:1
    caption: A unit.
  - circuit: toy-net/conv1:0,1;block1:2
"""


def test_yaml_and_json_give_the_same_tour() -> None:
    tour = parse(YAML)
    assert parse(json.dumps(tour.model_dump(exclude_none=True))) == tour
    assert [(s.kind, s.model, s.target) for s in tour.stops] == [
        ("unit", "toy-net", "conv1:1"),
        ("circuit", "toy-net", "conv1:0,1;block1:2"),
    ]


@pytest.mark.parametrize("as_json", [False, True], ids=["yaml", "json"])
def test_a_dumped_tour_parses_back_to_itself(as_json: bool) -> None:
    tour = parse(YAML)
    assert parse(dump(tour, as_json=as_json)) == tour


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (YAML.replace("toy-net/conv1:1", "conv1:1"), "stop 1"),
        (YAML.replace("  - circuit: toy-net/conv1:0,1;block1:2", "  - caption: nothing"), "stop 2"),
        (YAML.replace("slug: toy-tour", "slug: Toy Tour"), "slug"),
        (YAML.replace("title: The toy net\n", ""), "title"),
        (YAML.replace("    caption: A unit.", "    colour: red"), "stop 1 (colour)"),
        ("[1, 2]", "a mapping"),
        ("slug: [unclosed", "neither YAML nor JSON"),
    ],
    ids=["unit-without-model", "stop-without-target", "bad-slug", "no-title", "unknown-field", "list", "not-yaml"],
)
def test_a_bad_file_is_refused_naming_what_is_wrong(text: str, named: str) -> None:
    with pytest.raises(ValueError, match="stop|slug|title|mapping|YAML") as caught:
        parse(text, "tour.yaml")
    assert named in str(caught.value) and "tour.yaml" in str(caught.value)
