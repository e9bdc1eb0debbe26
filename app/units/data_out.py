"""A layer's data for notebooks: its units as JSON Lines or Parquet, and its feature visualizations as a zip.

Each file is built from the rows the layer API returns (`unit_summary`), so a notebook sees the same fields as
`/api/v1/models/{model}/layers/{layer}`. The zip streams one image at a time from the store's asset files; nothing
is written anywhere, and its media type keeps it out of the response cache (app.web.cache).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from app.schemas import UnitSummaryPublic
from app.units.present import unit_summary
from store.records import FeatureVisView, LayerView, ModelView, UnitSummary

MANIFEST = "manifest.json"
PARQUET_MISSING = "Parquet needs pyarrow, which this server lacks: pip install 'microscope[parquet]'; JSON Lines is at "


def unit_rows(model: ModelView, layer: LayerView, units: list[UnitSummary]) -> list[UnitSummaryPublic]:
    """The layer's units in unit order, as the layer API lists them."""
    return [unit_summary(model, layer, u) for u in units]


def json_lines(rows: Iterable[UnitSummaryPublic]) -> Iterator[bytes]:
    """One JSON object per unit, each on its own line."""
    for row in rows:
        yield row.model_dump_json().encode() + b"\n"


def flat_record(row: UnitSummaryPublic, score_names: Iterable[str]) -> dict[str, Any]:
    """A unit's fields with its scores as `scores.NAME` columns (as `pandas.json_normalize` names them)."""
    record = row.model_dump(mode="json", exclude={"scores"})
    return record | {f"scores.{name}": row.scores.get(name) for name in score_names}


def parquet_available() -> bool:
    """Whether pyarrow is installed (an optional dependency: the `parquet` extra)."""
    return find_spec("pyarrow") is not None


def parquet_bytes(rows: list[UnitSummaryPublic]) -> bytes:
    """The units as one Parquet table, a row per unit, scores flattened into columns."""
    import pyarrow as pa  # optional: imported only when a Parquet file is asked for
    import pyarrow.parquet as pq

    names = sorted({name for row in rows for name in row.scores})
    table = pa.Table.from_pylist([flat_record(row, names) for row in rows])
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def image_name(layer: str, unit: int, ext: str) -> str:
    """A unit's image file name in the zip: `{layer}_{unit:04d}.{ext}`."""
    return f"{layer}_{unit:04d}.{ext}"


def manifest(layer: str, images: dict[int, FeatureVisView]) -> list[dict[str, Any]]:
    """Each unit's image file and the activation it reaches, in unit order."""
    return [
        {"unit": unit, "file": image_name(layer, unit, view.asset.ext), "activation": view.activation}
        for unit, view in images.items()
    ]


def zip_entries(layer: str, images: dict[int, FeatureVisView], files: dict[int, Path]) -> Iterator[tuple[str, bytes]]:
    """The manifest, then each unit's image bytes, read from its asset file when its turn comes."""
    yield MANIFEST, json.dumps(manifest(layer, images), indent=1).encode()
    for unit, view in images.items():
        yield image_name(layer, unit, view.asset.ext), files[unit].read_bytes()


class _Chunks(io.RawIOBase):
    """A write-only, unseekable sink whose bytes are taken out as they come (zipfile then writes data descriptors)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(self._parts[-1])

    def take(self) -> bytes:
        """Everything written since the last take."""
        data, self._parts = b"".join(self._parts), []
        return data


def zip_stream(entries: Iterable[tuple[str, bytes]]) -> Iterator[bytes]:
    """A zip archive of the entries, stored uncompressed (images are compressed already), a file at a time."""
    sink = _Chunks()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
            yield sink.take()
    yield sink.take()  # the central directory, written on close
