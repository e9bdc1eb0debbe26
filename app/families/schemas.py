"""Response models of feature families, in one layer and across models."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.schemas import Float32, Float32Array, ScoreDefinitionPublic, UnitSummaryPublic


class OrientationCurvePublic(BaseModel):
    """A unit's response by the orientation of a stimulus (its stored `orientation` tuning curve)."""

    orientation: list[float] = Field(description="the stimulus orientations, degrees counter-clockwise from right")
    values: Float32Array = Field(description="the unit's response at each orientation")


class FamilyUnitPublic(UnitSummaryPublic):
    """A unit of a feature family: its family score, rank, preferred orientation and orientation tuning curve."""

    label_source: str | None = Field(
        description="where its `label` comes from: the key of its hand label's source, or 'instructor' (an "
        "instructor's label, from their note on the unit's page, for a unit without a hand label)"
    )

    picture: str | None = Field(
        description="URL of the feature visualization the tile shows: the kind that reads best of those stored"
    )
    picture_kind: str | None = Field(
        description="its kind: neuron (the centre position maximized) where stored, else channel (null: no image)"
    )
    picture_transparent: bool = Field(
        False, description="whether it was drawn transparent: what the unit does not need fades to grey"
    )
    score: Float32 = Field(description="the unit's value of the family's score")
    rank: int = Field(description="its place in its layer by the family's score: 1 is the highest")
    orientation: Float32 | None = Field(description="its preferred orientation in degrees (null: not measured)")
    curve: OrientationCurvePublic | None = Field(description="its orientation tuning curve (null: not stored)")
    examples: list[str] = Field(
        default_factory=list, description="crops of its first top dataset examples, best first (empty: not shown)"
    )


class CoveragePublic(BaseModel):
    """How much of the circle the preferred orientations of a family's units cover (docs/browsing.md, "Feature
    families and universality")."""

    oriented: int = Field(
        description="units whose preferred orientation counts: those with an orientation selectivity of at least "
        "`min_selectivity`"
    )
    unselective: int = Field(
        0, description="units with a preferred orientation but a lower selectivity, left out (their angle is noise)"
    )
    min_selectivity: Float32 = Field(0.0, description="the orientation selectivity a unit needs to count")
    largest_gap: Float32 | None = Field(
        description="the widest angle, in degrees, between neighbouring preferred orientations round the circle "
        "(360 for a single unit; null when no unit counts)"
    )
    gap_from: Float32 | None = Field(description="the preferred orientation where the widest gap starts (going up)")
    gap_to: Float32 | None = Field(description="the preferred orientation where it ends")
    covers: Float32 | None = Field(
        description="360 − largest_gap: the degrees of the smallest arc holding every preferred orientation"
    )


class FamilyLinkPublic(BaseModel):
    """A feature family and the view of it."""

    family: str = Field(description="the family's name, e.g. 'curves'")
    score: str = Field(description="the score that ranks its units, e.g. 'curve'")
    url: str


class MembershipPublic(BaseModel):
    """Who a layer's family lists: the units that passed its gate (store.scores.passes_gate), or every scored unit."""

    gated: bool = Field(description="whether only units that passed the gate are listed (false: an older store)")
    members: int | None = Field(description="units that passed, when gated")
    measured: int | None = Field(description="units whose evidence was measured, when gated")
    message: str = Field(description="the same in one sentence, as the page shows it")


class FamilyPublic(BaseModel):
    """A layer's units that score highest for a family, laid out by preferred orientation."""

    model: str
    layer: str
    family: str
    score: ScoreDefinitionPublic = Field(description="the score that ranks the units")
    top: int = Field(description="how many of the highest-scoring units were asked for")
    units: list[FamilyUnitPublic] = Field(
        description="the top units by preferred orientation, lowest angle first; units without one last, by rank"
    )
    unoriented: int = Field(description="units among them without a preferred orientation (at the end of `units`)")
    weak: int = Field(0, description="units among them scoring below the score's `weak_below` (the page warns)")
    coverage: CoveragePublic
    score_definitions: list[ScoreDefinitionPublic] = Field(description="what the units' scores mean")
    circuit_url: str = Field(description="the family as a circuit ordered by orientation (with the previous layer's "
                             "family units when the weights from it are stored)")  # fmt: skip
    circuit_layers: list[str] = Field(description="the layers of that circuit, in forward order")
    families: list[FamilyLinkPublic] = Field(description="the families the shown units hold a score of, this one too")
    compare_url: str = Field(description="the same family compared across every stored model")
    experiment_url: str | None = Field(
        None,
        description="what the network does without these units: the page of the experiment removing them, which "
        "precompute runs for each family's top 16 (null when the store keeps no experiments or `top` is another)",
    )
    membership: MembershipPublic | None = Field(None, description="who the family lists, and why")
    layer_url: str
    url: str
    api_url: str


class CompareLayerPublic(BaseModel):
    """One layer of a model in a comparison: its units that score highest for the family."""

    name: str
    url: str = Field(description="the layer's page")
    family_url: str = Field(description="the layer's family view, laid out by orientation")
    units: list[FamilyUnitPublic] = Field(description="highest family score first")
    weak: int = Field(0, description="units among them scoring below the score's `weak_below` (the page warns)")
    coverage: CoveragePublic
    membership: MembershipPublic | None = Field(None, description="who the family lists, and why")


class CompareModelPublic(BaseModel):
    """A model in a comparison, with each of its layers whose units hold the family's score."""

    id: str
    title: str
    url: str
    layers: list[CompareLayerPublic] = Field(description="forward order; layers without the score are left out")


class ComparePublic(BaseModel):
    """A feature family across models: in every layer of each, the units that score highest for it."""

    family: str
    score: ScoreDefinitionPublic
    top: int = Field(description="units shown per layer")
    models: list[CompareModelPublic] = Field(description="in the order asked for (all stored models by id)")
    score_definitions: list[ScoreDefinitionPublic] = Field(description="what the units' scores mean")
    families: list[FamilyLinkPublic] = Field(description="every family, each compared across the same models")
    url: str
    api_url: str
