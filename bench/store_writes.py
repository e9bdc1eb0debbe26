"""What a precompute's writes cost: asset rows in bulk against one ORM merge per file, and WebP effort.

In one process, alternating rounds so a shared machine slows both sides alike:

- **asset rows**: a layer's dataset examples (`StoreWriter.put_examples`, every crop a distinct file, as a fresh
  store has them) written into a fresh SQLite store by the writer as it is (**ours**: the files' rows queued, then
  inserted in one statement before the examples) and by the same writer doing what it did before (**merge**: one
  `Session.merge` per file, a SELECT then an INSERT). The files themselves are written by both.
- **WebP**: the 256-px feature visualizations of a store (`--store`; else generated noise pictures) encoded at the
  writer's effort (`precompute.images.WEBP_METHOD`) and at libwebp's default (4), same quality.

Prints seconds per side and `ratio=<merge/ours>` for each.

    python bench/store_writes.py [--units 64] [--per-unit 40] [--rounds 3] [--store var/demo]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy.orm import Session

from precompute.images import WEBP_METHOD, WEBP_QUALITY, encode_png
from store import schema as t
from store.records import DatasetImageRecord, ExampleRecord, LayerRecord, ModelRecord
from store.writer import StoreWriter


class MergingWriter(StoreWriter):
    """The writer as it was: each file's row merged as the file is written."""

    def _put_file(self, session: Session, data: bytes, ext: str, width: int, height: int) -> str:
        sha = super()._put_file(session, data, ext, width, height)
        row = session.info.get("pending_assets", {}).pop(sha, None)  # left queued: the file's first time here
        if row is not None:
            session.merge(t.Asset(**row))
        return sha


def crops(units: int, per_unit: int, seed: int) -> list[ExampleRecord]:
    """Distinct 28-px PNG crops, per_unit for each unit, each from its own image."""
    rng = np.random.default_rng(seed)
    records = []
    for unit in range(units):
        for rank in range(per_unit):
            pixels = rng.integers(0, 256, (28, 28, 3), dtype=np.uint8)
            image = encode_png(Image.fromarray(pixels))
            records.append(ExampleRecord(unit, rank, f"c/{unit}-{rank}.png", 1.0, 0, 0, (0, 0, 28, 28), image))
    return records


def write_examples(
    writer_type: type[StoreWriter], records: list[ExampleRecord], units: int, per_unit: int, folder: Path | None = None
) -> float:
    """Seconds to write the records as one layer's examples into a fresh store (in `folder`, kept; else a temporary
    one)."""
    if folder is None:
        with tempfile.TemporaryDirectory() as temporary:
            return write_examples(writer_type, records, units, per_unit, Path(temporary))
    writer = writer_type(folder)
    writer.put_model(ModelRecord("bench", "Bench", "bench", "0" * 64, {"size": 28}, ["c"], "bench"))
    writer.put_layers("bench", [LayerRecord("conv", 0, "conv", units, 4, 4, 3, 1.0, None)])
    images = [DatasetImageRecord(f"c/{u}-{r}.png", "c", 28, 28) for u in range(units) for r in range(per_unit)]
    writer.put_dataset_images("bench", images, str(folder))
    started = time.perf_counter()
    writer.put_examples("bench", "conv", records, {"bench": True})
    seconds = time.perf_counter() - started
    writer.close()
    return seconds


def pictures(store: Path | None, count: int) -> list[Image.Image]:
    """Up to `count` of the store's WebP pictures, or smooth noise pictures of the same size."""
    if store is not None:
        files = sorted((store / "assets").glob("*/*.webp"))[:count]
        if files:
            return [Image.open(path).convert("RGB") for path in files]
    rng = np.random.default_rng(0)
    small = [rng.integers(0, 256, (16, 16, 3), dtype=np.uint8) for _ in range(count)]
    return [Image.fromarray(p).resize((256, 256), Image.Resampling.BICUBIC) for p in small]


def encode_webp(images: list[Image.Image], method: int) -> tuple[float, int]:
    """Seconds and bytes to encode the pictures at `method`."""
    started, size = time.perf_counter(), 0
    for image in images:
        buffer = io.BytesIO()
        image.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=method)
        size += buffer.tell()
    return time.perf_counter() - started, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--per-unit", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--store", type=Path, default=None, help="a store whose pictures the WebP side encodes")
    parser.add_argument("--pictures", type=int, default=200)
    args = parser.parse_args()
    records = crops(args.units, args.per_unit, 0)
    write_examples(StoreWriter, records[: args.per_unit], 1, args.per_unit)  # warm-up: imports, first compiles
    ours = merge = 0.0
    for _ in range(args.rounds):
        merge += write_examples(MergingWriter, records, args.units, args.per_unit)
        ours += write_examples(StoreWriter, records, args.units, args.per_unit)
    print(f"asset rows: {len(records)} crops × {args.rounds} rounds: merge {merge:.2f} s, ours {ours:.2f} s")
    print(f"ratio={merge / ours:.2f}")
    images = pictures(args.store, args.pictures)
    default = fast = 0.0
    sizes = [0, 0]
    for _ in range(args.rounds):
        seconds, sizes[0] = encode_webp(images, 4)
        default += seconds
        seconds, sizes[1] = encode_webp(images, WEBP_METHOD)
        fast += seconds
    each = [size / len(images) for size in sizes]
    print(
        f"webp: {len(images)} pictures × {args.rounds} rounds: method 4 {default:.2f} s ({each[0]:.0f} B), "
        f"method {WEBP_METHOD} {fast:.2f} s ({each[1]:.0f} B)"
    )
    print(f"ratio={default / fast:.2f}")


if __name__ == "__main__":
    main()
