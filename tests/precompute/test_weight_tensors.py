"""Stored weight tensors of a real GoogLeNet (CIFAR-10) equal an independent Jacobian of its linearized layers.

The independent Jacobian runs the Inception block written out here with torch.nn.functional (conv, BatchNorm in
eval mode, ReLUs removed, max-pools replaced by average pools over the same window, as the Circuits articles expand
weights) and differentiates the centre unit of every output channel with torch.autograd.functional.jacobian: no
code of precompute/ takes part. The precompute side runs through `run_precompute`, as `microscope precompute` does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from precompute.config import PrecomputeConfig
from precompute.pipeline import run_precompute
from precompute.zoo import load_model
from store.reader import StoreReader
from tests.conftest import REPO, require_shared

SPEC = REPO / "examples" / "models" / "googlenet-cifar10.toml"
LAYERS = ("conv2", "conv3", "inception3a", "inception3b")
FP16 = {"atol": 2e-3, "rtol": 2e-3}  # float16 keeps 11 significant bits

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def googlenet() -> nn.Module:
    require_shared("weights", "googlenet-cifar10.pt")
    return load_model(str(SPEC)).module.eval()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, googlenet: nn.Module) -> StoreReader:
    root = tmp_path_factory.mktemp("googlenet-weights")
    config = PrecomputeConfig.preset("tiny", model=str(SPEC), store=root, layers=LAYERS, size=32)  # no tuning, no cards
    run_precompute(config)
    return StoreReader(root)


def _affine_conv(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """torchvision's BasicConv2d without its ReLU: conv, then BatchNorm with the running statistics."""
    conv, bn = block.conv, block.bn
    y = F.conv2d(x, conv.weight, conv.bias, conv.stride, conv.padding)
    return F.batch_norm(y, bn.running_mean, bn.running_var, bn.weight, bn.bias, training=False, eps=bn.eps)


def _linear_inception(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """An Inception block with ReLUs removed and its max-pool read as an average over the same 3×3 window."""
    pool = block.branch4[0]
    pooled = F.avg_pool2d(x, 3, 1, 1, ceil_mode=pool.ceil_mode, count_include_pad=False)
    return torch.cat(
        [
            _affine_conv(block.branch1, x),
            _affine_conv(block.branch2[1], _affine_conv(block.branch2[0], x)),
            _affine_conv(block.branch3[1], _affine_conv(block.branch3[0], x)),
            _affine_conv(block.branch4[1], pooled),
        ],
        dim=1,
    )


def _centre_jacobian(layer: nn.Module, channels: int, size: int) -> np.ndarray:
    """d(every output channel at the centre) / d(input map): (out, in, size, size), cropped to its nonzero window."""
    x = torch.zeros(1, channels, size, size, dtype=torch.float64)

    def centre(inp: torch.Tensor) -> torch.Tensor:
        out = _linear_inception(layer, inp)
        return out[0, :, out.shape[2] // 2, out.shape[3] // 2]

    with torch.no_grad():
        layer = layer.double()
    try:
        jac = torch.autograd.functional.jacobian(centre, x, vectorize=True)[:, 0]  # (out, in, H, W)
    finally:
        layer.float()
    support = jac.abs().amax(dim=(0, 1)) > 0
    rows, cols = support.any(1).nonzero().flatten(), support.any(0).nonzero().flatten()
    return jac[:, :, rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].numpy()


def test_inception3a_to_3b_equals_the_jacobian_through_every_branch(store: StoreReader, googlenet: nn.Module) -> None:
    view = store.weights("googlenet-cifar10", "inception3b")
    assert view is not None and view.source == "inception3a" and view.kind == "expanded"
    stored = store.tensor(view)
    assert stored.dtype == np.float16
    layers = {layer.name: layer for layer in store.model("googlenet-cifar10").layers}
    expected = _centre_jacobian(googlenet.inception3b, layers["inception3a"].units, layers["inception3a"].height)
    assert stored.shape == expected.shape == (480, 256, 3, 3)
    np.testing.assert_allclose(stored.astype(np.float64), expected, **FP16)


def test_direct_conv2_to_conv3_equals_the_conv_weights_with_batchnorm_folded(
    store: StoreReader, googlenet: nn.Module
) -> None:
    view = store.weights("googlenet-cifar10", "conv3")
    assert view is not None and view.source == "conv2" and view.kind == "direct"
    conv, bn = googlenet.conv3.conv, googlenet.conv3.bn
    folded = conv.weight * (bn.weight / torch.sqrt(bn.running_var + bn.eps))[:, None, None, None]
    np.testing.assert_allclose(store.tensor(view).astype(np.float64), folded.detach().double().numpy(), **FP16)


def test_stored_file_is_plain_npy_that_numpy_and_torch_read(store: StoreReader) -> None:
    view = store.weights("googlenet-cifar10", "conv3")
    path = store.asset_file(view.asset.sha256, view.asset.ext)
    loaded = np.load(Path(path))
    assert loaded.dtype == np.float16 and loaded.shape == view.shape == (192, 64, 3, 3)
    assert torch.from_numpy(loaded).float().abs().max().item() == pytest.approx(view.max_abs)


def test_ranked_edges_are_the_strongest_entries_of_the_stored_tensor(store: StoreReader) -> None:
    stored = store.tensor(store.weights("googlenet-cifar10", "inception3b")).astype(np.float32).sum(axis=(2, 3))
    for unit in (0, 100, 479):
        inputs = store.unit("googlenet-cifar10", "inception3b", unit).inputs
        row = stored[unit]
        expected = set(np.argsort(row)[-8:]) | set(np.argsort(row)[:8])
        assert {edge.unit for edge in inputs} == expected
        assert [edge.weight for edge in inputs] == pytest.approx([row[edge.unit] for edge in inputs], rel=1e-6)


def test_svd_is_numpys_of_the_stored_absolute_weights_summed_over_space(store: StoreReader) -> None:
    view = store.weights("googlenet-cifar10", "inception3b")
    matrix = np.abs(store.tensor(view).astype(np.float64)).sum(axis=(2, 3))
    u, s, vt = np.linalg.svd(matrix, full_matrices=False)
    np.testing.assert_allclose(view.svd.singular_values, s, rtol=1e-9)
    k = view.svd.components
    dst, src = np.array(view.svd.dst), np.array(view.svd.src)
    signs = np.sign((u[:, :k] * dst).sum(0))  # each component up to its sign
    np.testing.assert_allclose(dst, u[:, :k] * signs, atol=1e-9)
    np.testing.assert_allclose(src, vt[:k].T * signs, atol=1e-9)
    assert (dst[np.abs(dst).argmax(axis=0), np.arange(k)] > 0).all()  # each component's largest dst entry positive
    assert sum(view.svd.variance_share) == pytest.approx(1.0)
