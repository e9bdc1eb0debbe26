"""Tour files: YAML and JSON read alike, bad files name the bad field or stop, and dumping reads back the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notes.tour_file import StopFile, TourLimits, dump, parse, read

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


def _stops(count: int, unit: str = "toy-net/conv1:1") -> str:
    return "slug: big\ntitle: Big\nstops:\n" + f"  - unit: {unit}\n" * count


DEEP = {
    "stops-lists": "slug: deep\ntitle: Deep\nstops: " + "[" * 1000 + "]" * 1000 + "\n",
    "mappings": "{a: " * 2000 + "1" + "}" * 2000 + "\n",
    "json": '{"slug": "deep", "title": "Deep", "stops": ' + "[" * 5000 + "]" * 5000 + "}",
    "unclosed": "stops: " + "[" * 100_000,
    "aliases": "a: &a [[[[[1]]]]]\nb: [[[*a]]]\n",  # each level shallow, the alias adds the anchored list's depth
    "cycle": "a: &a [*a]\n",  # an alias inside the list it names: endless depth
}


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_is_refused_before_it_is_read_naming_the_limit(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse(text, "deep.yaml")
    message = str(caught.value)
    assert "deep.yaml nests mappings and lists" in message and "MICROSCOPE_LIMIT_TOUR_DEPTH" in message


def test_a_tour_as_deep_as_the_limit_reads() -> None:
    three = TourLimits(tour_depth=3)
    text = "slug: ok\ntitle: Ok\nstops:\n  - unit: toy-net/conv1:1\n"  # a mapping, its list, a stop: 3 levels
    assert len(parse(text, limits=three).stops) == 1
    with pytest.raises(ValueError, match="nests mappings and lists 4 deep; the limit is 3 levels"):
        parse(text + "    caption: [a]\n", limits=three)


def test_more_stops_than_the_limit_are_refused_naming_the_setting() -> None:
    assert len(parse(_stops(200)).stops) == 200  # the default limit
    with pytest.raises(ValueError) as caught:
        parse(_stops(20_000), "big.yaml")
    assert str(caught.value) == (
        "big.yaml has 20000 stops; the limit is 200 stops (tour_stops, setting MICROSCOPE_LIMIT_TOUR_STOPS)"
    )


def test_a_file_larger_than_the_limit_is_refused_naming_the_setting() -> None:
    text = _stops(3)
    assert parse(text, limits=TourLimits(tour_bytes=len(text))).slug == "big"
    with pytest.raises(ValueError, match=f"is {len(text) + 1} bytes; the limit is {len(text)} bytes") as caught:
        parse(text.replace("Big", "Bié"), limits=TourLimits(tour_bytes=len(text)))  # as many characters; é is 2 bytes
    assert "MICROSCOPE_LIMIT_TOUR_BYTES" in str(caught.value)


def test_the_limits_default_to_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSCOPE_LIMIT_TOUR_STOPS", "2")
    with pytest.raises(ValueError, match="has 3 stops; the limit is 2 stops"):
        parse(_stops(3))


@pytest.mark.parametrize(
    "unit",
    ["9" * 5000, "9" * 10, "٣", "²", "1\n", "+1", "-1"],
    ids=["5000-digits", "10-digits", "arabic", "super", "newline", "plus", "minus"],
)
def test_a_unit_number_is_a_few_ascii_digits(unit: str) -> None:
    with pytest.raises(ValueError, match="stop 1: .*1–9 digits 0–9") as caught:
        parse(json.dumps({"slug": "t", "title": "T", "stops": [{"unit": f"demo-inception/mixed3b:{unit}"}]}))
    assert len(str(caught.value)) < 400  # the bad number is quoted cut short, not 5,000 digits long
    circuit = json.dumps({"slug": "t", "title": "T", "stops": [{"circuit": f"demo-inception/mixed3b:1,{unit}"}]})
    with pytest.raises(ValueError, match="stop 1: .*digits 0–9"):
        parse(circuit)
    assert parse(_stops(1, "demo-inception/mixed3b:999999999")).stops[0].layer_unit == ("mixed3b", 999_999_999)


def test_a_stop_saved_before_the_checks_still_reads_and_says_what_is_wrong() -> None:
    stop = StopFile.of("unit", "demo-inception", "mixed3b:" + "9" * 5000, "old")
    assert stop.problem is not None and "1–9 digits" in stop.problem and stop.caption == "old"
    assert StopFile.of("unit", "toy-net", "conv1:1", "").problem is None


def test_read_stops_at_the_size_limit_and_refuses_text_that_is_not_utf8(tmp_path: Path) -> None:
    big, latin = tmp_path / "big.yaml", tmp_path / "latin.yaml"
    big.write_text(_stops(100_000))  # 2.5 MB: refused after reading the limit and one byte more
    with pytest.raises(ValueError, match="big.yaml is more than 1000 bytes; the limit is 1000 bytes"):
        read(big, TourLimits(tour_bytes=1000))
    latin.write_bytes(_stops(1).replace("Big", "Café").encode("latin-1"))
    with pytest.raises(ValueError, match="latin.yaml is not UTF-8 text"):
        read(latin)
    (tmp_path / "ok.yaml").write_text(_stops(2))
    assert len(read(tmp_path / "ok.yaml").stops) == 2
