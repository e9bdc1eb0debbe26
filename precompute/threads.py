"""How many CPU threads torch uses: half the machine's by default, so two runs side by side do not thrash.

Torch takes every core by default. Two such processes on a 2-core machine (the demo while the tests run) were
5–10× slower than alone; with one thread each, each ran about as fast as alone. Torch is imported only to apply
the limit, so this module can be imported where torch is not installed (tests/conftest.py).
"""

from __future__ import annotations

import os
from contextlib import suppress

ENVVAR = "MICROSCOPE_THREADS"


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one, e.g. under taskset or Docker)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_threads() -> int:
    """Half the CPUs this process may use, at least one."""
    return max(1, available_cpus() // 2)


def use_threads(threads: int | None = None) -> int:
    """Limit torch's intra-op and inter-op threads to `threads` (default: `default_threads()`); returns the number."""
    import torch

    count = threads or default_threads()
    torch.set_num_threads(count)
    if torch.get_num_interop_threads() != count:
        # Torch allows setting inter-op threads only once, before any inter-op work: a second run in the same
        # process (tests, the demo's precompute after its training) keeps the first value.
        with suppress(RuntimeError):
            torch.set_num_interop_threads(count)
    return count


def threads_line(threads: int) -> str:
    """The line a run starts with, saying how many threads it uses and how to change that."""
    unit = "thread" if threads == 1 else "threads"
    return f"using {threads} CPU {unit} of {available_cpus()} (--threads N or {ENVVAR} to change)"
