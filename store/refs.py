"""`UnitRef`: the one way to name a unit — `layer:unit`, optionally qualified by a model — its aliases, and the
spellings of a unit number a URL may carry (`unit_number`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

_REF = re.compile(r"^\s*(?:(?P<model>[A-Za-z0-9_.\-]+)[/@])?(?P<layer>[A-Za-z0-9_.\-]+):(?P<unit>\d+)\s*$")
# Circuits shorthand ("4b:409") names InceptionV1 layers without their family prefix.
_SHORTHAND_PREFIXES = ("mixed", "inception")
FORMAT_HELP = "expected 'layer:unit' (e.g. 'layer2.3:17'), optionally 'model/layer:unit' or 'model@layer:unit'"
MAX_UNIT_DIGITS = 18  # no layer has 10**18 units; longer numbers are out of range without converting them
# A spelling that means one integer: an optional '+', decimal digits (of one script), an optional all-zero fraction.
_UNIT_SPELLING = re.compile(r"\+?(?P<digits>[0-9]+)(?:\.0+)?")


@dataclass(frozen=True, order=True)
class UnitRef:
    """A unit of a layer, optionally of a named model."""

    layer: str
    unit: int
    model: str | None = None

    @classmethod
    def parse(cls, text: str) -> UnitRef:
        """Parse 'layer:unit', 'model/layer:unit' or 'model@layer:unit'; ValueError otherwise."""
        match = _REF.match(text)
        if not match:
            raise ValueError(f"not a unit reference: {text!r}; {FORMAT_HELP}")
        return cls(match["layer"], int(match["unit"]), match["model"])

    def __str__(self) -> str:
        return f"{self.layer}:{self.unit}"

    @property
    def qualified(self) -> str:
        """'model/layer:unit' (or 'layer:unit' when no model is known)."""
        return f"{self.model}/{self}" if self.model else str(self)

    def with_model(self, model: str) -> UnitRef:
        """The same unit, qualified by `model`."""
        return UnitRef(self.layer, self.unit, model)

    def resolve(self, layers: Sequence[str]) -> UnitRef:
        """Map the layer name (or an alias users type, like '4b') onto one of `layers`; KeyError otherwise."""
        return UnitRef(resolve_layer(self.layer, layers), self.unit, self.model)


def resolve_layer(name: str, layers: Sequence[str]) -> str:
    """The layer id `name` denotes among `layers`: itself, else the unique layer it or its shorthand names in any
    case ('4B', 'MIXED4B' and 'Mixed4b' all name 'mixed4b')."""
    if name in layers:
        return name
    spellings = {(prefix + name).casefold() for prefix in ("", *_SHORTHAND_PREFIXES)}
    candidates = [layer for layer in layers if layer.casefold() in spellings]
    if len(candidates) == 1:
        return candidates[0]
    raise KeyError(f"no layer {name!r}; layers are: {', '.join(layers)}")


def _ascii_digits(text: str) -> str | None:
    """`text` with its decimal digits written in ASCII, or None when they mix scripts (e.g. '٤5')."""
    zeros = {ord(c) - unicodedata.decimal(c) for c in text if unicodedata.decimal(c, None) is not None}
    if len(zeros) > 1:
        return None
    return "".join(str(unicodedata.decimal(c)) if unicodedata.decimal(c, None) is not None else c for c in text)


def unit_number(text: str) -> int | None:
    """The unit number a spelling names ('5', '05', '+5', '5.0', '５': the unit of a URL's path), or None when it
    names none; a number of more than MAX_UNIT_DIGITS digits reads as 10**MAX_UNIT_DIGITS, past every layer."""
    ascii_text = _ascii_digits(text)
    match = _UNIT_SPELLING.fullmatch(ascii_text) if ascii_text is not None else None
    if match is None:
        return None
    digits = match["digits"].lstrip("0") or "0"
    return int(digits) if len(digits) <= MAX_UNIT_DIGITS else 10**MAX_UNIT_DIGITS
