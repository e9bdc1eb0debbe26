"""An experiment's spec: one canonical string per edit (its address and the store's key), and clear errors."""

from __future__ import annotations

import pytest

from store.experiments import KINDS, MAX_UNITS, Experiment


def test_a_spec_reads_back_as_the_same_experiment_in_its_canonical_form() -> None:
    experiment = Experiment.parse("ablate:mixed4a:54,40, 51,40")
    assert experiment == Experiment("ablate", "mixed4a", (40, 51, 54))
    assert str(experiment) == "ablate:mixed4a:40,51,54"  # sorted, each unit once, no spaces
    assert Experiment.parse(str(experiment)) == experiment


def test_two_spellings_of_one_edit_share_the_stores_key_and_other_edits_do_not() -> None:
    assert Experiment.parse("cut-negative:l:3,1").key == Experiment.parse("cut-negative:l:1,3").key
    assert Experiment.parse("cut-negative:l:1,3").key != Experiment.parse("cut-positive:l:1,3").key
    assert len(Experiment.parse("ablate:l:1").key) == 64


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("remove:mixed4a:1", "ablate, mean-ablate, cut-negative, cut-positive, rebuild"),
        ("ablate:mixed4a", "expected 'kind:layer:units'"),
        ("ablate:mixed4a:", "expected 'kind:layer:units'"),
        ("ablate:mixed4a:a,b", "expected 'kind:layer:units'"),
        ("ablate:mixed4a:,,", "at least one unit"),
        ("ablate:mixed4a:1234567890", "out of range"),
        ("ablate:mixed4a:-1", "expected 'kind:layer:units'"),
    ],
)
def test_a_bad_spec_says_how_specs_are_written(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Experiment.parse(text)


def test_an_experiment_names_at_most_a_bounded_number_of_units() -> None:
    Experiment("ablate", "l", tuple(range(MAX_UNITS)))
    with pytest.raises(ValueError, match=f"at most {MAX_UNITS}"):
        Experiment("ablate", "l", tuple(range(MAX_UNITS + 1)))


def test_every_kind_has_a_title_and_cuts_are_told_apart_from_removals() -> None:
    for kind in KINDS:
        experiment = Experiment(kind, "mixed3b", (1, 2))
        assert "2 units of mixed3b" in experiment.title
        assert experiment.is_cut == kind.startswith("cut")
    assert Experiment("ablate", "mixed3b", (1,)).title == "Remove 1 unit of mixed3b (set to 0)"
