"""The application factory: settings → one read-only store reader → API, pages, assets and static files."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from app import pages, routes
from app.api import router as api_router
from app.branches import pages as branches_pages
from app.cards import pages as cards
from app.cards.cache import CardCache
from app.experiments import tensor as experiment_tensor
from app.families import pages as families_pages
from app.notes import history as note_history
from app.notes import instructors
from app.notes import pages as note_pages
from app.probe import pages as probe_pages
from app.probe.decoding import DecodeGate
from app.resources import PAGES
from app.schemas import ErrorPublic
from app.search import pages as search_pages
from app.tours import history as tour_history
from app.tours import pages as tour_pages
from app.units.api import assets
from app.web import asset_host, docs, errors, security
from app.web.cache import LruStore, ResponseCache, store_version
from app.web.config import Settings
from app.web.head import HeadAsGet
from app.web.request_limits import RequestLimits
from app.weights import pages as weights_pages
from frontend import STATIC_DIR
from notes.book import NotesBook
from store.reader import StoreReader


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.decodes.close()
    app.state.reader.engine.dispose()
    app.state.notes.engine.dispose()


def _operation_id(route: APIRoute) -> str:
    """OpenAPI operation ids from the handler's name, not the route table's (clients generated earlier keep theirs)."""
    return re.sub(r"\W", "_", f"{route.endpoint.__name__}{route.path_format}") + f"_{sorted(route.methods)[0].lower()}"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service over the store named in `settings` (read from MICROSCOPE_* when None)."""
    settings = settings or Settings()
    # Opened here rather than in the lifespan so that a bad store fails before the server starts listening.
    reader = StoreReader(settings.location)
    app = FastAPI(
        title="Microscope",
        summary="Feature visualizations, dataset examples and connections of every unit of a network.",
        version=reader.format_version,
        lifespan=_lifespan,
        generate_unique_id_function=_operation_id,
        docs_url=None,  # app/web/docs.py serves Swagger UI from local files
        redoc_url=None,
        responses={414: {"model": ErrorPublic, "description": "the query string is over its limit"}},  # any route
    )
    app.state.settings = settings
    app.state.reader = reader
    app.state.notes = NotesBook(settings.notes_db)  # writable, apart from the read-only store
    app.state.card_cache = CardCache(settings.cache_dir, store_version(reader))  # drawn cards, never in the store
    app.state.decodes = DecodeGate(settings.limits)  # uploads decoded a few at a time, per process
    errors.install(app)
    app.include_router(api_router)
    app.include_router(assets.router)
    app.include_router(cards.router)  # before the pages: `/models/m/circuit/card.png` fits OpenAI Microscope's paths
    app.include_router(note_pages.router)  # before the pages: `…/units/{unit}/note` is not a unit
    app.include_router(note_history.router)
    app.include_router(tour_pages.router)
    app.include_router(tour_history.router)
    app.include_router(experiment_tensor.html_router)
    for page in PAGES:  # the pages declared with their JSON twins, before `/models/{model}/{op}/{unit}` (app.pages)
        app.include_router(page.html_router())
    app.include_router(pages.router)
    # One resource's pages each; none of their paths overlaps another page's, so their order does not matter.
    app.include_router(branches_pages.router)
    app.include_router(weights_pages.router)
    app.include_router(search_pages.router)
    app.include_router(families_pages.router)
    app.include_router(probe_pages.router)
    docs.install(app)
    app.mount(routes.STATIC.path, StaticFiles(directory=STATIC_DIR), name=routes.STATIC.name)
    # Added first, so innermost: the middlewares added after it run on every response, cached or not.
    app.state.response_cache = LruStore()
    # Keyed by the notes' generation too (notes and tours), so a page never outlives a note or tour it shows; a
    # signed-in browser bypasses it.
    app.add_middleware(
        ResponseCache,
        store=app.state.response_cache,
        version=store_version(reader),
        generation=instructors.notes_generation(app.state.notes),
        private_cookie=instructors.SESSION_COOKIE.encode(),
    )
    app.add_middleware(HeadAsGet)
    app.add_middleware(asset_host.AssetBase, base=settings.asset_base_url)
    # Outside the app and its cache, inside the security headers: a body over its limit is refused before any route
    # reads it, and the refusal carries the headers of every answer.
    app.add_middleware(RequestLimits, limits=settings.limits)
    security.install(app, settings)
    return app
