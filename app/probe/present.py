"""Probe your own image: an upload checked here, one forward pass in the probe worker, the answer presented.

The web service never imports torch: `app.probe.image` decodes and frames the upload, `app.probe.client` sends
the model's input to the worker (`microscope probe-worker`), this module ties them to the store's units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from app import routes, urls
from app.probe import client as probe_client
from app.probe.image import FORMATS, CheckedImage, check_image, spotlight, view
from app.probe.schemas import ProbeFormPublic, ProbeImagePublic, ProbePublic, ProbeUnitPublic
from app.web.errors import quoted
from app.web.limits import Limits, setting
from app.web.upload import Upload, read_upload
from store.reader import StoreReader
from store.records import ModelView
from store.refs import UnitRef

MAX_TOP = 64  # the worker's own limit (precompute.probe.compute.MAX_TOP)
DEFAULT_TOP = 8
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff")  # what precompute scans


@dataclass(frozen=True)
class ProbeAsk:
    """What a probe asks: a layer, how many top units and perhaps one chosen unit."""

    layer: str
    top: int
    unit: int | None


@dataclass(frozen=True)
class Probed:
    """A probe's answer with the image it was computed on (the results page draws the maps over it)."""

    result: ProbePublic
    image: CheckedImage


def worker_url(request: Request, model: str) -> str:
    """The configured worker's URL; 404 saying how to configure one when there is none."""
    url = request.app.state.settings.probe_url
    if not url:  # 404, not 503: nothing here to probe with, and nothing will be until the operator starts a worker
        raise HTTPException(404, "probing is off on this service: " + probe_client.START_HINT.format(model=model))
    return url


def parse_ask(model: ModelView, fields: dict[str, str]) -> ProbeAsk:
    """The layer, top and unit fields checked against the model; 422 naming the valid values otherwise."""
    layers = [layer.name for layer in model.layers]
    layer = fields.get("layer", "").strip() or default_layer(model)
    if layer not in layers:
        raise HTTPException(422, f"model {model.id!r} has no layer {layer!r}; layers: {', '.join(layers)}")
    top = _number(fields, "top")
    top = DEFAULT_TOP if top is None else top
    if not 1 <= top <= MAX_TOP:
        raise HTTPException(422, f"top must be between 1 and {MAX_TOP}, got {top}")
    unit = _number(fields, "unit")
    units = next(layer_view.units for layer_view in model.layers if layer_view.name == layer)
    if unit is not None and unit >= units:
        raise HTTPException(422, f"layer {layer!r} has units 0–{units - 1}, got {unit}")
    return ProbeAsk(layer, top, unit)


def default_layer(model: ModelView) -> str:
    """The deepest layer with positions (its maps say where on the image), else the last one."""
    spatial = [layer.name for layer in model.layers if (layer.height or 0) > 1 and layer.parent is None]
    return spatial[-1] if spatial else (model.layers[-1].name if model.layers else "")


def _number(fields: dict[str, str], name: str) -> int | None:
    """A field's whole number: ASCII digits only (`str.isdigit` also takes '²' and '①', which int() refuses)."""
    text = fields.get(name, "").strip()
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise HTTPException(422, f"{name} must be a non-negative integer (digits 0-9), got {quoted(text)}")
    return int(text)


def _limits(request: Request) -> Limits:
    return request.app.state.settings.limits


async def read(request: Request, model: ModelView) -> Upload:
    """The upload, read into memory within `upload_bytes`; 404 first when no worker is configured."""
    worker_url(request, model.id)
    return await read_upload(request, _limits(request).upload_bytes)


async def run_probe(request: Request, reader: StoreReader, model: ModelView, upload: Upload) -> Probed:
    """Check the upload, ask the worker, and present its answer with the store's units."""
    base = worker_url(request, model.id)
    ask = parse_ask(model, upload.fields)
    limits = _limits(request)
    source = upload.fields.get("source", "").strip() if not upload.data else ""
    data = await run_in_threadpool(dataset_image, model, source, limits.upload_bytes) if source else upload.data
    size = int(model.input_spec["size"])
    image = await request.app.state.decodes.run(check_image, data, upload.declared_type, size, limits)
    timeout = request.app.state.settings.probe_timeout
    answer = await run_in_threadpool(
        probe_client.probe, base, model.id, ask.layer, image.png, top=ask.top, unit=ask.unit, timeout=timeout
    )
    units = await run_in_threadpool(reader.units, model.id, ask.layer)
    return Probed(present(model, answer, image, {u.unit: u for u in units}, source or None), image)


def dataset_image(model: ModelView, source: str, max_bytes: int) -> bytes:
    """The bytes of an image of the model's dataset folder by its source path (as its examples name it)."""
    if not model.images_root:
        raise HTTPException(422, f"model {model.id!r} records no dataset folder; upload an image instead")
    missing = HTTPException(404, f"no dataset image {quoted(source)} in the folder of model {model.id!r}")
    root = Path(model.images_root).resolve()
    try:  # a NUL byte or an over-long name is no file either (the OS refuses to look it up)
        path = (root / source).resolve()
        if not path.is_relative_to(root) or path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
            raise missing
        size = path.stat().st_size
    except (ValueError, OSError):
        raise missing from None
    if size > max_bytes:
        limit = f"the limit of {max_bytes:,} bytes ({setting('upload_bytes')})"
        raise HTTPException(413, f"dataset image {quoted(source)} is over {limit}")
    return path.read_bytes()


def present(
    model: ModelView, answer: dict, image: CheckedImage, summaries: dict, source: str | None = None
) -> ProbePublic:
    """The worker's answer as the API's response, each unit linked to its page."""

    def unit(found: dict) -> ProbeUnitPublic:
        summary = summaries.get(found["unit"])
        return ProbeUnitPublic(
            unit=found["unit"],
            ref=str(UnitRef(answer["layer"], found["unit"])),
            label=summary.label if summary else None,
            url=urls.path(routes.UNIT, model=model.id, layer=answer["layer"], unit=found["unit"]),
            thumbnail=urls.maybe_asset(summary.thumbnail) if summary else None,
            value=found["value"],
            map=found["map"],
        )

    return ProbePublic(
        model=model.id,
        layer=answer["layer"],
        units=answer["units"],
        grid=answer["grid"],
        top=[unit(u) for u in answer["top"]],
        chosen=unit(answer["chosen"]) if answer.get("chosen") else None,
        image=ProbeImagePublic(
            format=image.format,
            width=image.width,
            height=image.height,
            declared_type=image.declared_type,
            note=image.note,
            input_size=image.size,
            source=source,
        ),
    )


def overlays(probed: Probed) -> dict[str, str]:
    """data: URLs of the results page's pictures: the input ('input') and each listed unit's map over it."""
    result = probed.result
    pictures = {"input": view(probed.image.png)}
    for found in [*result.top, *([result.chosen] if result.chosen else [])]:
        pictures[str(found.unit)] = spotlight(probed.image.png, found.map)
    return pictures


def form_facts(request: Request, model: ModelView) -> ProbeFormPublic:
    """The worker's state for this model, the layers to choose from and the upload limits."""
    url = request.app.state.settings.probe_url
    state, detail = _worker_state(url, model.id)
    return ProbeFormPublic(
        model=model.id,
        url=urls.path(routes.PROBE, model=model.id),
        api_url=urls.path(routes.API_PROBE, model=model.id),
        worker=state,
        detail=detail,
        layers=[layer.name for layer in model.layers],
        max_bytes=_limits(request).upload_bytes,
        max_pixels=_limits(request).upload_pixels,
        formats=list(FORMATS),
        max_top=MAX_TOP,
    )


def _worker_state(url: str | None, model: str) -> tuple[str, str]:
    hint = probe_client.START_HINT.format(model=model)
    if not url:
        return "off", f"probing is off on this service: {hint}"
    health = probe_client.health(url)
    if health is None:
        return "down", f"the probe worker is not answering: {hint}"
    if model not in health.get("models", {}):
        return "lacks-model", f"the probe worker does not serve {model}: {hint}"
    return "up", "the probe worker is ready"
