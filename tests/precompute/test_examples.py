"""Dataset examples: the running top-K equals a brute-force ranking; crops sit around the peak."""

from __future__ import annotations

from pathlib import Path

import torch

from precompute.examples import collect_top_examples, crop_box, example_records, spatial_max
from precompute.hooks import LayerTap
from precompute.images import Framing, load_rgb, scan_images, to_input
from precompute.layers import LayerInfo, probe_layers
from precompute.zoo import load_model


def test_top_examples_match_brute_force_over_all_images(tiny_images: Path, random_resnet20: Path) -> None:
    model = load_model("cifar-resnet20", random_resnet20)
    layers = [layer for layer in probe_layers(model) if layer.name in ("layer1.0", "layer3.2", "linear")]
    images = scan_images(tiny_images)
    tops, records = collect_top_examples(model, layers, images, top_k=5, batch_size=7)
    assert [r.source for r in records] == [i.source for i in images]
    batch = torch.stack([to_input(load_rgb(i.path), 32) for i in images])
    with torch.no_grad(), LayerTap(model.module, [layer.name for layer in layers]) as tap:
        acts = tap.run(model.input.normalize(batch))
    for layer in layers:
        values, _ = spatial_max(acts[layer.name])
        expected = values.T.topk(5, dim=1)
        torch.testing.assert_close(tops[layer.name].values, expected.values)
        assert (tops[layer.name].values[:, :-1] >= tops[layer.name].values[:, 1:]).all()


def test_crop_is_the_receptive_field_around_the_peak_clipped_to_the_image() -> None:
    layer = LayerInfo("l", 0, "conv", 4, 8, 8, rf_size=8, rf_stride=4.0, previous=None)
    frame = Framing.fit(32, 32, 32)
    assert crop_box(layer, 8 * 3 + 4, 32, frame) == (18, 14, 14, 10, 22, 18)
    assert crop_box(layer, 0, 32, frame) == (2, 2, 0, 0, 6, 6)


def test_linear_layers_show_the_whole_image() -> None:
    layer = LayerInfo("fc", 0, "linear", 10, None, None, rf_size=32, rf_stride=32.0, previous=None)
    assert crop_box(layer, 0, 32, Framing.fit(64, 64, 32)) == (32, 32, 0, 0, 64, 64)


def test_example_records_crop_the_source_image(tiny_images: Path, random_resnet20: Path) -> None:
    model = load_model("cifar-resnet20", random_resnet20)
    layer = probe_layers(model, ["layer1.0"])[0]
    images = scan_images(tiny_images)
    tops, _ = collect_top_examples(model, [layer], images, top_k=2)
    records = list(example_records(layer, tops["layer1.0"], images, 32))
    assert len(records) == layer.units * 2
    first = records[0]
    left, top, right, bottom = first.crop
    assert (first.image.width, first.image.height) == (right - left, bottom - top)
    assert left <= first.x <= right and top <= first.y <= bottom
