"""The Jinja2 environment of the pages: template folder, URL helpers and number/kernel formatting filters."""

from __future__ import annotations

import math
import re
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.responses import Response

from app import urls
from frontend import TEMPLATES_DIR

MAX_KERNEL_SIDE = 9  # larger kernels are unreadable as a thumbnail-sized grid
_SITE_PATH = re.compile(r"(?<![\w/])/models/[\w.@%:/-]*[\w/]")  # a path of this site in running text


def sig3(value: float | None) -> str:
    """A number with 3 significant digits ('12.3', '0.00123', '-4.56e+04')."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.3g}"


def signed(value: float) -> str:
    """A weight with its sign always shown ('+0.25', '−0.5')."""
    text = sig3(abs(value))
    return ("+" if value >= 0 else "−") + text


def _is_small_2d(kernel: Any) -> bool:
    if not isinstance(kernel, list) or not 0 < len(kernel) <= MAX_KERNEL_SIDE:
        return False
    rows = [row for row in kernel if isinstance(row, list)]
    return len(rows) == len(kernel) and len({len(row) for row in rows}) == 1 and 0 < len(rows[0]) <= MAX_KERNEL_SIDE


def kernel_svg(kernel: Any, side: int = 36) -> Markup:
    """A server-rendered SVG (about `side` px) of a small 2D kernel: red cells positive, blue negative; else empty."""
    if not _is_small_2d(kernel):
        return Markup("")
    cell = max(4, side // max(len(kernel), len(kernel[0])))
    scale = max((abs(float(v)) for row in kernel for v in row), default=0.0) or 1.0
    cells = []
    for y, row in enumerate(kernel):
        for x, value in enumerate(row):
            v = float(value) / scale
            color = "220,38,38" if v >= 0 else "37,99,235"
            cells.append(
                f'<rect x="{x * cell}" y="{y * cell}" width="{cell}" height="{cell}" '
                f'fill="rgba({color},{abs(v):.2f})"><title>{float(value):.3g}</title></rect>'
            )
    w, h = len(kernel[0]) * cell, len(kernel) * cell
    return Markup(
        f'<svg class="kernel" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        f'aria-label="spatial kernel">{"".join(cells)}</svg>'
    )


def link_paths(text: str | None) -> Markup:
    """Stored text (a model's warning, say) escaped, with the site paths it mentions as links."""
    escaped = str(escape(text or ""))
    return Markup(_SITE_PATH.sub(lambda m: f'<a href="{m.group()}">{m.group()}</a>', escaped))


templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True
templates.env.globals["urls"] = urls
templates.env.filters["sig3"] = sig3
templates.env.filters["signed"] = signed
templates.env.filters["kernel_svg"] = kernel_svg
templates.env.filters["link_paths"] = link_paths


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """Render a page template with the request in its context."""
    return templates.TemplateResponse(request, name, context, status_code=status)
