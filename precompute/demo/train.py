"""Train the demo network on generated stimuli: seeded, bit-reproducible on one machine, minutes on a CPU.

Data layout: `<data_root>/train` and `<data_root>/heldout`, each a `precompute.stimuli.write_dataset` folder
(`<family>/<family>-<index>.png`); `make_data` writes both. The label of an image is its family.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor, nn
from tqdm import tqdm

from ..stimuli import FAMILIES, write_dataset
from ..zoo.demo_net import INPUT, MODEL_ID, WEIGHTS, DemoInception, build
from ..zoo.download import sha256_file

TRAIN_SEED = 1  # stimulus seeds: the held-out images come from a different stream than the training ones
HELDOUT_SEED = 2
TRAIN_PER_FAMILY = 2000  # 14 000 training images: enough that nothing is memorized in a few epochs
HELDOUT_PER_FAMILY = 300
EPOCHS = 5  # the shipped weights' run: 100% held-out from epoch 2 on; ~20 s an epoch on 2 CPU cores
BATCH_SIZE = 64
LEARNING_RATE = 0.1  # SGD peak of the one-cycle schedule (BatchNorm keeps it stable)
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4
LABEL_SMOOTHING = 0.05
EVAL_BATCH = 256


def make_data(
    root: Path,
    *,
    per_family: int = TRAIN_PER_FAMILY,
    heldout_per_family: int = HELDOUT_PER_FAMILY,
    size: int = INPUT.size,
    progress: bool = True,
) -> Path:
    """Write (or reuse) the training and held-out stimulus sets under root/train and root/heldout."""
    write_dataset(Path(root) / "train", per_family, TRAIN_SEED, size=size, progress=progress)
    write_dataset(Path(root) / "heldout", heldout_per_family, HELDOUT_SEED, size=size, progress=progress)
    return Path(root)


def load_images(root: Path) -> tuple[Tensor, Tensor]:
    """Every `<family>/*.png` under root as a uint8 (N, 3, H, W) batch with family indices as labels."""
    images: list[np.ndarray] = []
    labels: list[int] = []
    for label, family in enumerate(FAMILIES):
        files = sorted((Path(root) / family).glob("*.png"))
        images += [np.asarray(Image.open(path).convert("RGB")) for path in files]
        labels += [label] * len(files)
    if not images:
        raise ValueError(f"no stimulus images under {str(root)!r}; expected {', '.join(FAMILIES)} folders of PNGs")
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()
    return x, torch.tensor(labels)


def _inputs(x: Tensor) -> Tensor:
    """uint8 images → the network's normalized float input (channels-last: several times faster convs on CPU)."""
    return INPUT.normalize(x.float() / 255.0).contiguous(memory_format=torch.channels_last)


def augment(x: Tensor, generator: torch.Generator) -> Tensor:
    """A random symmetry of the square per image (flips, transpose): shape families keep their label under all 8."""
    masks = torch.rand(3, len(x), 1, 1, 1, generator=generator) < 0.5
    x = torch.where(masks[0], x.flip(3), x)
    x = torch.where(masks[1], x.flip(2), x)
    return torch.where(masks[2], x.transpose(2, 3), x)


@torch.no_grad()
def confusion(model: nn.Module, data_root: Path) -> Tensor:
    """Confusion counts (true family × predicted family) of a network taking normalized input."""
    x, y = load_images(data_root)
    was_training = model.training
    model.eval()
    predicted = torch.cat([model(_inputs(batch)).argmax(1) for batch in x.split(EVAL_BATCH)])
    model.train(was_training)
    counts = torch.zeros(len(FAMILIES), len(FAMILIES), dtype=torch.long)
    counts.index_put_((y, predicted), torch.ones_like(y), accumulate=True)
    return counts


def evaluate(model: nn.Module, data_root: Path) -> float:
    """Fraction of the images under data_root whose family the network names correctly."""
    counts = confusion(model, data_root)
    return float(counts.diag().sum() / counts.sum())


@contextmanager
def _reproducible(seed: int) -> Iterator[None]:
    """Seeded global RNG and deterministic kernels, each restored afterwards.

    The thread count is the caller's (`microscope demo --threads`): taking every core here would thrash beside
    another run. The record keeps it, since results repeat bit for bit only with the same count.
    """
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            yield
    finally:
        torch.use_deterministic_algorithms(deterministic)


def _epoch(
    model: nn.Module,
    data: tuple[Tensor, Tensor],
    batch_size: int,
    optimizer: torch.optim.Optimizer,
    schedule: torch.optim.lr_scheduler.LRScheduler,
    generator: torch.Generator,
    bar: tqdm,
) -> list[float]:
    """One pass over the training images in a seeded order; the loss of every step."""
    x, y = data
    model.train()
    losses = []
    order = torch.randperm(len(x), generator=generator)
    for batch in order[: _steps(len(x), batch_size) * batch_size].split(batch_size):
        loss = F.cross_entropy(model(_inputs(augment(x[batch], generator))), y[batch], label_smoothing=LABEL_SMOOTHING)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        bar.update(1)
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
    return losses


def _steps(n: int, batch_size: int) -> int:
    """Full batches per epoch (a ragged last batch would give BatchNorm noisy statistics), at least one."""
    return max(1, n // batch_size)


def save_weights(model: nn.Module, out: Path) -> Path:
    """The state dict in fp16 (half the bytes; the zoo casts back to fp32 on load), written atomically."""
    state = {k: v.half().contiguous() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    torch.save(state, tmp)
    tmp.replace(out)
    return out


def train(
    data_root: Path,
    out: Path = WEIGHTS,
    *,
    seed: int = 0,
    epochs: int = EPOCHS,
    batch_size: int = BATCH_SIZE,
    lr: float = LEARNING_RATE,
    progress: bool = True,
) -> dict:
    """Train DemoInception on data_root/train, save fp16 weights to out and the record beside it (out.json)."""
    data_root, out = Path(data_root), Path(out)
    if epochs < 1 or batch_size < 2:
        raise ValueError(f"need epochs ≥ 1 and batch_size ≥ 2, got epochs={epochs}, batch_size={batch_size}")
    started = time.perf_counter()
    with _reproducible(seed):
        data = load_images(data_root / "train")
        model = DemoInception().to(memory_format=torch.channels_last)
        generator = torch.Generator().manual_seed(seed)
        optimizer = torch.optim.SGD(
            model.parameters(), lr=lr, momentum=MOMENTUM, nesterov=True, weight_decay=WEIGHT_DECAY
        )
        steps = _steps(len(data[0]), batch_size)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=epochs * steps)
        history, step_losses = [], []
        with tqdm(total=epochs * steps, desc="training demo-inception", unit="step", disable=not progress) as bar:
            for epoch in range(1, epochs + 1):
                losses = _epoch(model, data, batch_size, optimizer, schedule, generator, bar)
                step_losses += losses
                accuracy = evaluate(model, data_root / "heldout")
                history.append(
                    {
                        "epoch": epoch,
                        "train_loss": round(sum(losses) / len(losses), 4),
                        "heldout_accuracy": round(accuracy, 4),
                    }
                )
                bar.write(
                    f"epoch {epoch}/{epochs}: train loss {history[-1]['train_loss']:.4f}, "
                    f"held-out accuracy {accuracy:.2%}"
                )
        seconds = time.perf_counter() - started
        threads = torch.get_num_threads()
    run = {"seed": seed, "epochs": epochs, "batch_size": batch_size, "peak_lr": lr}
    record = _record(data_root, save_weights(model, out), run, history, seconds, threads)
    print(
        f"demo-inception: held-out accuracy {record['heldout_accuracy']:.2%} "
        f"({record['data']['heldout_images']} images), {seconds:.0f} s; weights {out}"
    )
    return record | {"step_losses": step_losses}


def _record(data_root: Path, out: Path, run: dict, history: list[dict], seconds: float, threads: int) -> dict:
    """What the run did and what it reached, measured on the saved fp16 weights as the zoo loads them."""
    counts = confusion(build(out).module, data_root / "heldout")
    record = {
        "model": MODEL_ID,
        "weights": out.name,
        "sha256": sha256_file(out),
        "bytes": out.stat().st_size,
        **run,
        "optimizer": {
            "name": "SGD",
            "nesterov": True,
            "momentum": MOMENTUM,
            "weight_decay": WEIGHT_DECAY,
            "schedule": "one-cycle",
            "label_smoothing": LABEL_SMOOTHING,
        },
        "augmentation": "random flips and transpose (the 8 symmetries of the square)",
        "data": {
            "train": _settings(data_root / "train"),
            "heldout": _settings(data_root / "heldout"),
            "train_images": sum(1 for _ in (data_root / "train").glob("*/*.png")),
            "heldout_images": int(counts.sum()),
        },
        "heldout_accuracy": round(float(counts.diag().sum() / counts.sum()), 4),
        "families": list(FAMILIES),
        "confusion": counts.tolist(),  # rows: true family, columns: predicted, in `families` order
        "history": history,
        "seconds": round(seconds, 1),
        "threads": threads,
        "torch": torch.__version__,
    }
    out.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def _settings(root: Path) -> dict:
    """The stimulus set's generation settings from its manifest, when the generator left one."""
    try:
        return json.loads((root / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}


if __name__ == "__main__":  # python -m precompute.demo.train [WORKDIR]: regenerate the data, retrain the shipped file
    import sys

    from ..threads import available_cpus, use_threads

    use_threads(available_cpus())  # the shipped file was trained alone, on every core (its record says how many)
    train(make_data(Path(sys.argv[1] if len(sys.argv) > 1 else "demo-data")), WEIGHTS)
