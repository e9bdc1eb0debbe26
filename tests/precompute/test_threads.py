"""Torch's CPU threads: half the cores by default, the number asked for otherwise, and said in one line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from precompute import threads
from precompute.threads import default_threads, threads_line, use_threads


@pytest.fixture
def restore_threads() -> Iterator[None]:
    """Give the test process its thread count back (the suite's other tests run with it)."""
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize(("cpus", "expected"), [(1, 1), (2, 1), (3, 1), (16, 8)])
def test_default_is_half_the_cpus_and_at_least_one(monkeypatch: pytest.MonkeyPatch, cpus: int, expected: int) -> None:
    monkeypatch.setattr(threads, "available_cpus", lambda: cpus)
    assert default_threads() == expected


def test_use_threads_limits_torch_to_the_number_asked(restore_threads: None) -> None:
    assert use_threads(1) == 1 and torch.get_num_threads() == 1


def test_use_threads_defaults_to_half_the_cpus(restore_threads: None) -> None:
    assert use_threads(None) == default_threads() == torch.get_num_threads()


def test_a_second_run_in_one_process_keeps_working(restore_threads: None) -> None:
    torch.ones(4) @ torch.ones(4)  # inter-op threads can no longer be changed
    assert use_threads(2) == 2 and use_threads(1) == 1


def test_the_line_says_how_many_and_how_to_change_it() -> None:
    assert threads_line(1).startswith("using 1 CPU thread of ")
    assert "--threads N or MICROSCOPE_THREADS" in threads_line(2)
