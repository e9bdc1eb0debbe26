"""Examples across the activation range: the pass's bottom-K, quantile samples, histogram and statistics equal a
brute-force computation over every image; memory stays 2 bytes per image and unit; the stage resumes by settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from precompute.activation_maps import crop_map, measure_picks, order_quantile_samples, round_sig4
from precompute.activation_range import RangeTracker, finish, layer_picks, quantile_rank
from precompute.config import PrecomputeConfig
from precompute.examples import collect_examples, peaks
from precompute.hooks import LayerTap
from precompute.images import load_rgb, scan_images, to_input
from precompute.layers import LayerInfo, probe_layers
from precompute.pipeline import run_precompute
from precompute.zoo import load_model
from store.reader import StoreReader

LAYERS = ("layer1.0", "layer3.2", "linear")
QUANTILES = (0.5, 0.9, 0.99)


@pytest.fixture(scope="module")
def brute(tiny_images: Path, random_resnet20: Path) -> dict:
    """The model, its layers, the images, the pass's results and every layer's full activations computed at once."""
    model = load_model("cifar-resnet20", random_resnet20)
    layers = [layer for layer in probe_layers(model) if layer.name in LAYERS]
    images = scan_images(tiny_images)
    found = collect_examples(model, layers, images, top_k=3, bottom_k=4, batch_size=5)
    batch = torch.stack([to_input(load_rgb(i.path), 32) for i in images])
    with torch.no_grad(), LayerTap(model.module, list(LAYERS)) as tap:
        acts = tap.run(model.input.normalize(batch))
    return {"model": model, "layers": layers, "images": images, "found": found, "acts": acts}


def _peaks(act: torch.Tensor) -> torch.Tensor:
    return act if act.dim() == 2 else act.flatten(2).amax(2)  # (images, units)


def test_bottom_k_are_the_smallest_peaks_with_their_positions(brute: dict) -> None:
    for layer in brute["layers"]:
        picks = finish(brute["found"].ranges[layer.name], QUANTILES, 8)
        values = _peaks(brute["acts"][layer.name]).T
        expected = values.topk(4, dim=1, largest=False)
        torch.testing.assert_close(picks.bottom.values, expected.values)
        assert (picks.bottom.values[:, 1:] >= picks.bottom.values[:, :-1]).all()  # least active first
        chosen = values.gather(1, picks.bottom.images)
        torch.testing.assert_close(chosen, picks.bottom.values)
        if layer.kind != "linear":
            act = brute["acts"][layer.name].flatten(2)
            units = torch.arange(layer.units)[:, None].expand(-1, 4)
            at = act[picks.bottom.images, units].gather(2, picks.bottom.positions[..., None])[..., 0]
            torch.testing.assert_close(at, picks.bottom.values)


def test_quantile_samples_are_the_order_statistics_of_the_peaks(brute: dict) -> None:
    count = len(brute["images"])
    for layer in brute["layers"]:
        picks = finish(brute["found"].ranges[layer.name], QUANTILES, 8)
        assert picks.quantiles == (0.99, 0.9, 0.5)
        values = _peaks(brute["acts"][layer.name]).T.half().float()  # the pass ranks float16 peaks
        ordered = values.sort(dim=1).values
        for j, q in enumerate(picks.quantiles):
            chosen = values.gather(1, picks.quantile_images[:, j : j + 1])[:, 0]
            torch.testing.assert_close(chosen, ordered[:, quantile_rank(q, count)])


def test_histogram_counts_every_image_once_and_stats_match(brute: dict) -> None:
    count = len(brute["images"])
    for layer in brute["layers"]:
        picks = finish(brute["found"].ranges[layer.name], QUANTILES, 8)
        values = _peaks(brute["acts"][layer.name]).T.double()
        for unit, stats in enumerate(picks.stats):
            assert stats.count == count and sum(stats.histogram["counts"]) == count
            assert len(stats.histogram["edges"]) == 9
            assert stats.min == pytest.approx(float(values[unit].min()), rel=1e-6)
            assert stats.max == pytest.approx(float(values[unit].max()), rel=1e-6)
            assert stats.mean == pytest.approx(float(values[unit].mean()), rel=1e-3, abs=1e-4)
            assert stats.std == pytest.approx(float(values[unit].std(unbiased=False)), rel=1e-3, abs=1e-4)
            if stats.min == stats.max:  # a dead unit: every image in the middle of a bin around its one value
                assert stats.histogram["counts"][4] == count
                continue
            kept = values[unit].half().double().clamp(stats.min, stats.max).numpy()  # the pass bins float16 peaks
            expected, _ = np.histogram(kept, bins=np.linspace(stats.min, stats.max, 9))
            assert np.abs(expected - np.array(stats.histogram["counts"])).sum() <= 2  # a value on an edge may differ


def test_memory_is_two_bytes_per_image_and_unit_plus_the_kept_examples() -> None:
    tracker = RangeTracker.empty(units=832, images=50_000, k=16)
    assert tracker.peaks.dtype == torch.float16 and tracker.peaks.shape == (50_000, 832)
    assert tracker.nbytes == 50_000 * 832 * 2 + 832 * (8 + 8 + 4 + 4)  # sums, extremes; never activation maps
    values = torch.randn(64, 832)
    tracker.update(0, values, peaks(values)[1])
    assert tracker.nbytes <= 50_000 * 832 * 2 + 832 * (24 + 16 * (4 + 8 + 8))  # plus the bottom-16


def test_measured_picks_carry_maps_and_quantile_peaks_equal_a_recomputation(brute: dict) -> None:
    model, layers, images = brute["model"], brute["layers"], brute["images"]
    picks = {
        layer.name: layer_picks(
            brute["found"].tops[layer.name], finish(brute["found"].ranges[layer.name], QUANTILES, 8)
        )
        for layer in layers
    }
    measure_picks(model, layers, picks, images, batch_size=4)
    for layer in layers:
        order_quantile_samples(picks[layer.name])
        values = _peaks(brute["acts"][layer.name])
        for pick in picks[layer.name]:
            assert pick.activation == pytest.approx(float(values[pick.image, pick.unit]), rel=1e-4, abs=1e-5)
            assert (pick.amap is None) == (layer.kind == "linear")
        for unit in range(layer.units):
            samples = sorted(
                (p for p in picks[layer.name] if p.kind == "quantile" and p.unit == unit), key=lambda p: p.rank
            )
            assert [p.quantile for p in samples] == [0.99, 0.9, 0.5]
            assert all(a.activation >= b.activation for a, b in zip(samples, samples[1:], strict=False))  # type: ignore[operator]


def test_crop_map_keeps_the_cells_inside_the_receptive_field_around_the_peak() -> None:
    layer = LayerInfo("l", 0, "conv", 1, 8, 8, rf_size=8, rf_stride=4.0, previous=None)
    unit_map = torch.arange(64, dtype=torch.float32).reshape(8, 8)
    grid = crop_map(layer, unit_map, 8 * 3 + 4, 32)  # peak at row 3, col 4: the crop spans x 14–22, y 10–18
    assert grid == [[19.0, 20.0, 21.0], [27.0, 28.0, 29.0], [35.0, 36.0, 37.0]]  # centres 4·i + 2 inside the crop
    whole = LayerInfo("l", 0, "conv", 1, 32, 32, rf_size=64, rf_stride=1.0, previous=None)
    big = crop_map(whole, torch.rand(32, 32), 0, 32)
    assert len(big) == 16 and len(big[0]) == 16  # pooled down to AMAP_MAX_SIDE


def test_map_values_are_rounded_to_four_significant_digits() -> None:
    assert round_sig4(np.array([0.123456, 12345.6, 0.0, -2.0])).tolist() == [0.1235, 12350.0, 0.0, -2.0]


def test_precompute_stores_range_examples_and_resumes_by_settings(
    tmp_path: Path, random_resnet20: Path, tiny_images: Path
) -> None:
    config = PrecomputeConfig.preset(
        "tiny",  # bottom_k 2, histogram_bins 8
        model="cifar-resnet20",
        store=tmp_path,
        weights=random_resnet20,
        images=tiny_images,
        layers=("layer1.0", "linear"),
        top_k=3,
        quantiles=(0.9, 0.5),
        colour_scores=False,
    )
    assert run_precompute(config).examples_layers == ["layer1.0", "linear"]
    unit = StoreReader(tmp_path).unit("cifar-resnet20", "layer1.0", 0)
    assert [(e.kind, e.rank) for e in unit.range_examples] == [
        ("bottom", 0),
        ("bottom", 1),
        ("quantile", 0),
        ("quantile", 1),
    ]
    assert unit.stats is not None and sum(unit.stats.histogram["counts"]) == 36
    assert all(e.amap for e in unit.dataset_examples + unit.range_examples)
    assert run_precompute(config).examples_layers == []  # nothing new to do
    import dataclasses

    more = dataclasses.replace(config, quantiles=(0.99, 0.9, 0.5))
    assert run_precompute(more).examples_layers == ["layer1.0", "linear"]  # new range settings: measured again
    unit = StoreReader(tmp_path).unit("cifar-resnet20", "layer1.0", 0)
    assert [e.quantile for e in unit.range_examples if e.kind == "quantile"] == [0.99, 0.9, 0.5]
