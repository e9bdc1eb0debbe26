"""Connection clusters: the SVD of a layer pair's |W| summed over space, as the Circuits articles draw it.

M[out, in] = Σ over the kernel window of |W[out, in, kh, kw]|, computed in float64 from the stored float16 tensor, so
`numpy.linalg.svd` of the stored file gives the same numbers (up to each component's sign, fixed here so that its
largest-magnitude later-layer entry is positive).
"""

from __future__ import annotations

import numpy as np

from store.records import SvdRecord

COMPONENTS = 8  # components kept per layer pair: enough to order a grid by any of the first few


def connection_matrix(tensor: np.ndarray) -> np.ndarray:
    """|W| summed over space, (out, in), float64."""
    return np.abs(np.asarray(tensor, dtype=np.float64)).sum(axis=(2, 3))


def weight_svd(tensor: np.ndarray, components: int = COMPONENTS) -> SvdRecord:
    """Singular values of |W| summed over space, and both layers' units on its first `components` components."""
    u, s, vt = np.linalg.svd(connection_matrix(tensor), full_matrices=False)
    k = min(components, len(s))
    u, v = u[:, :k], vt[:k].T
    signs = np.sign(u[np.abs(u).argmax(axis=0), np.arange(k)])
    signs[signs == 0] = 1.0
    return SvdRecord(s.tolist(), (u * signs).tolist(), (v * signs).tolist())
