"""`PrecomputeConfig`: every precompute option, typed, defaulted and described once.

`microscope precompute` is generated from these fields (precompute/cli.py); the demo and tests build the same class,
from its named presets (`PRESETS`: `tiny` for tests, `demo`, `full`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.dataclasses import dataclass

from store.db import check_url
from store.kinds import check_kinds, describe_kinds, kind_names
from store.location import StoreLocation

Device = Literal["cpu", "cuda"]
# auto: bf16 on CUDA, fp32 on a CPU (emulated bf16 is slow); the others are optvis.render.PRECISIONS.
Precision = Literal["auto", "fp32", "bf16"]
Schedule = Literal["cosine", "constant"]
VisTensor = Literal["pre_relu", "output"]
Switch = Literal["auto", "on", "off"]
DEVICES: tuple[str, ...] = get_args(Device)
PRECISIONS: tuple[str, ...] = get_args(Precision)


# Named presets, as nanoGPT's config files: the settings each changes from the defaults; a run's own settings go on
# top (`PrecomputeConfig.preset("tiny", model=..., store=...)`).
PRESETS: dict[str, dict[str, Any]] = {
    # Tests: seconds on a CPU for a few layers of a small network, whichever stages they ask for.
    "tiny": {
        "steps": 1,  # one optimization step: an image of the right size and settings, not a good one
        "kinds": ("channel",),  # the kind every unit needs; a test of the others names them
        "diversity": 2,  # the smallest set, where a test asks for diversity images
        "vis_batch": 16,
        "top_k": 4,
        "bottom_k": 2,
        "quantiles": (0.5,),
        "histogram_bins": 8,
        "colour_sample": 8,
        "tuning": False,  # tuning curves, preview cards and experiments only where a test asks for them
        "cards": False,
        "experiments": False,
        "progress": False,
    },
    # `microscope demo`: every view of two small networks within minutes on two CPU cores.
    "demo": {
        "steps": 128,  # a quarter of Lucid's 512: recognisable shapes and colours within the demo's CPU time budget
        # Neuron pictures drawn transparent: one arc on grey where the opaque ones bury it in texture (bench/README.md).
        "transparency": 0.5,
        "top_k": 16,
    },
    # Real runs: every default (Lucid's 512 steps, every kind, every stage), what `microscope precompute` runs.
    "full": {},
}


# hide_input_in_errors: a rejected value could be a database URL holding a password.
@dataclass(frozen=True, config=ConfigDict(extra="forbid", hide_input_in_errors=True))
class PrecomputeConfig:
    """What to precompute and how; every default is the one `microscope precompute` uses."""

    model: str = Field(description="Zoo id (see `microscope models`) or the path of a .toml model spec.")
    store: Path = Field(
        Path("var/store"),
        description="Store folder (precompute creates it): shorthand for --db sqlite:///STORE/microscope.sqlite "
        "and --assets STORE/assets.",
    )
    weights: Path | None = Field(None, description="Weights file to use instead of the model's own download.")
    labels: Path | None = Field(None, description="Class names, one per line, instead of the model's own.")
    images: Path | None = Field(
        None,
        description="Folder of images (any depth; class = parent folder), or 'imagenette': the Imagenette "
        "validation set, downloaded once (none: no dataset examples).",
    )
    layers: tuple[str, ...] | None = Field(
        None, description="Comma-separated layer ids (default: the model's default layers; see `microscope models`)."
    )
    unit_labels: Path | None = Field(
        None, description="Folder of hand-made unit labels (<layer>.json unit families) to import, e.g. Early Vision."
    )
    device: Device = Field("cpu", description="Device to run on.")
    threads: int | None = Field(
        None,
        ge=1,
        description="CPU threads torch uses (default: half the cores, so two runs on one machine do not thrash).",
    )
    steps: int = Field(512, ge=1, description="Optimization steps per feature visualization (Lucid: 512).")
    size: int | None = Field(
        None, ge=8, description="Feature-vis side in px as the network sees it (default: the model's)."
    )
    oversample: int = Field(
        1,
        ge=1,
        le=8,
        description="Optimize feature visualizations at this multiple of --size, box-filtered down to --size for the "
        "network: finer detail for small-input networks, at about 1.5x the time for 2.",
    )
    upscale: int | None = Field(
        None,
        ge=1,
        le=8,
        description="Store feature visualizations at this multiple of the optimized size, evaluated from the Fourier "
        "image on a finer grid (the image the network saw, without pixel blocks; free). Default: 4 up to 64 px, "
        "2 up to 112 px, else 1.",
    )
    pad: int | None = Field(
        None,
        ge=0,
        description="Feature-vis transforms' grey pad in px of a 128-px image, scaled to the image (Lucid: 12; "
        "default: 12, or 0 for networks up to 64 px, whose deep layers have few positions).",
    )
    jitter: int | None = Field(
        None,
        ge=0,
        description="Feature-vis transforms' first jitter in px of a 128-px image, scaled (the last is half; Lucid: 8; "
        "default: 8, or 4 up to 64 px).",
    )
    lr: float = Field(
        0.2, gt=0, description="Feature-vis learning rate (Adam; the cosine schedule's peak; Lucid: 0.05 constant)."
    )
    lr_schedule: Schedule = Field(
        "cosine",
        description="Learning-rate schedule: cosine (warm-up, then decay to a tenth: Lucid's 512-step objective in "
        "a fraction of the steps, see bench/time_to_quality.py) or constant (Lucid's).",
    )
    transparency: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Render neuron pictures transparent (Lucid's transparent neurons): what the unit does not need "
        "fades to grey, at this cost of opacity as a share of the objective (0: opaque, as Microscope and Lucid).",
    )
    tensor: VisTensor = Field(
        "pre_relu",
        description="What objectives read: pre_relu (a layer's value before its last ReLU where it has one, so "
        "negative images go below zero, as Lucid's mixed4a_pre_relu) or output (the layer's output as browsed).",
    )
    compile: Switch = Field(
        "auto", description="torch.compile the render graphs (auto: on CUDA, where it adds CUDA graphs; off on a CPU)."
    )
    top_k: int = Field(16, ge=1, description="Dataset examples kept per unit.")
    bottom_k: int | None = Field(
        None,
        ge=0,
        description="Least active images kept per unit (smallest peak activation; default: as many as --top-k).",
    )
    quantiles: tuple[float, ...] = Field(
        (0.99, 0.9, 0.5),
        description="Comma-separated activation quantiles at which one image per unit is kept (e.g. 0.99 is an "
        "image that 99% of the images activate less).",
    )
    histogram_bins: int = Field(32, ge=1, description="Bins of each unit's histogram of peak activations.")
    max_images: int | None = Field(
        None, ge=1, description="Use at most this many images, taken class by class in turn (default: all)."
    )
    top_edges: int = Field(8, ge=1, description="Strongest +/− connections kept per unit and side.")
    vis_batch: int = Field(64, ge=1, description="Images optimized together in one batch.")
    kinds: tuple[str, ...] = Field(
        kind_names(),
        description=f"Comma-separated feature-vis kinds per unit; channel is always needed. {describe_kinds()}.",
    )
    diversity: int = Field(4, ge=1, description="Images in each unit's diversity set (at least 2).")
    extras: tuple[str, ...] | None = Field(
        None,
        description="Where the kinds besides channel are rendered: comma-separated layer ids or layer:first-last "
        "unit ranges, e.g. mixed4b:384-447, each optionally for one kind only, e.g. neuron@mixed3a "
        "(default: every unit).",
    )
    precision: Precision = Field(
        "auto", description="Network precision while rendering (auto: bf16 on CUDA, fp32 on a CPU)."
    )
    image_batch: int = Field(64, ge=1, description="Images per forward pass when collecting dataset examples.")
    colour_scores: bool = Field(
        True,
        description="Measure each unit's colour vs black & white score (bw_ratio) from its dataset examples and a "
        "random sample of the images, shown as a badge and a sort of the layer grid (needs --images).",
    )
    colour_sample: int = Field(
        64,
        ge=0,
        description="Random images of the folder measured for every unit besides its top-K examples, for the "
        "colour vs black & white score (seeded: the same images on every run).",
    )
    tuning: bool = Field(
        True,
        description="Measure tuning curves (orientation, curvature, hue, spatial frequency) of every unit from "
        "parametric stimuli at its receptive field, and the scores they give (preferred orientation, selectivity…).",
    )
    tuning_layers: tuple[str, ...] | None = Field(
        None, description="Comma-separated layer ids whose tuning curves are measured (default: every conv layer)."
    )
    cards: bool = Field(
        True,
        description="Draw each unit's link-preview card (a 1200x630 PNG of its feature visualization and top "
        "examples, shown when its page's link is pasted into a chat); cheap, but skippable.",
    )
    experiments: bool = Field(
        True,
        description="Run the standard experiments on the dataset images labelled with the model's classes: remove "
        "each family of each layer, and cut the negative weights into each curve family; each measured as accuracy "
        "per class, the next layer's activations and orientation tuning (a few seconds each on a small network).",
    )
    seed: int = Field(0, description="Seed of every random choice in feature visualization.")
    progress: bool = Field(True, description="Show progress bars.")
    ray: str | None = Field(
        None,
        description="Run feature vis, dataset examples and connections as tasks on the Ray cluster at this address "
        "(HOST:6379, ray://HOST:10001 or auto); a bare --ray starts a local one. Needs microscope[ray]; "
        "see 'On a Ray cluster' in docs/models.md.",
    )
    db: str | None = Field(
        None, repr=False, description="Database URL of the store (default: sqlite:///STORE/microscope.sqlite)."
    )
    assets: Path | None = Field(None, description="Folder of the store's image files (default: STORE/assets).")

    @field_validator("device", "precision", "lr_schedule", "tensor", "compile", mode="before")
    @classmethod
    def _one_of_the_choices(cls, value: Any, info: ValidationInfo) -> Any:
        # Before pydantic's own Literal check, so the message lists the choices the way the rest of precompute does.
        choices = get_args(cls.__pydantic_fields__[info.field_name].annotation)  # type: ignore[attr-defined,index]
        if value not in choices:
            raise ValueError(f"unknown {info.field_name} {value!r}; valid: {', '.join(choices)}")
        return value

    @field_validator("quantiles")
    @classmethod
    def _quantiles_between_0_and_1(cls, quantiles: tuple[float, ...]) -> tuple[float, ...]:
        bad = [q for q in quantiles if not 0 <= q <= 1]
        if bad:
            raise ValueError(f"quantiles must lie in [0, 1]; got {', '.join(map(str, bad))}")
        return quantiles

    @field_validator("db")
    @classmethod
    def _db_is_a_url(cls, db: str | None) -> str | None:
        return None if db is None else check_url(db)

    @model_validator(mode="after")
    def _kinds_are_declared(self) -> PrecomputeConfig:
        # Checked before any work, so a typo does not surface after minutes of dataset examples.
        check_kinds(self.kinds, self.diversity)
        return self

    @classmethod
    def preset(cls, name: str, **settings: Any) -> PrecomputeConfig:
        """The named preset (PRESETS) with `settings` on top; ValueError naming the valid presets otherwise."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; valid: {', '.join(PRESETS)}")
        return cls(**{**PRESETS[name], **settings})

    @property
    def location(self) -> StoreLocation:
        """Where the store is: the store folder, with `db` and `assets` replacing either part."""
        return StoreLocation.resolve(self.store, self.db, self.assets)
