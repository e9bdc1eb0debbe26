"""The file format of stored weight tensors: NumPy's `.npy`, read by numpy and torch without this package.

A layer pair's weights W[out, in, kh, kw] are one C-ordered float16 `.npy` file (NPY format 1.0), content-addressed
like every asset. `out` indexes the later layer's units, `in` the earlier layer's, and (kh, kw) the spatial window
of the earlier layer's map that a unit at the centre of the later one reads (1 × 1 for a linear layer):

    import numpy as np, torch
    w = np.load("….npy")            # (out, in, kh, kw) float16
    t = torch.from_numpy(w).float()

`FORMAT` names this layout; a future layout gets a new name, and readers refuse names they do not know.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

FORMAT = "npy-oihw-fp16/1"
DTYPE = "float16"
EXT = "npy"


def encode(weights: np.ndarray) -> bytes:
    """The `.npy` bytes of a 4-D tensor, stored as C-ordered float16."""
    if weights.ndim != 4:
        raise ValueError(f"weight tensors are (out, in, kh, kw); got shape {weights.shape}")
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(weights, dtype=np.float16), allow_pickle=False)
    return buffer.getvalue()


def load(path: Path, fmt: str = FORMAT) -> np.ndarray:
    """The tensor in a stored file, memory-mapped read-only (a row or column reads only what it needs)."""
    if fmt != FORMAT:
        raise ValueError(f"weight tensor format {fmt!r} is not one this microscope reads ({FORMAT})")
    return np.load(path, mmap_mode="r", allow_pickle=False)
