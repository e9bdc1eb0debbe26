"""Fixtures shared by the whole suite: offline by default, where ../shared is, a small store built by the writer."""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from precompute.threads import ENVVAR as THREADS_ENVVAR
from precompute.threads import available_cpus, default_threads
from store.kinds import VisKey
from store.location import StoreLike, StoreLocation
from store.records import (
    ActivationStatsRecord,
    CurveRecord,
    DatasetImageRecord,
    EdgeRecord,
    EncodedImage,
    ExampleRecord,
    FeatureVisRecord,
    LayerRecord,
    ModelRecord,
    RangeExampleRecord,
    WeightsRecord,
)
from store.writer import StoreWriter
from tests import postgres
from tests.disk import Tmpfs, mounted_tmpfs


def _test_threads() -> int:
    """Torch threads for this test process: MICROSCOPE_THREADS; else the CPUs shared out among pytest-xdist's workers
    (one each on 2 cores); else half the CPUs, as `microscope` takes, so the suite beside a demo does not thrash."""
    if os.environ.get(THREADS_ENVVAR):
        return int(os.environ[THREADS_ENVVAR])
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    return max(1, available_cpus() // workers) if workers else default_threads()


# Read by torch when it loads (here and in every command the tests run), so set before that.
os.environ.setdefault("OMP_NUM_THREADS", str(_test_threads()))

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()

TOY_MODEL = "toy-net"
TOY_LAYERS = (
    LayerRecord("conv1", 0, "conv", 4, 8, 8, 3, 1.0, None),
    LayerRecord("block1", 1, "conv", 6, 4, 4, 7, 2.0, "conv1"),
    LayerRecord("fc", 2, "linear", 3, None, None, 8, 8.0, "block1"),
)
TOY_CLASSES = ["red", "green", "blue"]


# Tests that share an expensive session fixture, or a server they may restart, run on one pytest-xdist worker
# (`--dist loadgroup`): the fixture is built once, and no PostgreSQL test runs while another restarts the server.
SHARED_FIXTURE_GROUPS = {"cluster_address": "ray", "resnet20_store": "resnet20", "small_reference": "small-reference"}


def xdist_group_of(item: pytest.Item) -> str:
    """The xdist group an item runs in: `postgres` for any test on the PostgreSQL backend, the group of an expensive
    shared fixture it uses, else its module (so module-scoped fixtures are built once too)."""
    params = getattr(item, "callspec", None)
    if "postgres" in item.nodeid or (params and "postgresql" in map(str, params.params.values())):
        return "postgres"
    for fixture, group in SHARED_FIXTURE_GROUPS.items():
        if fixture in getattr(item, "fixturenames", ()):
            return group
    return item.nodeid.split("::")[0]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than the CPUs (at most 4), so a worker waiting on a server, a subprocess or a
    browser leaves its core to another; each takes its share of the CPUs as torch threads (`_test_threads`)."""
    return min(4, available_cpus() + 1)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> Iterator[None]:
    """Mark each item with its xdist group (before pytest-xdist reads the marks), then, after pytest's own reordering,
    keep each group's items together and run the groups holding a slow test first (the long work starts while the
    other workers take the many short groups). Starting the longest three together (the demo build, the Ray tests, the
    write fuzzing) was slower on 2 cores: 18 min 38 s against 16 min 12 s, the Ray cluster starved beside the others."""
    for item in items:
        item.add_marker(pytest.mark.xdist_group(xdist_group_of(item)))
    yield
    groups: dict[str, list[pytest.Item]] = {}
    for item in items:
        groups.setdefault(item.get_closest_marker("xdist_group").args[0], []).append(item)  # type: ignore[union-attr]

    def start(group: str) -> bool:
        return not any(item.get_closest_marker("slow") for item in groups[group])

    items[:] = [item for group in sorted(groups, key=start) for item in groups[group]]
    return None


@pytest.fixture(scope="session", autouse=True)
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never download: MICROSCOPE_OFFLINE is set and the cache is empty (commands run here inherit both).

    Tests of the download code itself unset it and guard urlopen instead.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MICROSCOPE_OFFLINE", "1")
        patch.setenv("MICROSCOPE_CACHE", str(tmp_path_factory.mktemp("microscope-cache")))
        yield


def require_shared(*parts: str) -> Path:
    """The path under ../shared, or skip the test when the real assets are not beside the checkout."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the real assets at {path} (../shared beside the checkout); absent here")
    return path


def png(color: tuple[int, int, int], size: int = 16) -> EncodedImage:
    """A solid-colour PNG, distinct per colour, so every asset has its own hash."""
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, format="PNG")
    return EncodedImage(buffer.getvalue(), "png", size, size)


def build_toy_store(root: StoreLike) -> StoreLike:
    """Write a complete three-layer store with synthetic images through the public writer."""
    writer = StoreWriter(root)
    writer.put_model(ModelRecord(TOY_MODEL, "Toy net", "toy", "0" * 64, {"size": 8}, TOY_CLASSES, "A fixture model."))
    writer.put_layers(TOY_MODEL, TOY_LAYERS)
    images = [DatasetImageRecord(f"{c}/{i}.png", c, 8, 8) for c in TOY_CLASSES for i in range(3)]
    writer.put_dataset_images(TOY_MODEL, images, "/data/toy")
    for li, layer in enumerate(TOY_LAYERS):
        writer.put_feature_vis(
            TOY_MODEL,
            layer.name,
            [
                FeatureVisRecord(
                    u, VisKey("channel"), f"channel({layer.name}:{u})", png((40 * li, 20 * u, 200)), 5.0 + u, {}
                )
                for u in range(layer.units)
            ],
        )
        examples = [
            ExampleRecord(
                u,
                r,
                images[(u + r) % len(images)].source,
                3.0 - r,
                4,
                4,
                (0, 0, 8, 8),
                png((li * 50, u * 30, r * 60), 8),
            )
            for u in range(layer.units)
            for r in range(3)
        ]
        writer.put_examples(TOY_MODEL, layer.name, examples, {"top_k": 3})
        if layer.previous:
            prev = next(p for p in TOY_LAYERS if p.name == layer.previous)
            edges = [
                EdgeRecord(s, d, (s - d) / 4, "expanded", [[0.1, 0.2], [0.3, 0.4]], s, s)
                for d in range(layer.units)
                for s in range(prev.units)
            ]
            writer.put_connections(
                TOY_MODEL,
                layer.name,
                layer.previous,
                edges,
                {},
                weights=toy_weights(prev.name, layer.units, prev.units),
            )
    # block1:2 has every kind of feature visualization; the others only the channel one.
    writer.put_feature_vis(
        TOY_MODEL,
        "block1",
        [
            FeatureVisRecord(
                2,
                VisKey.parse(key),
                description,
                png((shade, 0, 0)),
                0.0 if key == "negative" else shade / 10,
                {"steps": 64, "diversity": 2, "tensor": "pre_relu"},
                TOY_NEGATIVE_PRE if key == "negative" else shade / 10,
            )
            for key, description, shade in TOY_UNIT_VIS
        ],
    )
    # block1's units measured: unit u keeps u/5 of its response in black and white
    writer.put_scores(TOY_MODEL, "block1", {"bw_ratio": {u: u / 5 for u in range(6)}}, {"sample": 3})
    writer.put_range(TOY_MODEL, "block1", toy_range_examples(images), toy_stats(), {"quantiles": TOY_QUANTILES})
    writer.put_curves(TOY_MODEL, "block1", toy_curves(), {"curves": ["orientation", "curvature"]})
    writer.put_experiments(TOY_MODEL, toy_experiments(), {"version": 1})
    writer.close()  # finished, as a precompute run leaves it: one self-contained file, readable read-only
    return root


TOY_QUANTILES = (0.9, 0.5)


def toy_experiments() -> list[dict[str, Any]]:
    """Three experiments as precompute.experiments stores them: block1:1 and 2 removed (fc's units changed), the
    negative weights into block1:2 cut (its orientation tuning widened), and block1:2 rebuilt from conv1:0 and 3."""
    classes = [
        {"name": name, "images": 3, "before": before, "after": after}
        for name, before, after in (("red", 1.0, 1 / 3), ("green", 2 / 3, 2 / 3), ("blue", 1.0, 1.0))
    ]
    common = {"images": 9, "labelled": 9, "accuracy": {"before": 8 / 9, "after": 6 / 9}, "classes": classes}
    removal = {
        "spec": "ablate:block1:1,2",
        "kind": "ablate",
        "layer": "block1",
        "units": [1, 2],
        "title": "Remove 2 units of block1 (set to 0)",
        **common,
        "edited": [{"unit": 1, "before": 0.5, "after": 0.0}, {"unit": 2, "before": 0.25, "after": 0.0}],
        "next_layer": "fc",
        "changed": [{"unit": 0, "before": 1.5, "after": 0.5}, {"unit": 2, "before": 0.2, "after": 0.3}],
        "tuning": {"layer": None, "units": []},
        "family": "colour",
        "origin": "precomputed",
    }
    tuned = {
        "unit": 2,
        "orientation_before": 90.0,
        "orientation_after": 120.0,
        "orientation_selectivity_before": 0.6,
        "orientation_selectivity_after": 0.2,
    }
    cut = {
        **removal,
        "spec": "cut-negative:block1:2",
        "kind": "cut-negative",
        "units": [2],
        "title": "Cut the negative weights into 1 unit of block1",
        "edited": [{"unit": 2, "before": 0.25, "after": 0.75}],
        "tuning": {"layer": "block1", "units": [tuned]},
        "family": "curves",
    }
    angles = [float(a) for a in range(0, 360, 90)]
    rebuilt = {
        **cut,
        "spec": "rebuild:block1:2",
        "kind": "rebuild",
        "title": "Rebuild 1 unit of block1 by hand from the curve rule",
        "rebuild": {
            "from": "conv1",
            "angles": angles,
            "sources": {"0": 0.0, "3": 180.0},
            "targets": {"2": 90.0},
            "removed": {
                "accuracy": 5 / 9,
                "classes": [
                    {**row, "after": row["after"] - 1 / 3 if row["name"] == "blue" else row["after"]} for row in classes
                ],
            },
            "units": [
                {
                    "unit": 2,
                    "curve_real": [0.1, 0.9, 0.1, 0.0],
                    "curve_rebuilt": [0.2, 0.8, 0.1, 0.1],
                    "images_r": 0.7,
                    "tuning_r": 0.95,
                    "fit_r": 0.6,
                    "scale": 0.25,
                    "offset": -0.1,
                }
            ],
        },
    }
    return [removal, cut, rebuilt]


TOY_ORIENTATIONS = [float(a) for a in range(0, 360, 30)]


def toy_range_examples(images: list[DatasetImageRecord]) -> list[RangeExampleRecord]:
    """block1's two least active images and its samples at the 90th and 50th percentiles (images shared with the
    top examples, so they add no asset files); unit u's activations are u + 0.5·(1 − rank) and below."""
    found = []
    for u in range(6):
        for rank in range(2):
            found.append(_toy_range(u, rank, "bottom", None, images[(u + rank + 1) % len(images)], -rank - 0.5))
        for rank, q in enumerate(TOY_QUANTILES):
            found.append(_toy_range(u, rank, "quantile", q, images[(u + rank + 2) % len(images)], q * (u + 1)))
    return found


def _toy_range(
    u: int, rank: int, kind: str, q: float | None, image: DatasetImageRecord, activation: float
) -> RangeExampleRecord:
    amap = [[activation * 0.5, activation], [0.0, activation * 0.25]]
    return RangeExampleRecord(
        u, rank, image.source, activation, 4, 4, (0, 0, 8, 8), png((50, u * 30, rank * 60), 8), amap, kind, q
    )


def toy_stats() -> list[ActivationStatsRecord]:
    """Statistics of block1's units over 9 images: unit u peaks between −1.5 and u + 3."""
    return [
        ActivationStatsRecord(
            u,
            9,
            (u + 1) / 2,
            1.0,
            -1.5,
            u + 3.0,
            {str(q): q * (u + 1) for q in TOY_QUANTILES},
            {"edges": [-1.5, 0.0, 1.5, u + 3.0], "counts": [2, 4, 3]},
        )
        for u in range(6)
    ]


def toy_curves() -> list[CurveRecord]:
    """block1's tuning: unit u prefers orientation 30·u degrees; curvature × orientation as a 2 × 12 grid."""
    import math

    curves = []
    for u in range(6):
        tuning = [max(0.0, math.cos(math.radians(a - 30 * u))) for a in TOY_ORIENTATIONS]
        curves.append(CurveRecord(u, "orientation", {"orientation": TOY_ORIENTATIONS}, tuning))
        grid = [[v * r for v in tuning] for r in (0.5, 1.0)]
        curves.append(CurveRecord(u, "curvature", {"radius": [4.0, 8.0], "orientation": TOY_ORIENTATIONS}, grid))
    return curves


def toy_weights(source: str, units: int, previous: int) -> WeightsRecord:
    """Weights W[d, s] = (s - d)/4 · [[0.1, 0.2], [0.3, 0.4]] from `source`, with the SVD precompute would store."""
    from precompute.svd import weight_svd  # numpy only

    kernel = np.array([[0.1, 0.2], [0.3, 0.4]])
    scale = (np.arange(previous)[None, :] - np.arange(units)[:, None]) / 4
    tensor = (scale[:, :, None, None] * kernel).astype(np.float16)
    return WeightsRecord(source, "expanded", tensor, weight_svd(tensor))


TOY_NEGATIVE_PRE = -1.5  # block1:2's negative image: its peak before the ReLU (0 after it)
TOY_UNIT_VIS = [  # (store key, description, red shade) of block1:2's other visualizations
    ("neuron", "neuron(block1:[2])", 10),
    ("negative", "-channel(block1:[2])", 20),
    ("diversity:0", "channel(block1:[2]) - 0.3*diversity(block1,group=2)", 30),
    ("diversity:1", "channel(block1:[2]) - 0.3*diversity(block1,group=2)", 40),
]


@pytest.fixture(scope="session")
def toy_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished store holding `toy-net` (session-wide; treat it as read-only)."""
    return Path(build_toy_store(tmp_path_factory.mktemp("toy-store")))


@pytest.fixture(scope="session", params=postgres.BACKENDS)
def toy_location(
    request: pytest.FixtureRequest, toy_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StoreLocation]:
    """The `toy-net` store on each backend: the SQLite `toy_store` folder, and the same store in PostgreSQL."""
    if request.param == "sqlite":
        yield StoreLocation.folder(toy_store)
        return
    with postgres.store_location(request.param, tmp_path_factory.mktemp("toy-store-pg")) as location:
        build_toy_store(location)
        yield location


# A real precompute of the shared CIFAR ResNet-20 on real CIFAR-10 test images (end-to-end and browser tests).
E2E_MODEL = "cifar-resnet20"
E2E_IMAGES = 300  # 30 per class, taken class by class in turn
E2E_STEPS = 64  # enough to lift every unit far above its dataset maximum; minutes on two CPU cores
E2E_EXTRAS = "layer2.0:0-7,layer3.2:0-7,linear"


def microscope(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """Run the real `microscope` command line."""
    return subprocess.run(
        [sys.executable, "-m", "microscope", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="session")
def resnet20_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding every view of every unit of the real ResNet-20, computed through the CLI."""
    weights = require_shared("weights", "cifar10-resnet20.th")
    images = require_shared("data", "cifar10", "test")
    store = tmp_path_factory.mktemp("resnet20-store")
    done = microscope(
        "precompute",
        "--model",
        E2E_MODEL,
        "--weights",
        str(weights),
        "--images",
        str(images),
        "--max-images",
        str(E2E_IMAGES),
        "--steps",
        str(E2E_STEPS),
        "--top-k",
        "8",
        "--extras",  # neuron, negative and diversity images for a few units (every unit would take 7× longer)
        E2E_EXTRAS,
        "--store",
        str(store),
        "--no-experiments",  # tests/precompute/test_experiments.py runs one on ResNet-20
        "--no-progress",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return store


# One chromium for the whole session, whichever folder's tests ask first: Playwright's sync API runs one event
# loop per thread, so a second instance (a fixture imported into another module) would fail to start.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Tmpfs]:
    """A 1 MiB tmpfs at tmp_path/disk, unmounted after the test even when it fails; skips where mounting is denied."""
    with mounted_tmpfs(tmp_path / "disk", 1 << 20) as disk:
        yield disk


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless chromium under Playwright; skipped when either is missing."""
    if not CHROMIUM.is_file():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("browser tests need the Playwright Python package (pip install playwright)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _load_all_images(page: Any) -> list[dict[str, Any]]:
    for image in page.locator("img").all():
        image.scroll_into_view_if_needed()
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)", timeout=10_000)
    return page.evaluate(
        "() => Array.from(document.images).map(i => ({src: i.currentSrc, complete: i.complete,"
        " naturalWidth: i.naturalWidth, className: i.className}))"
    )


@pytest.fixture
def load_all_images() -> Callable[[Any], list[dict[str, Any]]]:
    """Scroll a page's images into view (so lazy ones load), wait for them, and report src/complete/naturalWidth and
    className."""
    return _load_all_images
