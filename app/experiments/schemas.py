"""Response models of the experiments run on a model: what each edit changed."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ClassChangePublic(BaseModel):
    """One class's accuracy on the dataset images without and with the edit."""

    name: str
    images: int
    before: float
    after: float
    change: float = Field(description="after − before")
    family_class: bool = Field(description="whether the edited family's units should answer this class")


class GroupChangePublic(BaseModel):
    """The mean accuracy of a group of classes without and with the edit."""

    classes: list[str]
    before: float
    after: float
    change: float = Field(description="after − before, in accuracy (0–1)")


class UnitChangePublic(BaseModel):
    """A unit of the next layer whose mean activation (over the images and positions) changed."""

    ref: str
    unit: int
    url: str
    label: str | None
    thumbnail: str | None
    before: float
    after: float


class TunedUnitPublic(BaseModel):
    """A unit's orientation tuning without and with the edit (precompute.tuning's stimuli and definitions)."""

    ref: str
    unit: int
    url: str
    label: str | None
    thumbnail: str | None
    orientation_before: float | None = Field(description="preferred orientation in degrees, without the edit")
    orientation_after: float | None
    selectivity_before: float | None = Field(description="orientation selectivity (0–1), without the edit")
    selectivity_after: float | None


class RebuiltUnitPublic(BaseModel):
    """A unit rebuilt by hand, against the real one."""

    ref: str
    unit: int
    url: str
    label: str | None
    thumbnail: str | None
    orientation: float | None = Field(
        description="its stored preferred orientation θ, which the rule draws its weights from (null: from a tensor)"
    )
    images_r: float | None = Field(description="r of its mean activation per image, rebuilt vs real, over the images")
    tuning_r: float | None = Field(description="r of its orientation tuning curve, rebuilt vs real, over the angles")
    fit_r: float = Field(description="r of the rule's output with the real conv's, where the scale was fitted")
    scale: float = Field(description="a: the rule's weights are a·cos(θ − φ)")
    offset: float = Field(description="added to the conv's output, fitted with a")
    angles: list[float] = Field(description="the angles of the two tuning curves")
    curve_real: list[float]
    curve_rebuilt: list[float]
    weights_real: list[float] = Field([], description="its real summed weight from each of the rule's units")
    weights_rebuilt: list[float] = Field([], description="the rebuilt summed weight from each (a × the rule)")
    weights_r: float | None = Field(None, description="r of the two over the rule's units")
    top_count: int | None = Field(None, description="how many top images (by mean activation) are compared")
    top_shared: int | None = Field(None, description="of the rebuilt unit's top images, how many are the real one's")
    top_classes_real: dict[str, int] = Field({}, description="the classes of the real unit's top images")
    top_classes_rebuilt: dict[str, int] = Field({}, description="the classes of the rebuilt unit's top images")


class SourcePublic(BaseModel):
    """A unit of the previous layer the rule reads, with the orientation φ it reads it at."""

    ref: str
    unit: int
    url: str
    label: str | None
    thumbnail: str | None
    orientation: float


class RebuildPublic(BaseModel):
    """A rebuild by hand: the rule's inputs, each rebuilt unit against the real one, and the same units removed."""

    source_layer: str = Field(description="the previous layer, whose units the rule reads")
    sources: list[SourcePublic]
    units: list[RebuiltUnitPublic]
    removed_accuracy: float | None = Field(description="the accuracy with the same units removed instead")
    removed_family_classes: GroupChangePublic | None
    removed_other_classes: GroupChangePublic | None
    won_back: float | None = Field(
        description="of what removing the units costs the family's classes, the share the rebuilt units win back"
    )
    mean_tuning_r: float | None = Field(description="the rebuilt units' tuning_r, averaged")
    circuit_url: str | None = Field(
        None, description="the real kernels, as a circuit: the rule's 16 units the real ones weigh most → the units"
    )


class TensorPublic(BaseModel):
    """An uploaded .npy tensor a rebuild drew its weights from."""

    sha256: str
    shape: list[int]


class ExperimentSummaryPublic(BaseModel):
    """An experiment in a model's list: what it edited and what it did to the accuracy."""

    spec: str = Field(description="the experiment, as its address names it: 'kind:layer:units'")
    title: str
    kind: str
    layer: str
    units: list[int]
    family: str | None = Field(description="the family of the layer whose units it edits, when it edits one")
    families: list[str] = Field(description="every family of the layer that lists exactly these units (`family` first)")
    origin: str = Field(description="'precomputed' (by microscope precompute, stored) or 'live' (by a worker)")
    accuracy_before: float | None = Field(description="on the labelled dataset images; null without labels")
    accuracy_after: float | None
    family_classes: GroupChangePublic | None = Field(description="the classes the family's units should answer")
    other_classes: GroupChangePublic | None = Field(description="every other class")
    url: str
    api_url: str


class ExperimentPublic(ExperimentSummaryPublic):
    """One experiment: the edit and what it changed."""

    model: str
    description: str = Field(description="what the kind of edit does")
    edited: list[UnitChangePublic] = Field(description="the edited units, with their means without and with it")
    images: int = Field(description="dataset images measured")
    labelled: int = Field(description="of those, labelled with one of the model's classes (the accuracy's)")
    classes: list[ClassChangePublic]
    next_layer: str | None
    changed: list[UnitChangePublic] = Field(description="next-layer units whose mean activation changed most")
    tuning_layer: str | None
    tuning: list[TunedUnitPublic] = Field(
        description="orientation tuning without and with the edit: of the edited units for a cut, else of the "
        "next-layer units that changed most"
    )
    rebuild: RebuildPublic | None = Field(None, description="for a rebuild by hand: its units against the real ones")
    rule: str | None = Field(
        None, description="for a rebuild: the rule its weights were drawn from (store.rules); null for a tensor's"
    )
    tensor: TensorPublic | None = Field(None, description="for a rebuild from an uploaded tensor: which one")
    cached: bool | None = Field(
        None, description="for an experiment run live: whether the worker answered from its cache; null: stored"
    )
    experiments_url: str


class ExperimentsPublic(BaseModel):
    """The experiments run on a model."""

    model: str
    message: str | None = Field(description="why there are none, when there are none")
    live: bool = Field(False, description="whether an experiment worker runs experiments the store lacks, on request")
    kinds: dict[str, str] = Field(description="every kind of edit an experiment's spec may name, and what it does")
    experiments: list[ExperimentSummaryPublic]
    model_url: str
    url: str
    api_url: str
