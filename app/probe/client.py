"""Talking to a `microscope probe-worker` over HTTP (standard library; the web service stays torch-free): probes of
an image, and experiments on a model.

Its failures become answers a user can act on: not running → 503 saying how to start it, started without the model
→ 404 saying how to start one with it, queue full → 503 with Retry-After, too slow → 504, anything else it refuses →
its own message with its status.
"""

from __future__ import annotations

import json
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from starlette.exceptions import HTTPException

HEALTH_TIMEOUT_S = 2.0
START_HINT = "start one with `microscope probe-worker --model {model}` and point `microscope serve --probe URL` at it"
EXPERIMENT_HINT = (
    "start one with `microscope probe-worker --model {model} --store STORE` (the store this service serves) and point "
    "`microscope serve --probe URL` at it"
)


def probe(base: str, model: str, layer: str, png: bytes, *, top: int, unit: int | None, timeout: float) -> dict:
    """The worker's answer for one image (PNG bytes of the model's input); HTTPException when there is none."""
    query = urlencode({"model": model, "layer": layer, "top": top, **({"unit": unit} if unit is not None else {})})
    request = Request(f"{base}/probe?{query}", data=png, headers={"content-type": "image/png"}, method="POST")
    return _answer(request, model, timeout, START_HINT)


def experiment(
    base: str, model: str, spec: str, rule: str | None, *, timeout: float, tensor: bytes | None = None
) -> dict:
    """The worker's answer to an experiment (a rebuild by `rule`, or from a .npy `tensor`): {"result": …, "cached":
    bool}; HTTPException when there is none."""
    query = urlencode({"model": model, "spec": spec, **({"rule": rule} if rule is not None else {})})
    if tensor is None:
        request = Request(f"{base}/experiment?{query}", method="GET")
    else:
        headers = {"content-type": "application/octet-stream"}
        request = Request(f"{base}/experiment?{query}", data=tensor, headers=headers, method="POST")
    return _answer(request, model, timeout, EXPERIMENT_HINT)


def _answer(request: Request, model: str, timeout: float, hint: str) -> dict:
    try:
        with urlopen(request, timeout=timeout) as response:  # noqa: S310 - the URL is the operator's setting
            return json.loads(response.read())
    except HTTPError as error:
        raise _refusal(error, model, hint) from None
    except TimeoutError:
        raise HTTPException(504, f"the worker did not answer within {timeout:g} s; try again later") from None
    except (URLError, ConnectionError) as error:
        if isinstance(getattr(error, "reason", None), TimeoutError):
            raise HTTPException(504, f"the worker did not answer within {timeout:g} s") from None
        raise down(model, error, hint) from None


def health(base: str) -> dict | None:
    """The worker's /health answer, or None when it does not answer within HEALTH_TIMEOUT_S."""
    try:
        with urlopen(f"{base}/health", timeout=HEALTH_TIMEOUT_S) as response:  # noqa: S310
            return json.loads(response.read())
    except (OSError, ValueError):
        return None


def down(model: str, error: object = None, hint: str = START_HINT) -> HTTPException:
    """The 503 of a worker that is not running (or not configured)."""
    reason = f" ({getattr(error, 'reason', error)})" if error else ""
    return HTTPException(503, f"the probe worker is not answering{reason}; " + hint.format(model=model))


def _refusal(error: HTTPError, model: str, hint: str = START_HINT) -> HTTPException:
    try:
        detail = str(json.loads(error.read()).get("detail", error.reason))
    except (ValueError, AttributeError, OSError):
        detail = str(error.reason)
    if error.code == 404 and "does not serve" in detail:
        # 404, as when no worker is configured: probing this model is off here until the operator starts a worker
        # with it, which no retry changes (503 would say "try again later").
        return HTTPException(404, f"{detail}; " + hint.format(model=model))
    if error.code == 503:
        return HTTPException(503, f"the probe worker is busy: {detail}", headers={"retry-after": "5"})
    if error.code in (400, 404, 413, 415, 422, 504):
        return HTTPException(422 if error.code in (400, 404) else error.code, detail)
    return HTTPException(502, f"the probe worker failed ({error.code}): {detail}")
