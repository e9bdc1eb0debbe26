"""Search with a large tour saved: the time of one search (load + rank) against the same search with no tours.

Search reads every saved tour on each query (`app.search.present.load`), so a tour's size is paid by every search. In
one process, over the toy store and a fresh notes database, it times the same query with no saved tour, with one tour at
the stop limit (`MICROSCOPE_LIMIT_TOUR_STOPS`), and with one of `--big` stops written straight into the database
(as a tour saved before the limit could be), and prints each median and its ratio to the empty one.

    PYTHONPATH=$PWD python bench/tour_search.py [--store /tmp/demo] [--query curve] [--big 20000] [--repeat 30]

The machine may be shared: compare the ratios of one run, not absolute times across runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from app.search import present as search
from notes import tours
from notes.book import NotesBook
from notes.tour_file import StopFile, TourFile, TourLimits
from store.reader import StoreReader
from tests.conftest import build_toy_store


def _tour(slug: str, stops: int) -> TourFile:
    made = [StopFile(unit=f"toy-net/conv1:{i % 4}", caption=f"stop {i}: an edge detector") for i in range(stops)]
    return TourFile(slug=slug, title=f"A tour of {stops} stops", stops=made)


def _median(reader: StoreReader, book: NotesBook, query: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        search.rank(query, search.load(reader, query, book))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", type=int, default=20_000, help="stops of the tour saved before the limit")
    parser.add_argument("--repeat", type=int, default=30, help="searches per case (the median is printed)")
    parser.add_argument("--query", default="edge")
    parser.add_argument("--store", type=Path, default=None, help="a store to search (read-only; default: the toy one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        reader = StoreReader(args.store or build_toy_store(Path(folder) / "store"))
        book = NotesBook(f"sqlite:///{Path(folder) / 'notes.sqlite'}")
        cases = {"none": 0, "at the limit": TourLimits().tour_stops, "big": args.big}
        base = None
        for name, stops in cases.items():
            if stops:
                tours.put(book, _tour(name.replace(" ", "-"), stops), author="bench")
            median = _median(reader, book, args.query, args.repeat)
            base = base or median
            print(f"{name:>14} ({stops:>6} stops saved): {median * 1000:8.2f} ms  ratio {median / base:6.2f}")
            if stops:
                tours.delete(book, name.replace(" ", "-"), author="bench")


if __name__ == "__main__":
    main()
