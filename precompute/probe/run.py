"""Start a probe worker: load the models, check them against the store, limit torch's threads, serve (experiments
too, when it has the store: they measure on its dataset images)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from store.location import StoreLocation

from ..threads import threads_line, use_threads
from ..zoo.download import WeightsUnavailable
from .experiment import Experimenter
from .gate import Gate
from .models import ModelSpec, check_against_store, load_models
from .server import Worker, serve_forever


def start_worker(
    models: Sequence[str],
    *,
    store: StoreLocation | None,
    host: str,
    port: int,
    queue: int,
    timeout: float,
    threads: int | None,
    experiment_timeout: float = 300.0,
) -> None:
    """Serve probes of `models` (`--model` specs) on host:port, and experiments on them when `store` is given; exit 2
    with a message when they cannot load."""
    print(threads_line(use_threads(threads)), file=sys.stderr)
    try:
        loaded = load_models([ModelSpec.parse(spec) for spec in models])
        for warning in check_against_store(loaded, store) if store else []:
            print(f"microscope probe-worker: warning: {warning}", file=sys.stderr)
    except (ValueError, KeyError, FileNotFoundError, WeightsUnavailable) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"microscope probe-worker: {message}", file=sys.stderr)
        raise SystemExit(2) from None
    experimenter = Experimenter(loaded, store) if store else None
    worker = Worker(
        loaded, Gate(queue=queue, timeout=timeout), experimenter=experimenter, experiment_timeout=experiment_timeout
    )
    serve_forever(worker, host, port)
