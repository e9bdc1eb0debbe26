"""Hand-made unit labels: label groups (units a person named together; the Circuits articles call them families),
one file per layer, imported into a store.

A labels folder holds `<layer>.json` files, each a list of groups `{"name", "units", "comment", "priority"?}`
as the Circuits articles published them (lenient JSON: trailing commas allowed). The Early Vision labels of
InceptionV1 (`../shared/data/inceptionv1/early-vision-labels/`) are the reference set.

A unit's label is the name of its group. A unit listed twice in one group counts once; a unit in several
groups gets all their names, highest `priority` first (then file order), joined by " / ". Working names like
`mixed4a_any_boundary` are shown as "Any boundary".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store.records import LabelSource
from store.writer import StoreWriter

EARLY_VISION = LabelSource(
    key="early-vision",
    title="An Overview of Early Vision in InceptionV1",
    authors="Chris Olah, Nick Cammarata, Ludwig Schubert, Gabriel Goh, Michael Petrov, Shan Carter",
    year=2020,
    url="https://distill.pub/2020/circuits/early-vision/",
    license="CC-BY 4.0",
)
SOURCES = {source.key: source for source in [EARLY_VISION]}
JOINER = " / "
_CLOSING = re.compile(r"\s*[\]}]")


@dataclass(frozen=True)
class LabelGroup:
    """Units of one layer that a person grouped under one name."""

    name: str
    units: tuple[int, ...]
    priority: int = 0


@dataclass
class LabelImport:
    """What an import did: units labelled per stored layer, and the label files' layers the store lacks."""

    source: LabelSource
    labelled: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def describe(self, model_id: str) -> str:
        """One line saying what was imported."""
        total = sum(self.labelled.values())
        line = f"{self.source.key}: labelled {total} units in {len(self.labelled)} layers of {model_id}"
        return line + (f" (not in the store, skipped: {', '.join(self.skipped)})" if self.skipped else "")


def strip_trailing_commas(text: str) -> str:
    """JSON text without the commas that directly precede a closing bracket or brace (outside strings)."""
    out: list[str] = []
    in_string = escaped = False
    for i, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "," and _CLOSING.match(text, i + 1):
            continue
        out.append(char)
    return "".join(out)


def read_label_groups(path: Path) -> list[LabelGroup]:
    """The groups of one labels file; ValueError naming the file and what is wrong."""
    try:
        data = json.loads(strip_trailing_commas(Path(path).read_text(encoding="utf-8")))
    except json.JSONDecodeError as error:
        raise ValueError(f"labels file {str(path)!r} is not JSON (trailing commas allowed): {error}") from error
    if not isinstance(data, list):
        raise ValueError(f"labels file {str(path)!r} must hold a list of groups, not {type(data).__name__}")
    return [_label_group(entry, path, i) for i, entry in enumerate(data)]


def _label_group(entry: Any, path: Path, i: int) -> LabelGroup:
    where = f"labels file {str(path)!r}, group {i}"
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise ValueError(f"{where}: expected an object with a 'name' and a list of 'units'")
    units = entry.get("units")
    if not isinstance(units, list) or not all(isinstance(u, int) and not isinstance(u, bool) for u in units):
        raise ValueError(f"{where} ({entry['name']!r}): 'units' must be a list of unit indices")
    priority = entry.get("priority") or 0
    if not isinstance(priority, int | float):
        raise ValueError(f"{where} ({entry['name']!r}): 'priority' must be a number, got {priority!r}")
    return LabelGroup(entry["name"].strip(), tuple(dict.fromkeys(units)), int(priority))


def display_name(name: str, layer: str) -> str:
    """A group's name as pages show it: working names (`mixed4a_any_boundary`) become "Any boundary"."""
    if not name.startswith(f"{layer}_"):
        return name
    words = name.removeprefix(f"{layer}_").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def unit_labels(groups: list[LabelGroup], layer: str) -> dict[int, str]:
    """{unit: label} of one layer's groups (several groups' names joined, highest priority first)."""
    ranked = sorted(enumerate(groups), key=lambda item: (-item[1].priority, item[0]))
    names: dict[int, list[str]] = {}
    for _, group in ranked:
        for unit in group.units:
            label = display_name(group.name, layer)
            if label not in names.setdefault(unit, []):
                names[unit].append(label)
    return {unit: JOINER.join(labels) for unit, labels in sorted(names.items())}


def read_label_folder(folder: Path) -> dict[str, dict[int, str]]:
    """{layer: {unit: label}} of every `<layer>.json` in the folder; ValueError when there is none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"unit labels {str(folder)!r}: not a folder of <layer>.json label files")
    files = sorted(folder.glob("*.json"))
    if not files:
        raise ValueError(f"unit labels {str(folder)!r}: no <layer>.json label files in it")
    return {path.stem: unit_labels(read_label_groups(path), path.stem) for path in files}


def import_unit_labels(
    writer: StoreWriter, model_id: str, labels: dict[str, dict[int, str]], source: LabelSource = EARLY_VISION
) -> LabelImport:
    """Label the stored units of `model_id` ({layer: {unit: label}}), replacing `source`'s earlier labels."""
    labelled = writer.put_unit_labels(model_id, source, labels)
    return LabelImport(source, labelled, [layer for layer in labels if layer not in labelled])


def label_source(key: str) -> LabelSource:
    """A known label source by key; KeyError listing the known ones."""
    try:
        return SOURCES[key]
    except KeyError:
        raise KeyError(f"unknown label source {key!r}; known: {', '.join(SOURCES)}") from None
