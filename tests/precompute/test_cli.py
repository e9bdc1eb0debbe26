"""`microscope precompute` rejects bad feature-vis options with exit 2, the valid choices, and no store written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from microscope.cli import app


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--objectives", "channel,dreams"], "valid kinds are channel, neuron, negative, diversity"),
        (["--objectives", "neuron"], "channel is always needed"),
        (["--extras", "layer9:1"], "among those computed: relu, layer1.0"),
        (["--extras", "layer1.0:3-99"], "layer1.0 has units 0–15"),
        (["--precision", "fp8"], "fp32"),
    ],
)
def test_bad_feature_vis_option_exits_2_listing_the_valid_choices(
    tmp_path: Path, random_resnet20: Path, option: list[str], message: str
) -> None:
    store = tmp_path / "store"
    args = ["precompute", "--model", "cifar-resnet20", "--weights", str(random_resnet20), "--store", str(store)]
    done = CliRunner().invoke(app, [*args, *option, "--no-progress"])
    assert done.exit_code == 2, done.output
    assert message in " ".join(done.output.split())
    assert not (store / "microscope.sqlite").exists()
