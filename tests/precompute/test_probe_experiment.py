"""Experiments run live by the worker (precompute.probe.experiment, over HTTP): the answer is a direct Lab.run's, kept
for the next asker; hostile or impossible specs are 4xx naming why; a slow one is 504; the worker stays up."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

import pytest

from precompute.demo.train import HELDOUT_SEED
from precompute.experiments import Lab, load_images
from precompute.images import scan_images
from precompute.layers import probe_layers
from precompute.probe.experiment import Experimenter
from precompute.probe.gate import Gate
from precompute.probe.server import Worker, make_server
from precompute.stimuli import write_dataset
from precompute.zoo import demo_net
from precompute.zoo.types import LoadedModel
from store.experiments import Experiment
from store.location import StoreLocation
from store.reader import StoreReader
from store.records import ModelRecord
from store.writer import StoreWriter

PER_CLASS = 3  # 45 held-out images: a live experiment in about a second


@pytest.fixture(scope="module")
def demo() -> LoadedModel:
    return demo_net.build()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, demo: LoadedModel) -> StoreLocation:
    """A store of the demo network (model and layers) recording a folder of labelled held-out images."""
    root = tmp_path_factory.mktemp("live-experiments")
    images = write_dataset(root / "images", PER_CLASS, HELDOUT_SEED, progress=False)
    with StoreWriter(root / "store") as writer:
        record = ModelRecord(
            demo.id, demo.title, demo.architecture, demo.weights_hash, demo.input.as_dict(), demo.class_labels
        )
        writer.put_model(record)
        writer.put_layers(demo.id, probe_layers(demo))
        writer.put_dataset_images(demo.id, [], str(images))
    return StoreLocation.folder(root / "store")


def _serve(worker: Worker) -> Iterator[tuple[str, int]]:
    server = make_server(worker, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", server.server_port
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def worker(demo: LoadedModel, store: StoreLocation) -> Iterator[tuple[str, int]]:
    """The real worker with experiments on, over the store, on a free loopback port."""
    yield from _serve(
        Worker({demo.id: demo}, Gate(queue=1, timeout=5), experimenter=Experimenter({demo.id: demo}, store))
    )


def _get(where: tuple[str, int], path: str, **query: str) -> tuple[int, dict]:
    connection = HTTPConnection(*where, timeout=120)
    connection.request("GET", f"{path}?{urlencode(query, safe=',')}" if query else path)
    response = connection.getresponse()
    status, payload = response.status, json.loads(response.read())
    connection.close()
    return status, payload


def test_a_live_experiment_is_a_direct_measurement_and_the_second_answer_is_kept(
    worker: tuple[str, int], demo: LoadedModel, store: StoreLocation
) -> None:
    spec = "ablate:mixed3b:27,65,74"
    first = _get(worker, "/experiment", model=demo.id, spec=spec)
    assert first[0] == 200, first[1]
    assert first[1]["cached"] is False and first[1]["result"]["origin"] == "live"
    reader = StoreReader(store)
    images = load_images(demo, scan_images(Path(reader.model(demo.id).images_root)))
    reader.engine.dispose()
    direct = Lab(demo, images, probe_layers(demo)).run(Experiment.parse(spec))
    found = first[1]["result"]
    assert found["accuracy"] == direct["accuracy"] and found["classes"] == direct["classes"]
    assert found["changed"] == direct["changed"] and found["images"] == PER_CLASS * len(demo.class_labels)
    second = _get(worker, "/experiment", model=demo.id, spec="ablate:mixed3b:74, 65,27,27")  # the same, spelt otherwise
    assert second[0] == 200 and second[1]["cached"] is True
    assert second[1]["result"] == found


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ({"spec": "ablate:mixed3b:" + ",".join(map(str, range(10_000)))}, 400, "at most 1024 units"),
        ({"spec": "ablate:mixed9z:1"}, 404, "has no layer 'mixed9z'; layers: conv2d0"),
        ({"spec": "ablate:mixed3b:9999"}, 422, "mixed3b has units 0–"),
        ({"spec": "melt:mixed3b:1"}, 400, "unknown experiment kind 'melt'"),
        ({"spec": "ablate:mixed3b:1", "rule": "cos(d)"}, 422, "a rule or a tensor applies to rebuilds only"),
        ({"spec": "rebuild:mixed4a:38", "rule": "__import__('os')"}, 400, "calls something other than"),
        ({"spec": "rebuild:mixed4a:38"}, 422, "mixed3b has no unit with a stored orientation answering curves"),
        ({"spec": "rebuild:conv2d0:1"}, 422, "conv2d0 is the first layer"),
    ],
    ids=["10000-units", "layer", "unit", "kind", "rule-on-removal", "rule-import", "no-family", "first-layer"],
)
def test_a_spec_the_worker_cannot_run_is_4xx_naming_why_and_the_worker_stays_up(
    worker: tuple[str, int], demo: LoadedModel, query: dict[str, str], status: int, says: str
) -> None:
    answer = _get(worker, "/experiment", model=demo.id, **query)
    assert answer[0] == status and says in answer[1]["detail"], answer
    assert _get(worker, "/health")[0] == 200


def test_a_request_line_over_the_limit_is_a_json_414_and_the_worker_stays_up(worker: tuple[str, int]) -> None:
    status, answer = _get(worker, "/experiment", model="demo-inception", spec="ablate:mixed3b:" + "1," * 40_000)
    assert status == 414 and answer["detail"]
    assert _get(worker, "/health")[0] == 200


def test_a_worker_without_a_store_says_how_to_start_one_with_it(demo: LoadedModel) -> None:
    for where in _serve(Worker({demo.id: demo}, Gate(queue=1, timeout=5))):
        status, answer = _get(where, "/experiment", model=demo.id, spec="ablate:mixed3b:1")
        assert status == 422 and "--model demo-inception --store STORE" in answer["detail"]
        assert _get(where, "/health")[1]["experiments"] is False


def test_an_experiment_past_its_time_limit_is_504_and_the_worker_answers_the_next(
    demo: LoadedModel, store: StoreLocation
) -> None:
    slow = Worker({demo.id: demo}, Gate(queue=1, timeout=5), experimenter=Experimenter({demo.id: demo}, store))
    slow.experiment_timeout = 0.01
    for where in _serve(slow):
        status, answer = _get(where, "/experiment", model=demo.id, spec="cut-negative:mixed4a:38,40")
        assert status == 504 and "no answer within 0.01 s" in answer["detail"]
        assert _get(where, "/health")[0] == 200
