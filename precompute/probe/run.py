"""Start a probe worker: load the models, check them against the store, limit torch's threads, serve."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from store.location import StoreLocation

from ..threads import threads_line, use_threads
from ..zoo.download import WeightsUnavailable
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
) -> None:
    """Serve probes of `models` (`--model` specs) on host:port; exit 2 with a message when they cannot load."""
    print(threads_line(use_threads(threads)), file=sys.stderr)
    try:
        loaded = load_models([ModelSpec.parse(spec) for spec in models])
        for warning in check_against_store(loaded, store) if store else []:
            print(f"microscope probe-worker: warning: {warning}", file=sys.stderr)
    except (ValueError, KeyError, FileNotFoundError, WeightsUnavailable) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"microscope probe-worker: {message}", file=sys.stderr)
        raise SystemExit(2) from None
    serve_forever(Worker(loaded, Gate(queue=queue, timeout=timeout)), host, port)
