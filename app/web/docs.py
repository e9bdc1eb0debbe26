"""The API docs at /docs: Swagger UI from a pinned package's files, served here, so they render offline."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from app import urls
from app.web.templating import render
from frontend import STATIC_DIR

DOCS_PATH = "/docs"
FILES_PATH = "/docs/swagger-ui"  # Swagger UI's JS and CSS, as fastapi-offline ships them
SWAGGER_UI_DIR = Path(str(files("fastapi_offline") / "static"))
NOTEBOOK_EXAMPLE = "notebook_example.py"  # in frontend/static; docs/api.md ("Files for notebooks") shows it too

router = APIRouter(include_in_schema=False)


@router.get(DOCS_PATH, name="swagger_ui_html")
def swagger_ui(request: Request) -> Response:
    """Swagger UI over this service's OpenAPI schema; its settings sit in data attributes, read by docs.js."""
    example = (STATIC_DIR / NOTEBOOK_EXAMPLE).read_text()
    context = {"openapi_url": request.app.openapi_url, "files": FILES_PATH, "example": example}
    context["example_url"] = urls.static(NOTEBOOK_EXAMPLE)
    return render(request, "docs.html", context)


def install(app: FastAPI) -> None:
    """Serve the docs page and Swagger UI's files on `app` (built with `docs_url=None, redoc_url=None`)."""
    app.include_router(router)
    app.mount(FILES_PATH, StaticFiles(directory=SWAGGER_UI_DIR), name="swagger_ui_files")
