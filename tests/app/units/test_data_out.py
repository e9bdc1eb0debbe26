"""Building a layer's downloads: file names, the zip stream, flattened Parquet rows."""

from __future__ import annotations

import io
import zipfile

from app.schemas import UnitSummaryPublic
from app.units import data_out


def _row(unit: int, scores: dict[str, float]) -> UnitSummaryPublic:
    return UnitSummaryPublic(
        unit=unit, ref=f"l:{unit}", label=None, branch=None, url="/u", api_url="/a", thumbnail=None, label_source=None,
        scores=scores,
    )  # fmt: skip


def test_image_names_pad_the_unit_to_four_digits() -> None:
    assert data_out.image_name("mixed4b", 9, "png") == "mixed4b_0009.png"
    assert data_out.image_name("layer2.3", 12345, "webp") == "layer2.3_12345.webp"


def test_zip_stream_yields_a_valid_archive_a_file_at_a_time() -> None:
    entries = [("a.txt", b"alpha"), ("b.bin", bytes(range(256)) * 10)]
    chunks = list(data_out.zip_stream(entries))
    assert len(chunks) == 3  # one per file, then the central directory
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    assert {name: archive.read(name) for name in archive.namelist()} == dict(entries)


def test_flat_records_give_every_row_every_score_column() -> None:
    names = ["bw_ratio", "curve"]
    assert data_out.flat_record(_row(0, {"curve": 0.5}), names)["scores.bw_ratio"] is None
    assert data_out.flat_record(_row(1, {"bw_ratio": 0.25}), names)["scores.bw_ratio"] == 0.25
    assert "scores" not in data_out.flat_record(_row(1, {}), names)


def test_json_lines_end_each_unit_with_a_newline() -> None:
    lines = list(data_out.json_lines([_row(0, {}), _row(1, {})]))
    assert [line.count(b"\n") for line in lines] == [1, 1]
    assert lines[1].startswith(b'{"unit":1,')
