"""Rules for rebuilding units by hand (store.rules): a student's expression is read safely, spelled one way, and
evaluated to a finite weight, or refused with a message saying why."""

from __future__ import annotations

import math

import pytest

from store.rules import DEFAULT, MAX_LENGTH, Rule, RuleError, wrapped


def test_the_default_rule_is_the_circuits_cosine_of_the_orientation_difference() -> None:
    rule = Rule.parse(DEFAULT)
    assert rule.is_default
    for theta, phi in [(0, 0), (90, 0), (30, 210), (345, 15)]:
        assert rule.weight(theta, phi) == pytest.approx(math.cos(math.radians(theta - phi)))


def test_a_rule_is_spelled_one_way_whatever_its_spacing() -> None:
    assert Rule.parse("  cos( theta-phi )").text == "cos(theta - phi)"
    assert Rule.parse("cos(theta-phi)").is_default
    assert not Rule.parse("max(cos(d), 0) ** 2").is_default


def test_d_is_the_orientation_difference_wrapped_to_a_half_turn_either_way() -> None:
    assert wrapped(10, 350) == 20 and wrapped(350, 10) == -20 and wrapped(180, 0) == 180
    assert Rule.parse("d").weight(10, 350) == 20


def test_a_narrower_rule_weighs_as_written() -> None:
    rule = Rule.parse("max(cos(d), 0) ** 2")
    assert rule.weight(0, 180) == 0
    assert rule.weight(60, 0) == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("x" * (MAX_LENGTH + 1), "characters long"),
        ("cos(theta", "not an expression"),
        ("__import__('os')", "calls something other than"),
        ("theta.real", "uses Attribute"),
        ("open", "names 'open'"),
        ("'a' * 9", "not a number"),
        ("[theta]", "uses List"),
        ("lambda: 1", "uses Lambda"),
    ],
    ids=["empty", "long", "syntax", "import", "attribute", "name", "string", "list", "lambda"],
)
def test_anything_but_arithmetic_over_the_orientations_is_refused_saying_what_a_rule_holds(
    text: str, says: str
) -> None:
    with pytest.raises(RuleError, match=says) as raised:
        Rule.parse(text)
    assert "theta, phi and d" in str(raised.value)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1 / (theta - phi)", "divides by zero at theta=40, phi=40"),
        ("exp(theta * 100)", "fails at theta=40, phi=40"),
        ("sqrt(-1 - phi)", "fails at theta=40, phi=40"),
        ("10.0 ** 400", "fails at theta=40, phi=40"),
    ],
    ids=["zero", "overflow", "domain", "power"],
)
def test_a_rule_without_a_finite_weight_at_the_units_orientations_says_where(text: str, says: str) -> None:
    rule = Rule.parse(text)
    with pytest.raises(RuleError, match=says):
        rule.weight(40, 40)
