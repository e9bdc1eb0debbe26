"""`microscope probe-worker`: a small HTTP service (standard library only) answering probes of uploaded images.

    GET  /health                                   → {"models": {id: {"layers": [...], "input_size": n}}, ...}
    POST /probe?model=M&layer=L[&top=N][&unit=U]   body: the image's bytes → ProbeResult as JSON
    GET  /experiment?model=M&spec=S[&rule=R]       → {"result": ExperimentResult, "cached": bool}
    POST /experiment?model=M&spec=rebuild:…        body: a .npy tensor of the rebuilt units' weights → the same

Errors are JSON `{"detail": "..."}`: 400 bad parameters, 404 unknown model or layer, 411/413 body, 415/422 not a
decodable image, or an experiment that cannot be run as asked (a bad spec or rule), 503 queue full, 504 timed out.
An experiment's answer is kept by its spec and rule (precompute.probe.experiment): asked again, it comes back at
once. The web service validates uploads before forwarding them; the worker checks again, since anything on its port
may call it, and decodes in its gate, one image at a time. Numbers in the query are ASCII digits. Nothing is written
to disk.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from PIL import Image, UnidentifiedImageError

from store.experiments import Experiment
from store.rules import Rule, RuleError

from ..zoo.types import LoadedModel
from .compute import ProbeResult, probe
from .experiment import NO_STORE, Experimenter, ExperimentRefused, Weights
from .gate import Gate, QueueFull, Timeout

log = logging.getLogger("microscope.probe")
MAX_BYTES = 16 * 1024 * 1024  # the web service sends a PNG of the model's input size; this is far above it
MAX_PIXELS = 40_000_000
FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF")  # never EPS and friends, which run external programs
_DIGITS = re.compile(r"[0-9]{1,12}")  # a number in a query or Content-Length: ASCII digits, and short

Probe = Callable[[LoadedModel, Image.Image, str, int, "int | None"], ProbeResult]


class ProbeError(Exception):
    """An answer other than 200, with its status and message."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass
class Worker:
    """The models served, the gate in front of them and the function running one probe."""

    models: dict[str, LoadedModel]
    gate: Gate
    compute: Probe = probe
    experimenter: Experimenter | None = None  # None: experiments off (the worker has no store)
    experiment_timeout: float = 300.0

    def health(self) -> dict:
        """What the worker serves, for the web service's probe and experiment pages."""
        models = {m.id: {"layers": m.layers, "input_size": m.input.size} for m in self.models.values()}
        return {
            "models": models,
            "queue": self.gate.queue,
            "timeout": self.gate.timeout,
            "experiments": self.experimenter is not None,
            "experiment_timeout": self.experiment_timeout,
        }

    def experiment(self, query: dict[str, str], body: bytes | None = None) -> dict:
        """An experiment's result for a parsed query (`model`, `spec`, `rule`) and perhaps a tensor's .npy bytes, and
        whether it was kept from before."""
        model = self._model(query.get("model", ""))
        try:
            experiment = Experiment.parse(query.get("spec", ""))
            rule = Rule.parse(query["rule"]) if query.get("rule", "").strip() else None
        except (ValueError, RuleError) as error:
            raise ProbeError(400, str(error)) from None
        if experiment.layer not in model.layers:
            raise ProbeError(
                404, f"model {model.id!r} has no layer {experiment.layer!r}; layers: {', '.join(model.layers)}"
            )
        if self.experimenter is None:
            raise ProbeError(422, NO_STORE.format(model=model.id))
        try:
            weights = Weights.read(body) if body is not None else None
        except ExperimentRefused as error:
            raise ProbeError(422, str(error)) from None
        kept = self.experimenter.cached(model.id, experiment, rule, weights)
        if kept is not None:
            return {"result": kept, "cached": True}
        run = self.experimenter.run
        try:
            result = self.gate.run(lambda: run(model, experiment, rule, weights), self.experiment_timeout)
        except QueueFull as error:
            raise ProbeError(503, str(error)) from None
        except Timeout as error:
            raise ProbeError(504, str(error)) from None
        except ExperimentRefused as error:
            raise ProbeError(422, str(error)) from None
        return {"result": result, "cached": False}

    def answer(self, query: dict[str, str], body: bytes) -> dict:
        """The probe's result for a parsed query and an image body; ProbeError otherwise."""
        model = self._model(query.get("model", ""))
        layer = query.get("layer", "")
        if layer not in model.layers:
            raise ProbeError(404, f"model {model.id!r} has no layer {layer!r}; layers: {', '.join(model.layers)}")
        top, unit = _int(query, "top", 8), _int(query, "unit", None)
        try:  # decoded in the gate too: one image in memory at a time, whatever reaches the worker's port
            result = self.gate.run(lambda: self.compute(model, decode(body), layer, top, unit))
        except QueueFull as error:
            raise ProbeError(503, str(error)) from None
        except Timeout as error:
            raise ProbeError(504, str(error)) from None
        except (KeyError, ValueError) as error:
            raise ProbeError(400, str(error.args[0]) if error.args else str(error)) from None
        return result.as_dict()

    def _model(self, model_id: str) -> LoadedModel:
        if model_id not in self.models:
            served = ", ".join(self.models)
            raise ProbeError(404, f"this worker does not serve model {model_id!r}; it serves: {served}")
        return self.models[model_id]


def _int(query: dict[str, str], name: str, default: int | None) -> int | None:
    """A whole number of ASCII digits (`str.isdigit` also takes '²' and '①', which int() refuses)."""
    text = query.get(name, "").strip()
    if not text:
        return default
    if not _DIGITS.fullmatch(text):
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ProbeError(400, f"{name} must be a non-negative integer (digits 0-9), got {shown!r}")
    return int(text)


def decode(body: bytes) -> Image.Image:
    """The body as a fully decoded RGB image; ProbeError 413/415/422 when it is not one the worker will read."""
    try:
        with Image.open(io.BytesIO(body), formats=FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ProbeError(413, f"image of {image.width}×{image.height} pixels is over {MAX_PIXELS:,}")
            return image.convert("RGB")
    except UnidentifiedImageError:
        raise ProbeError(415, f"not an image in a format the worker reads ({', '.join(FORMATS)})") from None
    except Image.DecompressionBombError as error:
        raise ProbeError(413, str(error)) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ProbeError(422, f"not a decodable image: {error}") from None


class Handler(BaseHTTPRequestHandler):
    """One request: route, read the body within the limit, answer JSON."""

    worker: Worker  # set on the subclass `make_server` builds
    protocol_version = "HTTP/1.1"
    server_version = "microscope-probe"

    def do_GET(self) -> None:  # noqa: N802 - the standard library's naming
        self._route(
            {
                "/health": lambda _query: self.worker.health(),
                "/experiment": self.worker.experiment,
            },
            "not found; try GET /health, GET /experiment or POST /probe",
        )

    def do_POST(self) -> None:  # noqa: N802
        self._route(
            {
                "/probe": lambda query: self.worker.answer(query, self._body()),
                "/experiment": lambda query: self.worker.experiment(query, self._body()),
            },
            "not found; try POST /probe?model=M&layer=L or POST /experiment?model=M&spec=S",
        )

    def _route(self, answers: dict[str, Callable[[dict[str, str]], dict]], missing: str) -> None:
        """Answer the path's handler's JSON with its query (the last value of each name); ProbeError's status, or 500
        with the traceback logged."""
        url = urlsplit(self.path)
        try:
            if url.path not in answers:
                raise ProbeError(404, missing)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            self._send(200, answers[url.path](query))
        except ProbeError as error:
            self._send(error.status, {"detail": error.detail})
        except Exception:
            log.exception("%s failed", url.path)
            self._send(500, {"detail": f"{url.path} failed; the worker's log has the traceback"})

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's own refusals (a request line over 64 KiB: 414; a malformed request: 400) as JSON,
        like every other answer."""
        self.close_connection = True
        self._send(code, {"detail": message or HTTPStatus(code).phrase})

    def _body(self) -> bytes:
        length = self.headers.get("content-length")
        if length is None or not _DIGITS.fullmatch(length.strip()):
            self.close_connection = True
            raise ProbeError(411, "send the image (or tensor) as the body, with a Content-Length")
        if int(length) > MAX_BYTES:
            self.close_connection = True  # the body stays unread: the connection cannot be reused
            raise ProbeError(413, f"body of {int(length):,} bytes is over {MAX_BYTES:,}")
        return self.rfile.read(int(length))

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the standard library's signature
        log.info("%s %s", self.address_string(), format % args)


def make_server(worker: Worker, host: str, port: int) -> ThreadingHTTPServer:
    """A threaded HTTP server for `worker` on host:port (port 0: any free one), not yet serving."""
    handler = type("BoundHandler", (Handler,), {"worker": worker})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve_forever(worker: Worker, host: str, port: int) -> None:
    """Serve until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    server = make_server(worker, host, port)
    log.info("probe worker serving %s on http://%s:%d", ", ".join(worker.models), host, server.server_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        worker.gate.close()
