"""The Jinja2 environment of the pages: template folder, URL helpers, number formatting and the kernels' legend."""

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
from store.figures.kernels import scale_legend
from store.scores import ORIENTED_SELECTIVITY

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


def ordinal(value: float) -> str:
    """A rank in words' order: '1st', '2nd', '3rd', '4th', '11th', '12th', '21st', '99th'; a fraction as '0.5th'."""
    if value != int(value):
        return f"{value:g}th"
    number = int(value)
    suffix = "th" if number % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def link_paths(text: str | None) -> Markup:
    """Stored text (a model's warning, say) escaped, with the site paths it mentions as links."""
    escaped = str(escape(text or ""))
    return Markup(_SITE_PATH.sub(lambda m: f'<a href="{m.group()}">{m.group()}</a>', escaped))


templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True
templates.env.globals["urls"] = urls
templates.env.globals["ORIENTED_SELECTIVITY"] = ORIENTED_SELECTIVITY  # who prefers an orientation (store.scores)
templates.env.filters["sig3"] = sig3
templates.env.filters["signed"] = signed
templates.env.filters["ordinal"] = ordinal
templates.env.filters["scale_legend"] = scale_legend
templates.env.filters["link_paths"] = link_paths


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """Render a page template with the request in its context."""
    return templates.TemplateResponse(request, name, context, status_code=status)
