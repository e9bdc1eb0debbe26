"""Hand-made unit labels: the lenient label files, how a unit's label is chosen, and importing them into a store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microscope.cli import app
from precompute.unit_labels import (
    EARLY_VISION,
    display_name,
    import_unit_labels,
    read_label_folder,
    read_label_groups,
    strip_trailing_commas,
    unit_labels,
)
from store.reader import StoreReader
from store.records import LayerRecord, ModelRecord
from store.writer import StoreWriter
from tests.conftest import require_shared

LABEL_GROUPS = """[
  {"name": "Curves", "units": [3, 1, 3,], "comment": "see <a href='#x'>[this], {that},</a>",},
  {"name": "mixed_high_low", "units": [1], "comment": "", "priority": 1},
  {"name": "Other", "units": [0, ], "comment": "", "priority": -1},
]
"""


@pytest.fixture
def label_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "mixed.json").write_text(LABEL_GROUPS, encoding="utf-8")
    (folder / "absent.json").write_text('[{"name": "Nothing", "units": [0]}]', encoding="utf-8")
    return folder


def test_trailing_commas_go_but_commas_and_brackets_inside_strings_stay() -> None:
    text = '[1, "a,]", {"b": "\\",}", "c": [2, ],}, ]'
    assert json.loads(strip_trailing_commas(text)) == [1, "a,]", {"b": '",}', "c": [2]}]


def test_a_unit_listed_twice_in_a_family_counts_once(label_folder: Path) -> None:
    groups = read_label_groups(label_folder / "mixed.json")
    assert [(f.name, f.units, f.priority) for f in groups] == [
        ("Curves", (3, 1), 0),
        ("mixed_high_low", (1,), 1),
        ("Other", (0,), -1),
    ]


def test_a_unit_in_several_families_gets_every_name_highest_priority_first(label_folder: Path) -> None:
    labels = unit_labels(read_label_groups(label_folder / "mixed.json"), "mixed")
    assert labels == {0: "Other", 1: "High low / Curves", 3: "Curves"}


def test_working_names_are_shown_as_words() -> None:
    assert display_name("mixed4a_any_boundary", "mixed4a") == "Any boundary"
    assert display_name("Dog Heads", "mixed4b") == "Dog Heads"
    assert display_name("mixed4b_x", "mixed4a") == "mixed4b_x"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{}", "must hold a list of groups"),
        ('[{"units": [1]}]', "expected an object with a 'name'"),
        ('[{"name": "A", "units": ["1"]}]', "'units' must be a list of unit indices"),
        ("[{", "is not JSON"),
    ],
)
def test_malformed_label_files_are_refused_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "conv.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as error:
        read_label_groups(path)
    assert "conv.json" in str(error.value)


def test_a_folder_without_label_files_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no <layer>.json label files"):
        read_label_folder(tmp_path)


def test_early_vision_labels_4b_409_dog_heads() -> None:
    labels = read_label_folder(require_shared("data", "inceptionv1", "early-vision-labels"))
    assert list(labels)[:3] == ["conv2d0", "conv2d1", "conv2d2"] and len(labels["conv2d0"]) == 64
    assert labels["mixed4b"][409] == labels["mixed4b"][327] == "Dog Heads"
    assert labels["mixed4a"][403] == "Curves / Complex Shapes and Curvature"


def _store(root: Path) -> StoreWriter:
    writer = StoreWriter(root)
    writer.put_model(ModelRecord("net", "Net", "toy", "a" * 64, {}, []))
    writer.put_layers("net", [LayerRecord("mixed", 0, "conv", 4, 2, 2, 3, 1.0, None)])
    return writer


def test_import_labels_the_stored_layers_and_reports_the_others(tmp_path: Path, label_folder: Path) -> None:
    done = import_unit_labels(_store(tmp_path), "net", read_label_folder(label_folder))
    assert (done.labelled, done.skipped) == ({"mixed": 3}, ["absent"])
    assert (
        done.describe("net") == "early-vision: labelled 3 units in 1 layers of net (not in the store, skipped: absent)"
    )
    units = StoreReader(tmp_path).units("net", "mixed")
    assert [u.label for u in units] == ["Other", "High low / Curves", None, "Curves"]
    assert units[0].label_source == EARLY_VISION


def test_labels_import_command_works_on_an_existing_store(tmp_path: Path, label_folder: Path) -> None:
    _store(tmp_path / "store").engine.dispose()
    runner = CliRunner()
    done = runner.invoke(app, ["labels", "import", "net", str(label_folder), "--store", str(tmp_path / "store")])
    assert done.exit_code == 0, done.output
    assert "labelled 3 units in 1 layers of net" in done.output
    missing = runner.invoke(app, ["labels", "import", "nope", str(label_folder), "--store", str(tmp_path / "store")])
    assert missing.exit_code == 2 and "no model 'nope'; stored models: net" in missing.output
