"""UnitRef: parsing and printing `layer:unit`, model-qualified forms, aliases, and value semantics."""

from __future__ import annotations

import dataclasses

import pytest

from store.refs import UnitRef, unit_number

INCEPTION_LAYERS = ["conv2d0", "mixed3a", "mixed4a", "mixed4b", "mixed5b"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("layer2.3:17", UnitRef("layer2.3", 17)),
        ("cifar-resnet20/layer2.3:17", UnitRef("layer2.3", 17, "cifar-resnet20")),
        ("cifar-resnet20@layer2.3:17", UnitRef("layer2.3", 17, "cifar-resnet20")),
        ("fc:0", UnitRef("fc", 0)),
    ],
)
def test_parse_reads_layer_unit_and_optional_model(text: str, expected: UnitRef) -> None:
    assert UnitRef.parse(text) == expected


def test_str_prints_layer_colon_unit_without_model() -> None:
    assert str(UnitRef("mixed4b", 409, "inceptionv1")) == "mixed4b:409"


@pytest.mark.parametrize("text", ["layer2.3:17", "mixed4b:0", "fc:9"])
def test_parse_of_str_round_trips(text: str) -> None:
    assert str(UnitRef.parse(text)) == text


@pytest.mark.parametrize("text", ["cifar-resnet20/layer2.3:17", "cifar-resnet20@layer2.3:17"])
def test_qualified_round_trips_model_layer_and_unit(text: str) -> None:
    ref = UnitRef.parse(text)
    assert ref.qualified == "cifar-resnet20/layer2.3:17"
    assert UnitRef.parse(ref.qualified) == ref


def test_qualified_without_model_is_plain_layer_unit() -> None:
    assert UnitRef("fc", 3).qualified == "fc:3"


def test_with_model_qualifies_the_same_unit() -> None:
    assert UnitRef("fc", 3).with_model("toy") == UnitRef("fc", 3, "toy")


@pytest.mark.parametrize("text", ["  mixed4b:409", "mixed4b:409\n", "\t model/mixed4b:409  "])
def test_parse_ignores_surrounding_whitespace(text: str) -> None:
    ref = UnitRef.parse(text)
    assert (ref.layer, ref.unit) == ("mixed4b", 409)


@pytest.mark.parametrize(
    "text",
    ["", "mixed4b", "mixed4b:", ":409", "mixed4b:-1", "mixed4b:4.5", "mixed4b : 409", "a/b/c:1", "m/:1", "mixed 4b:1"],
)
def test_parse_of_malformed_text_raises_value_error_naming_the_format(text: str) -> None:
    with pytest.raises(ValueError, match="expected 'layer:unit'") as excinfo:
        UnitRef.parse(text)
    assert repr(text) in str(excinfo.value)


def test_shorthand_4b_resolves_to_mixed4b() -> None:
    assert UnitRef.parse("4b:409").resolve(INCEPTION_LAYERS) == UnitRef("mixed4b", 409)


def test_shorthand_4b_resolves_to_inception4b_when_that_is_the_only_match() -> None:
    assert UnitRef("4b", 1).resolve(["conv1", "inception4a", "inception4b"]) == UnitRef("inception4b", 1)


def test_resolve_keeps_unit_and_model() -> None:
    assert UnitRef("4b", 7, "inceptionv1").resolve(INCEPTION_LAYERS) == UnitRef("mixed4b", 7, "inceptionv1")


@pytest.mark.parametrize("name", ["4B", "MIXED4B", "Mixed4b", "mixed4B"])
def test_a_layer_or_its_shorthand_resolves_in_any_case(name: str) -> None:
    assert UnitRef(name, 409).resolve(INCEPTION_LAYERS) == UnitRef("mixed4b", 409)


def test_layers_differing_only_in_case_are_ambiguous_unless_spelled_exactly() -> None:
    assert UnitRef("Conv", 1).resolve(["conv", "Conv"]) == UnitRef("Conv", 1)
    with pytest.raises(KeyError, match="'CONV'"):
        UnitRef("CONV", 1).resolve(["conv", "Conv"])


def test_exact_layer_name_wins_over_shorthand() -> None:
    assert UnitRef("4b", 1).resolve(["4b", "mixed4b"]) == UnitRef("4b", 1)


def test_ambiguous_shorthand_raises_key_error_listing_the_layers() -> None:
    with pytest.raises(KeyError) as excinfo:
        UnitRef("4b", 1).resolve(["mixed4b", "inception4b"])
    assert "'4b'" in str(excinfo.value)
    assert "mixed4b, inception4b" in str(excinfo.value)


def test_unknown_layer_raises_key_error_listing_the_layers() -> None:
    with pytest.raises(KeyError) as excinfo:
        UnitRef("layer9", 0).resolve(["conv1", "layer1.0", "fc"])
    assert "'layer9'" in str(excinfo.value)
    assert "conv1, layer1.0, fc" in str(excinfo.value)


def test_refs_order_by_layer_then_unit_numerically() -> None:
    refs = [UnitRef("conv", 10), UnitRef("block", 3), UnitRef("conv", 9), UnitRef("conv", 2)]
    assert sorted(refs) == [UnitRef("block", 3), UnitRef("conv", 2), UnitRef("conv", 9), UnitRef("conv", 10)]


def test_equal_refs_hash_equal_and_deduplicate() -> None:
    refs = {UnitRef.parse("fc:1"), UnitRef("fc", 1), UnitRef.parse(" fc:1 "), UnitRef("fc", 2)}
    assert refs == {UnitRef("fc", 1), UnitRef("fc", 2)}
    assert {UnitRef("fc", 1): "x"}[UnitRef.parse("fc:1")] == "x"


def test_model_is_part_of_identity() -> None:
    assert UnitRef("fc", 1, "a") != UnitRef("fc", 1, "b") != UnitRef("fc", 1)


def test_ref_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        UnitRef("fc", 1).unit = 2  # type: ignore[misc]


# Spellings that mean unit 2 unambiguously: leading zeros, a plus sign, a zero fraction, one script's digits.
SAME_NUMBER = ["02", "002", "+2", "+02", "2.0", "2.00", "２", "٢", "۲", "२"]
# Not a unit number: signs, fractions, exponents, separators, other bases, mixed scripts, other digits, nothing.
NOT_A_NUMBER = ["-2", "-0", "2.5", "2.", ".2", "2e0", "2_0", "0x2", "²", "٢2", "", "+", "two"]


@pytest.mark.parametrize("spelling", SAME_NUMBER)
def test_unit_number_reads_every_unambiguous_spelling(spelling: str) -> None:
    assert unit_number(spelling) == 2


@pytest.mark.parametrize("spelling", NOT_A_NUMBER)
def test_unit_number_refuses_what_spells_no_integer(spelling: str) -> None:
    assert unit_number(spelling) is None


def test_a_unit_number_past_every_layer_reads_as_out_of_range_without_converting_it() -> None:
    assert unit_number("9" * 400) == 10**18
