"""The findings stage: every phenomenon of the course measured on the store, as checks that can fail.

It runs after every stage it reads (examples with their labels, colour scores, tuning curves, weight tensors and their
SVD) and costs little: it reads the store and runs only the curve renderings' forward passes at the receptive fields
of the units whose top examples are curves (precompute.findings_orientation). A finding that needs what the store or
the model lacks (labels, weights, branches) says "not measurable" and why; the stage runs on any model.
Resume: the findings are measured again only when their settings change: the version, the thresholds, the
renderings, the weights and a digest of the settings of every stage they are read from, and the other models trained
on the same world (same class labels), whose universality finding is updated too.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from precompute import findings_checks
from precompute.findings_colour import branch_specialization, centre_surround, colour_vs_bw
from precompute.findings_measure import (
    FAILED,
    NOT_MEASURABLE,
    PASSED,
    Evidence,
    curve_class_units,
    curve_detectors,
    equivariant_weights,
    finding,
    link,
    selective_units,
    stable_units,
)
from precompute.findings_orientation import rendered_orientations
from precompute.progress import stage_bar
from precompute.tuning_stimuli import RENDERINGS
from precompute.zoo import LoadedModel
from store import findings_read as fr
from store.findings_read import Finding
from store.reader import StoreReader
from store.records import CARDS_STAGE, FEATURE_VIS_STAGE, FIGURES_STAGE, Settings, stored_settings
from store.scores import BW_RATIO, ORIENTATION, ORIENTATION_SELECTIVITY
from store.writer import StoreWriter

FINDINGS_VERSION = 4
NOT_READ = {FIGURES_STAGE, CARDS_STAGE, FEATURE_VIS_STAGE}  # stages whose results no finding reads
UNIVERSALITY = "universality"


def thresholds() -> dict[str, Any]:
    """Every threshold of precompute.findings_checks, by name."""
    return {name: value for name, value in vars(findings_checks).items() if name.isupper()}


def findings_settings(writer: StoreWriter, model: LoadedModel, peers: list[tuple[str, str]]) -> Settings:
    """What the stage records: version, thresholds, renderings, weights, a digest of its sources' settings, peers."""
    sources = {f"{layer}/{s}": v for (layer, s), v in writer.reader.model_stages(model.id).items() if s not in NOT_READ}
    digest = hashlib.sha256(json.dumps(sources, sort_keys=True).encode()).hexdigest()
    return stored_settings(
        {
            "version": FINDINGS_VERSION,
            "thresholds": thresholds(),
            "renderings": RENDERINGS,
            "weights_sha256": model.weights_hash,
            "sources_sha256": digest,
            "peers": [list(p) for p in peers],
        }
    )


def read_evidence(reader: StoreReader, model_id: str) -> Evidence:
    """What the model's findings are measured from, read from the store."""
    view = reader.model(model_id)
    if view is None:
        raise KeyError(f"model {model_id!r} is not in the store; stored: {', '.join(reader.model_ids())}")
    layers = list(view.layers)
    with reader.engine.connect() as connection:
        labels = fr.example_labels(connection, model_id)
        scores = fr.layer_scores(connection, model_id, [BW_RATIO.name, ORIENTATION.name, ORIENTATION_SELECTIVITY.name])
        branches = fr.unit_branches(connection, model_id)
    weights = {layer.name: w for layer in layers if (w := reader.weights(model_id, layer.name)) is not None}
    return Evidence(layers, labels, scores, branches, weights, reader.tensor)


def peers_of(reader: StoreReader, model_id: str) -> list[tuple[str, str]]:
    """(id, weights hash) of the other stored models trained on the same world: the same class labels."""
    models = reader.models()
    own = next(m for m in models if m.id == model_id)
    world = sorted(own.class_labels)
    return [(m.id, m.weights_hash) for m in models if m.id != model_id and sorted(m.class_labels) == world]


def measure(model: LoadedModel, reader: StoreReader, device: str = "cpu") -> list[Finding]:
    """Every finding but universality, measured for `model` on the store."""
    evidence = read_evidence(reader, model.id)
    convs = [layer for layer in evidence.layers if layer.kind == "conv" and layer.height]  # what renderings reach
    names = {layer.name for layer in convs}
    evidence.curve_class = {n: units for n, units in curve_class_units(evidence).items() if n in names}
    chosen = selective_units(evidence)
    rendered = rendered_orientations(model, convs, chosen, device) if chosen else {}  # type: ignore[arg-type]
    evidence.curve_units = stable_units(chosen, rendered)
    return [
        curve_detectors(evidence, model.id),
        equivariant_weights(evidence),
        colour_vs_bw(evidence),
        branch_specialization(evidence),
        centre_surround(evidence),
    ]


def universality(own: Finding, peers: dict[str, Finding | None]) -> Finding:
    """Finding 6: another model trained on the same world also grows curve detectors (finding 1's test)."""
    title, claim = (
        "Universality",
        (
            "Another network in this store, trained on the same world (the same class labels), grows curve detectors "
            "too, by the same test as this one's."
        ),
    )
    rows = [{"model": m, "curve_detectors": f["verdict"] if f else "not computed"} for m, f in peers.items()]
    numbers = {"peers": len(peers), "peers_with_curve_detectors": sum(r["curve_detectors"] == PASSED for r in rows)}
    numbers["this_model"] = own["verdict"]
    thresholds = {"peers_with_curve_detectors": 1}  # and this model passes finding 1
    links = [link("compare", "curve families across models", family="curves")]
    links += [link("findings", f"{m}'s findings", model=m) for m in peers]
    if not peers:
        reason = "no second network trained on this world in this store"
        parts = {"reason": reason, "numbers": numbers, "thresholds": thresholds, "links": links}
        return finding(UNIVERSALITY, title, claim, verdict=FAILED, **parts)
    both = own["verdict"] == PASSED and numbers["peers_with_curve_detectors"] > 0
    verdict = PASSED if both else FAILED
    parts = {"numbers": numbers, "thresholds": thresholds, "rows": rows, "links": links}
    return finding(UNIVERSALITY, title, claim, verdict=verdict, **parts)


def findings_stage(
    model: LoadedModel, writer: StoreWriter, *, device: str = "cpu", progress: bool = True
) -> list[Finding] | None:
    """Measure and store the model's findings unless stored with the same settings, then update the universality
    finding of the models trained on the same world; the findings measured (None: those stored were kept)."""
    reader = StoreReader(writer.location)
    try:
        peers = peers_of(reader, model.id)
        settings = findings_settings(writer, model, peers)
        if writer.reader.findings_settings(model.id) == settings:
            return None
        with stage_bar("findings", 1, "model", enabled=progress) as bar:
            found = measure(model, reader, device)
            stored = {m: _curve_finding(reader, m) for m, _ in peers}
            found.append(universality(found[0], stored))
            writer.put_findings(model.id, found, settings)
            for peer, _ in peers:
                update_peer(reader, writer, peer, model.id, found[0])
            bar.update()
    finally:
        reader.engine.dispose()  # the writer finalizes the store when it closes: no reader may hold it open
    return found


def _curve_finding(reader: StoreReader, model_id: str) -> Finding | None:
    return next((f for f in reader.findings(model_id) or [] if f["key"] == "curve_detectors"), None)


def update_peer(reader: StoreReader, writer: StoreWriter, peer: str, model_id: str, curve: Finding) -> None:
    """Re-measure a peer's universality finding now that `model_id` is stored (a peer without findings: nothing)."""
    stored = reader.findings(peer) or []
    own, settings = (
        next((f for f in stored if f["key"] == "curve_detectors"), None),
        writer.reader.findings_settings(peer),
    )
    if own is None or settings is None:
        return
    others = {m: _curve_finding(reader, m) for m, _ in peers_of(reader, peer) if m != model_id}
    updated = universality(own, {**others, model_id: curve})
    writer.put_findings(peer, [updated if f["key"] == UNIVERSALITY else f for f in stored], settings)


def summary_line(findings: list[Finding] | None) -> str:
    """How many findings passed, failed and could not be measured ("findings kept" when none were measured)."""
    if findings is None:
        return "findings kept"
    counts = {v: sum(f["verdict"] == v for f in findings) for v in (PASSED, FAILED, NOT_MEASURABLE)}
    passed, failed, unmeasured = counts[PASSED], counts[FAILED], counts[NOT_MEASURABLE]
    return f"findings {passed} passed, {failed} failed, {unmeasured} not measurable"
