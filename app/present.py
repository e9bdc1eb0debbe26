"""Turn the store's views into the API's response models (the pages render the same objects)."""

from __future__ import annotations

from app import urls
from app.deps import LayerContext, UnitContext
from app.schemas import (
    EdgePublic,
    ExamplePublic,
    FeatureVisPublic,
    LabelHitPublic,
    LabelSourcePublic,
    LayerPublic,
    LayerSummaryPublic,
    ModelPublic,
    ModelSummaryPublic,
    ReceptiveFieldPublic,
    SearchPublic,
    UnitLinkPublic,
    UnitPublic,
    UnitSummaryPublic,
)
from store.reader import StoreReader
from store.records import EdgeView, FeatureVisView, LabelSource, LayerView, ModelView, UnitSummary, vis_kind
from store.refs import UnitRef

PREVIEW_UNITS = 8  # thumbnails per layer on the model page


def shape(layer: LayerView) -> list[int]:
    """[units, height, width] for spatial layers, [units] otherwise."""
    if layer.height is None or layer.width is None:
        return [layer.units]
    return [layer.units, layer.height, layer.width]


def unit_label(model: ModelView, layer: LayerView, summary: UnitSummary) -> str | None:
    """The unit's stored label, or its class name when the layer is the classifier's output."""
    if summary.label:
        return summary.label
    is_logits = layer.next is None and layer.kind == "linear" and layer.units == len(model.class_labels)
    return str(model.class_labels[summary.index]) if is_logits else None


def citation(source: LabelSource) -> str:
    """'Olah et al. 2020' (or 'Olah and Cammarata 2020', 'Olah 2020'): surnames of the authors, and the year."""
    surnames = [name.split()[-1] for name in source.authors.split(",") if name.strip()]
    names = f"{surnames[0]} et al." if len(surnames) > 2 else " and ".join(surnames)
    return f"{names} {source.year}".strip() if source.year else names


def label_source_public(source: LabelSource) -> LabelSourcePublic:
    """Where hand labels come from, with its short citation."""
    return LabelSourcePublic(**source.__dict__, citation=citation(source))


def unit_summary(model: ModelView, layer: LayerView, summary: UnitSummary) -> UnitSummaryPublic:
    """A unit as a layer grid shows it."""
    return UnitSummaryPublic(
        unit=summary.index,
        ref=str(UnitRef(layer.name, summary.index)),
        label=unit_label(model, layer, summary),
        label_source=summary.label_source.key if summary.label and summary.label_source else None,
        branch=summary.branch,
        url=urls.unit_page(model.id, layer.name, summary.index),
        api_url=urls.api_unit(model.id, layer.name, summary.index),
        thumbnail=urls.maybe_asset(summary.thumbnail),
    )


def model_summary(model: ModelView) -> ModelSummaryPublic:
    """A model as the index lists it."""
    return ModelSummaryPublic(
        id=model.id,
        title=model.title,
        description=model.description,
        warning=model.warning,
        architecture=model.architecture,
        layer_count=len(model.layers),
        url=urls.model_page(model.id),
        api_url=urls.api_model(model.id),
    )


def layer_summary(reader: StoreReader, model: ModelView, layer: LayerView) -> LayerSummaryPublic:
    """A layer as its model lists it, with its first few unit thumbnails."""
    units = reader.units(model.id, layer.name)[:PREVIEW_UNITS]
    return LayerSummaryPublic(
        name=layer.name,
        parent=layer.parent,
        kind=layer.kind,
        units=layer.units,
        shape=shape(layer),
        url=urls.layer_page(model.id, layer.name),
        api_url=urls.api_layer(model.id, layer.name),
        preview=[unit_summary(model, layer, u) for u in units],
    )


def model_public(reader: StoreReader, model: ModelView) -> ModelPublic:
    """A model with its layers in forward order."""
    return ModelPublic(
        id=model.id,
        title=model.title,
        description=model.description,
        warning=model.warning,
        architecture=model.architecture,
        weights_hash=model.weights_hash,
        input_spec=model.input_spec,
        class_labels=[str(c) for c in model.class_labels],
        url=urls.model_page(model.id),
        api_url=urls.api_model(model.id),
        layers=[layer_summary(reader, model, layer) for layer in model.layers],
    )


def layer_public(reader: StoreReader, ctx: LayerContext) -> LayerPublic:
    """A layer with every unit, and who made their hand labels."""
    model, layer = ctx.model, ctx.layer
    units = reader.units(model.id, layer.name)
    sources = {u.label_source.key: u.label_source for u in units if u.label and u.label_source}
    return LayerPublic(
        model=model.id,
        name=layer.name,
        kind=layer.kind,
        units=layer.units,
        shape=shape(layer),
        rf=ReceptiveFieldPublic(size=layer.rf_size, stride=layer.rf_stride),
        previous=layer.previous,
        next=layer.next,
        previous_url=urls.layer_page(model.id, layer.previous) if layer.previous else None,
        next_url=urls.layer_page(model.id, layer.next) if layer.next else None,
        parent=layer.parent,
        branch_layers=[other.name for other in model.layers if other.parent == layer.name],
        url=urls.layer_page(model.id, layer.name),
        api_url=urls.api_layer(model.id, layer.name),
        unit_list=[unit_summary(model, layer, u) for u in units],
        label_sources=[label_source_public(source) for source in sources.values()],
    )


def edge_public(model: ModelView, edge: EdgeView) -> EdgePublic:
    """A connection, pointing at the page of the unit at its other end."""
    return EdgePublic(
        layer=edge.layer,
        unit=edge.unit,
        ref=str(UnitRef(edge.layer, edge.unit)),
        weight=edge.weight,
        kind=edge.kind,
        kernel=edge.kernel,
        url=urls.unit_page(model.id, edge.layer, edge.unit),
        thumbnail=urls.maybe_asset(edge.thumbnail),
    )


def _strongest_first(model: ModelView, edges: list[EdgeView]) -> list[EdgePublic]:
    return [edge_public(model, e) for e in sorted(edges, key=lambda e: -abs(e.weight))]


def feature_vis_public(view: FeatureVisView) -> FeatureVisPublic:
    """A feature visualization with its kind and its place in a diversity set, read from its store key."""
    kind, index = vis_kind(view.objective)
    return FeatureVisPublic(
        url=urls.asset(view.asset),
        objective=view.objective,
        kind=kind,
        index=index,
        description=view.description,
        activation=view.activation,
        settings=view.settings,
        width=view.asset.width,
        height=view.asset.height,
    )


def label_search(reader: StoreReader, q: str) -> SearchPublic:
    """The units whose hand labels contain `q`."""
    hits = [
        LabelHitPublic(
            model=hit.model,
            layer=hit.layer,
            unit=hit.unit,
            ref=UnitRef(hit.layer, hit.unit, hit.model).qualified,
            label=hit.label,
            url=urls.unit_page(hit.model, hit.layer, hit.unit),
            api_url=urls.api_unit(hit.model, hit.layer, hit.unit),
        )
        for hit in (reader.units_labelled(q.strip()) if q.strip() else [])
    ]
    return SearchPublic(q=q, hits=hits)


def _link(model: ModelView, ref: UnitRef) -> UnitLinkPublic:
    return UnitLinkPublic(ref=str(ref), url=urls.unit_page(model.id, ref.layer, ref.unit))


def _hand_label_source(summary: UnitSummary) -> LabelSourcePublic | None:
    return label_source_public(summary.label_source) if summary.label and summary.label_source else None


def unit_public(ctx: UnitContext) -> UnitPublic:
    """Everything stored about a unit, examples highest first and edges strongest first."""
    model, layer, detail, i = ctx.model, ctx.layer, ctx.detail, ctx.index
    examples = sorted(detail.dataset_examples, key=lambda e: (-e.activation, e.rank))
    return UnitPublic(
        model=model.id,
        layer=layer.name,
        unit=i,
        ref=str(UnitRef(layer.name, i)),
        url=urls.unit_page(model.id, layer.name, i),
        api_url=urls.api_unit(model.id, layer.name, i),
        label=unit_label(model, layer, detail.summary),
        label_source=_hand_label_source(detail.summary),
        branch=detail.summary.branch,
        same_unit=_link(model, ctx.same_as) if ctx.same_as else None,
        thumbnail=urls.maybe_asset(detail.summary.thumbnail),
        feature_vis=[feature_vis_public(f) for f in detail.feature_vis],
        dataset_examples=[
            ExamplePublic(
                url=urls.asset(e.asset),
                rank=e.rank,
                activation=e.activation,
                source=e.source,
                label=e.label,
                x=e.x,
                y=e.y,
                crop=list(e.crop),
                width=e.asset.width,
                height=e.asset.height,
            )
            for e in examples
        ],
        dataset_max_activation=examples[0].activation if examples else None,
        inputs=_strongest_first(model, detail.inputs),
        outputs=_strongest_first(model, detail.outputs),
        previous=urls.unit_page(model.id, layer.name, i - 1) if i > 0 else None,
        next=urls.unit_page(model.id, layer.name, i + 1) if i + 1 < layer.units else None,
    )
