"""Response models of a model's findings."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class FindingLinkPublic(BaseModel):
    """A view that shows a finding."""

    label: str
    url: str


class FindingPublic(BaseModel):
    """One finding: a check of a phenomenon, as measured."""

    key: str
    title: str
    claim: str = Field(description="what the check asserts, in one sentence")
    verdict: str = Field(description="passed, failed or not measurable")
    required: bool = Field(description="false for a finding the course only reports")
    reason: str | None = Field(description="why it is not measurable, or why it could not be measured further")
    numbers: dict[str, Any] = Field(description="what was measured (the best layer or pair)")
    thresholds: dict[str, Any] = Field(description="what the numbers are held to")
    rows: list[dict[str, Any]] = Field(description="the measurement per layer or layer pair")
    plot: dict[str, Any] | None = Field(
        description="the data of its figure, when it has one: for equivariant weights the layers (`from`, `to`), the "
        "mean weight per bin of Δθ (`bins`) and, when the pairs are few enough to draw, each pair as [Δθ, summed "
        "weight, its units] (`points`)"
    )
    links: list[FindingLinkPublic]


class FindingsPublic(BaseModel):
    """A model's findings."""

    model: str
    computed: bool
    message: str | None = Field(description="why there are no findings, when there are none")
    findings: list[FindingPublic]
    model_url: str
    url: str
    api_url: str
