"""Every route declared once, by name and path template: the routers register these, `app.urls` formats them.

A page and its JSON share a path; the JSON twin lives at `/api/v1` + the page's path, named `api_` + its name,
so `app.url_path_for(route.name, **params)` and `app.urls.path(route, **params)` build the same URL. Adding a route
is one declaration here (`ROUTES` collects every `Route` of this module) and one handler.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

API = "/api/v1"


@dataclass(frozen=True)
class Route:
    """A named path template, e.g. `unit` → `/models/{model}/layers/{layer}/units/{unit}`."""

    name: str
    path: str

    @property
    def api(self) -> Route:
        """The JSON twin: the same path under /api/v1."""
        return Route(f"api_{self.name}", API + self.path)

    def format(self, **segments: str) -> str:
        """The path with each `{param}` replaced by its segment, which the caller has already quoted."""
        return self.path.format(**segments)


# Pages (HTML), in no particular order: the routers decide the order in which they match.
INDEX = Route("index", "/")
MODELS = Route("models", "/models")  # the page redirects to the index; its twin lists the models
MODEL = Route("model", "/models/{model}")
LAYER = Route("layer", "/models/{model}/layers/{layer}")
BRANCHES = Route("branches", "/models/{model}/layers/{layer}/branches")  # a concatenating layer's units by branch
UNIT = Route("unit", "/models/{model}/layers/{layer}/units/{unit}")
# The weights into a layer from its previous layer: the tensor's metadata and download, and its SVD.
LAYER_WEIGHTS = Route("layer_weights", "/models/{model}/layers/{layer}/weights")
UNIT_SEARCH = Route("unit_search", "/models/{model}/units")  # ?ref=layer:unit → redirect to the unit
UNIT_REF = Route("unit_ref", "/models/{model}/units/{ref}")  # layer:unit or an alias → redirect to the unit
SEARCH = Route("search", "/search")
# OpenAI Microscope's unit URLs (`/models/inceptionv1/mixed4b_0/409`), redirected to ours.
MICROSCOPE_UNIT = Route("microscope_unit", "/models/{model}/{op}/{unit}")
CIRCUIT = Route("circuit", "/models/{model}/circuit")  # ?units=mixed3b:379,385;mixed4a:12 (app.circuit.query)
# A layer's units that score highest for a feature family, by preferred orientation (app.families.present); ?top=16
FAMILY = Route("family", "/models/{model}/layers/{layer}/families/{family}")
COMPARE = Route("compare", "/compare")  # ?family=curves&models=a,b&top=4: a family across models (app.families.compare)
# The course's phenomena measured on a model, each a check that passed or failed (app.findings.present).
FINDINGS = Route("findings", "/models/{model}/findings")
# Edits of the network (units removed, weights cut) and what they changed (app.experiments): a model's list, and one
# experiment by its spec, 'kind:layer:units' (store.experiments).
EXPERIMENTS = Route("experiments", "/models/{model}/experiments")
EXPERIMENT = Route("experiment", "/models/{model}/experiments/{spec}")
# POST a .npy of a rebuild's weights: the rebuild measured live from them (app.experiments.tensor).
EXPERIMENT_TENSOR = Route("experiment_tensor", "/models/{model}/experiments/{spec}/tensor")
PROBE = Route("probe", "/models/{model}/probe")  # GET: the upload form; POST: an image's top units (app.probe.present)
# Link-preview cards (1200×630 PNG, app.cards.pages): the `og:image` of each page that has one.
MODEL_CARD = Route("model_card", "/models/{model}/card.png")
LAYER_CARD = Route("layer_card", "/models/{model}/layers/{layer}/card.png")
UNIT_CARD = Route("unit_card", "/models/{model}/layers/{layer}/units/{unit}/card.png")
CIRCUIT_CARD = Route("circuit_card", "/models/{model}/circuit/card.png")  # ?units= as the circuit page's
# A layer's unit thumbnails in one WebP, unit n in cell n (app.weights.sheet): the weights page's scatters draw from it.
LAYER_THUMBNAILS = Route("layer_thumbnails", "/models/{model}/layers/{layer}/thumbnails.webp")
# An instructor's note on a unit: the unit page's form posts here (app.notes.pages); its twin reads and writes JSON.
UNIT_NOTE = Route("unit_note", "/models/{model}/layers/{layer}/units/{unit}/note")
# The audit trail of note edits, newest first (?page=2): every note's, and one unit's (linked from its note box).
NOTES_HISTORY = Route("notes_history", "/notes/history")
UNIT_NOTE_HISTORY = Route("unit_note_history", "/models/{model}/layers/{layer}/units/{unit}/note/history")
INSTRUCTOR = Route("instructor", "/instructor")  # GET: the sign-in form; POST: a token → the instructor cookie
INSTRUCTOR_LOGOUT = Route("instructor_logout", "/instructor/logout")  # POST: forget the cookie
# Tours (app.tours.pages): an ordered list of captioned units and circuits. POST /tours saves a tour file (instructors).
TOURS = Route("tours", "/tours")
TOUR = Route("tour", "/tours/{slug}")
TOUR_PRESENT = Route("tour_present", "/tours/{slug}/present")  # one stop at a time; #stop-N opens stop N
TOUR_EDIT = Route("tour_edit", "/tours/{slug}/edit")  # the instructor's editor (a tour file in a text box)
TOUR_DELETE = Route("tour_delete", "/tours/{slug}/delete")  # POST (instructors)
# A tour's audit trail, newest first (?page=2); it outlives the tour when the tour is deleted.
TOUR_HISTORY = Route("tour_history", "/tours/{slug}/history")

# The JSON API: the root, then the twins of the pages above.
API_ROOT = Route("api_root", API)
API_MODELS = MODELS.api
API_MODEL = MODEL.api
API_LAYER = LAYER.api
API_BRANCHES = BRANCHES.api
API_UNIT = UNIT.api
API_LAYER_WEIGHTS = LAYER_WEIGHTS.api
# A unit's full row and column of the stored weights (JSON only: the unit page shows the strongest).
API_UNIT_WEIGHTS = Route("api_unit_weights", API + "/models/{model}/layers/{layer}/units/{unit}/weights")
# A layer's data for notebooks (app.units.data_out): its units as JSON Lines and Parquet, its channel images as a zip.
API_LAYER_UNITS_JSONL = Route("api_layer_units_jsonl", API + "/models/{model}/layers/{layer}/units.jsonl")
API_LAYER_UNITS_PARQUET = Route("api_layer_units_parquet", API + "/models/{model}/layers/{layer}/units.parquet")
API_LAYER_FEATURE_VIS_ZIP = Route("api_layer_feature_vis_zip", API + "/models/{model}/layers/{layer}/feature-vis.zip")
API_UNIT_SEARCH = UNIT_SEARCH.api
API_UNIT_REF = UNIT_REF.api
API_SEARCH = SEARCH.api
# The search box's suggestions as you type: the top results of the same search (JSON only).
API_SEARCH_SUGGEST = Route("api_search_suggest", API + "/search/suggest")
API_CIRCUIT = CIRCUIT.api
API_FAMILY = FAMILY.api
API_COMPARE = COMPARE.api
API_PROBE = PROBE.api
API_FINDINGS = FINDINGS.api
API_EXPERIMENTS = EXPERIMENTS.api
API_EXPERIMENT = EXPERIMENT.api
API_EXPERIMENT_TENSOR = EXPERIMENT_TENSOR.api
API_UNIT_NOTE = UNIT_NOTE.api  # GET (public), PUT and DELETE (`Authorization: Bearer <instructor token>`)
API_NOTES_HISTORY = NOTES_HISTORY.api
API_UNIT_NOTE_HISTORY = UNIT_NOTE_HISTORY.api
API_TOURS = TOURS.api
API_TOUR = TOUR.api  # GET (public), PUT and DELETE (`Authorization: Bearer <instructor token>`)
API_TOUR_HISTORY = TOUR_HISTORY.api

# Files: content-addressed images, and the frontend's CSS and JS (a mount: its files lie below this path).
ASSET = Route("asset", "/assets/{sha256}.{ext}")
STATIC = Route("static", "/static")


def _declared(names: dict[str, object]) -> tuple[Route, ...]:
    """The routes declared in this module, in order; a name twice is a mistake (one would shadow the other)."""
    found = tuple(value for value in names.values() if isinstance(value, Route))
    twice = sorted(name for name, count in Counter(r.name for r in found).items() if count > 1)
    if twice:
        raise ValueError(f"routes named twice: {', '.join(twice)}")
    return found


# Every route above, in the order declared (the routers, not this table, decide the order in which paths match).
ROUTES: tuple[Route, ...] = _declared(dict(globals()))
_BY_NAME = {route.name: route for route in ROUTES}


def named(name: str) -> Route:
    """The route of this name, as Starlette names it (`unit`, `api_unit`); a KeyError naming them otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown route {name!r}; routes: {', '.join(_BY_NAME)}") from None
