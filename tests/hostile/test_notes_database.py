"""The notes database deleted, then made anew, under `microscope serve --workers 2`: every worker answers alike.

Each phase sends rounds of concurrent requests until every worker has answered some of them (each worker's written
bytes grow: it logs every answer) and holds open only what it should (Linux /proc): the file at the path, or nothing
once it is deleted. Reads that fail carry a query of their own: identical uncacheable requests at once are the
response cache's business (defect 1), not the notes'.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import pytest

from notes import tokens
from notes.book import NotesBook
from tests.hostile.conftest import serving
from tests.live import clean_env, microscope_command

UNIT = "/models/toy-net/layers/block1/units/2"
NOTE = "/api/v1/models/toy-net/layers/block1/units/2/note"
OTHER_NOTE = "/api/v1/models/toy-net/layers/block1/units/3/note"
OLD_LABEL = "label-in-the-deleted-database"
ROUNDS, PER_ROUND = 25, 16  # at most 400 requests a phase; a phase ends as soon as every worker has answered
Answer = tuple[str, int, str]  # what was asked, the status, the body
Ask = Callable[[int], Answer]


@dataclass(frozen=True)
class Served:
    """`microscope serve --workers 2` over a notes database: its URL, its workers, the file and alice's token."""

    url: str
    workers: list[int]
    path: Path
    token: str

    def ask(self, what: str, method: str, path: str, token: str = "", label: str = "") -> Answer:
        """One request; `label` makes it a note written with `token`."""
        data = json.dumps({"label": label, "body": ""}).encode() if label else None
        headers = {"content-type": "application/json"} | ({"authorization": f"Bearer {token}"} if token else {})
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return what, response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return what, error.code, error.read().decode()


def _workers(pid: int, expected: int = 2) -> list[int]:
    """The worker processes `pid` spawned (uvicorn starts each through multiprocessing; Linux /proc)."""
    for _ in range(300):  # the server answers once one worker is up; the other may still be importing
        children = [c for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]
        workers = [int(c) for c in children if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]
        if len(workers) == expected:
            return workers
        time.sleep(0.2)
    raise AssertionError(f"microscope serve ran {len(workers)} workers, not {expected}")


def _written(pid: int) -> int:
    """The bytes a process has written (Linux /proc): a worker writes a log line for every answer."""
    return int(Path(f"/proc/{pid}/io").read_text().split("wchar:")[1].split()[0])


def _held(pid: int, path: Path) -> list[str]:
    """The files at `path` that process `pid` holds open: 'current' (the one there now), else 'stale'."""
    now = os.stat(path) if path.exists() else None
    held = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd) in (str(path), f"{path} (deleted)"):
                opened = os.stat(fd)  # the open file itself, deleted or not
                same = now is not None and (opened.st_dev, opened.st_ino) == (now.st_dev, now.st_ino)
                held.append("current" if same else "stale")
        except FileNotFoundError:  # closed meanwhile
            continue
    return held


@dataclass
class Phase:
    """Every answer of a phase, and where the workers stood if some never got where the phase wanted them."""

    answers: list[Answer]
    unsettled: str = ""

    def of(self, *what: str) -> list[Answer]:
        """The answers to the requests named `what`."""
        return [answer for answer in self.answers if answer[0] in what]


def _phase(served: Served, asks: list[Ask], holding: Callable[[list[str]], bool]) -> Phase:
    """Rounds of concurrent requests (`asks` in turn) until every worker has answered some and what each holds open
    satisfies `holding`."""
    phase = Phase([])
    answered: set[int] = set()
    numbers = count()
    with ThreadPoolExecutor(8) as pool:
        for _ in range(ROUNDS):
            before = {pid: _written(pid) for pid in served.workers}
            phase.answers += pool.map(lambda n: asks[n % len(asks)](n), [next(numbers) for _ in range(PER_ROUND)])
            answered |= {pid for pid in served.workers if _written(pid) > before[pid]}
            held = {pid: _held(pid, served.path) for pid in served.workers}
            if answered == set(served.workers) and all(holding(files) for files in held.values()):
                return phase
    phase.unsettled = f"after {len(phase.answers)} requests: workers that answered {answered}, files held {held}"
    return phase


@pytest.fixture
def served(hostile_store: Path, tmp_path: Path) -> Iterator[Served]:
    """Two workers over a notes database holding alice's token and her note on unit 2, each having shown the note."""
    path = tmp_path / "var" / "notes.sqlite"
    book = NotesBook(f"sqlite:///{path}")
    with book.writing() as session:
        token = tokens.create(session, "alice")
    book.put("toy-net", "block1", 2, label=OLD_LABEL, body="", author="alice")
    book.engine.dispose()
    env = clean_env(MICROSCOPE_NOTES_DB=book.url)
    with serving(hostile_store, "--workers", "2", env=env, log=tmp_path / "serve.log") as (url, process):
        served = Served(url, _workers(process.pid), path, token)
        page = [lambda n: served.ask("page", "GET", UNIT)]  # cached by each worker at the note's generation
        shown = _phase(served, page, lambda held: "current" in held)
        assert all(status == 200 and OLD_LABEL in body for _, status, body in shown.answers) and not shown.unsettled
        yield served


def test_a_deleted_database_is_the_same_503_on_every_worker_and_a_new_one_works_on_every_worker(
    served: Served,
) -> None:
    served.path.unlink()
    deleted = _phase(
        served,
        [
            lambda n: served.ask("note", "GET", f"{NOTE}?n={n}"),
            lambda n: served.ask("history", "GET", f"/api/v1/notes/history?n={n}"),
            lambda n: served.ask("write", "PUT", NOTE, served.token, "written after the deletion"),
            lambda n: served.ask("page", "GET", UNIT),
            lambda n: served.ask("unit json", "GET", f"/api/v1{UNIT}"),
        ],
        lambda held: held == [],  # every worker let go of the deleted file
    )
    notes = deleted.of("note", "history", "write")
    assert {status for _, status, _ in notes} == {503}, [(what, status, body[:200]) for what, status, body in notes][:8]
    details = {json.loads(body)["detail"] for _, _, body in notes}
    assert len(details) == 1 and "deleted" in next(iter(details)) and "MICROSCOPE_NOTES_DB" in next(iter(details))
    store = deleted.of("page", "unit json")
    assert {status for _, status, _ in store} == {200}
    assert all(OLD_LABEL not in body for _, _, body in deleted.answers)
    assert all("notes-unavailable" in body for _, _, body in deleted.of("page"))
    assert not deleted.unsettled, deleted.unsettled  # every worker answered, and let go of the deleted file
    assert not served.path.exists()  # nothing made a database in its place

    made = subprocess.run(
        microscope_command("tokens", "create", "bob", "--notes-db", f"sqlite:///{served.path}"),
        env=clean_env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    bob = made.stdout.strip()
    first = served.ask("write", "PUT", OTHER_NOTE, bob, "bob's")  # the new file's generation is the old one's again
    assert first[1] == 200, first
    pages = _phase(served, [lambda n: served.ask("page", "GET", UNIT)], lambda held: set(held) == {"current"})
    assert {(status, OLD_LABEL in body, "notes-unavailable" in body) for _, status, body in pages.answers} == {
        (200, False, False)
    }
    assert not pages.unsettled, pages.unsettled  # every worker reads the new file, none the deleted one

    writes = _phase(served, [lambda n: served.ask("bob", "PUT", OTHER_NOTE, bob, f"bob {n}")], lambda _: True)
    assert {status for _, status, _ in writes.answers} == {200} and not writes.unsettled
    refused = _phase(served, [lambda n: served.ask("alice", "PUT", OTHER_NOTE, served.token, "x")], lambda _: True)
    assert {status for _, status, _ in refused.answers} == {403} and not refused.unsettled
