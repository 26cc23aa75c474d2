"""The parallel download's machinery without a network: pages handed over in order
whatever order they finish in, a fixed number of batches alive whatever the row count,
errors at their page's turn, early stops that end every thread; the CSV byte stream and
the per-column converters."""

from __future__ import annotations

import csv
import datetime as dt
import threading

import pytest

from crmlink.connectors.salesforce import pages
from crmlink.model import FieldKind, RemoteField, RemoteTable


class Batch(list):
    """A batch that counts how many batches are alive (made, not yet freed)."""

    lock = threading.RLock()  # __del__ may run inside __init__'s lock (a GC pass)
    alive = 0
    most = 0

    def __init__(self, *args) -> None:
        super().__init__(*args)
        with Batch.lock:
            Batch.alive += 1
            Batch.most = max(Batch.most, Batch.alive)

    def __del__(self) -> None:
        with Batch.lock:
            Batch.alive -= 1


@pytest.fixture(autouse=True)
def counted():
    Batch.alive = Batch.most = 0


def page(number: int, batches: int, rows: int = 3):
    def produce():
        for b in range(batches):
            yield Batch([(number, b, r) for r in range(rows)])

    return produce


def no_page_threads() -> bool:
    return not [t for t in threading.enumerate() if t.name == "crmlink-result-page"]


def test_pages_come_out_in_source_order_even_when_later_ones_finish_first():
    first_may_go = threading.Event()

    def slow_first():
        first_may_go.wait(10)  # set only once the last page has produced everything
        yield Batch([("first",)])

    def last():
        yield Batch([("last",)])
        first_may_go.set()

    out = [
        row for batch in pages.ordered([slow_first, page(1, 2), last], workers=3) for row in batch
    ]
    assert out[0] == ("first",) and out[-1] == ("last",)
    assert out[1:-1] == [(1, b, r) for b in range(2) for r in range(3)]


@pytest.mark.parametrize("count", [10, 60])
def test_batches_alive_at_once_stay_under_the_bound_whatever_the_row_count(count):
    workers, depth = 3, 1
    sources = [page(n, batches=count) for n in range(count // 5)]
    seen = 0
    for batch in pages.ordered(sources, workers=workers, depth=depth):
        seen += len(batch)
        del batch
    assert seen == (count // 5) * count * 3
    # each page thread: `depth` queued + one being made; the consumer: one (+ one freeing)
    assert Batch.most <= workers * (depth + 1) + 2


@pytest.mark.parametrize("pages_at_once", [1, 5])
def test_with_ahead_the_batches_alive_do_not_depend_on_how_many_pages_download(pages_at_once):
    """One page (a small result) or five (a big one): the same batches alive at most."""
    ahead, made = 3, []

    def source(number: int):
        def produce():
            for b in range(40):
                made.append(number)
                yield Batch([(number, b)])

        return produce

    sources = [source(n) for n in range(pages_at_once)]
    seen = []
    for batch in pages.ordered(sources, workers=5, ahead=ahead):
        seen.extend(batch)
        del batch
    assert seen == [(n, b) for n in range(pages_at_once) for b in range(40)]
    # `ahead` waiting, the head page's one beyond them, one being made, the consumer's
    assert Batch.most <= ahead + 3
    assert no_page_threads()


def test_a_freed_slot_wakes_a_page_that_can_take_it_not_every_waiting_page(monkeypatch):
    """Five pages wait on three slots: each slot the consumer frees wakes one page, so
    few pages are woken to find no slot (with `notify_all`, over two a batch)."""
    made: list[pages._Slots] = []

    class Recorded(pages._Slots):
        def __init__(self, *args) -> None:
            super().__init__(*args)
            made.append(self)

    monkeypatch.setattr(pages, "_Slots", Recorded)
    sources = [page(n, batches=100, rows=1) for n in range(5)]
    seen = [row for batch in pages.ordered(sources, workers=5, ahead=3) for row in batch]
    assert seen == [(n, b, 0) for n in range(5) for b in range(100)]
    (slots,) = made
    # a page woken may still lose its slot to one that was not waiting (3-5 here, 34 on a
    # loaded CI machine, over 100 once beside another test worker); waking every page
    # wakes about two for nothing a batch, over 1,000
    assert slots.wasted <= 300, f"{slots.wasted} wake-ups found no slot for 500 batches"
    assert no_page_threads()


def test_with_ahead_a_failing_page_still_raises_at_its_turn():
    def broken():
        yield Batch([("partial",)])
        raise RuntimeError("page 2 broke")

    got = []
    with pytest.raises(RuntimeError, match="page 2 broke"):
        for batch in pages.ordered([page(0, 6), broken, page(2, 6)], workers=3, ahead=2):
            got.extend(batch)
    assert got == [(0, b, r) for b in range(6) for r in range(3)] + [("partial",)]
    assert no_page_threads()


def test_a_failing_page_raises_at_its_turn_after_the_pages_before_it():
    def broken():
        yield Batch([("partial",)])
        raise RuntimeError("page 2 broke")

    got = []
    with pytest.raises(RuntimeError, match="page 2 broke"):
        for batch in pages.ordered([page(0, 2), broken, page(2, 2)], workers=3):
            got.extend(batch)
    assert got == [(0, b, r) for b in range(2) for r in range(3)] + [("partial",)]
    assert no_page_threads()


def test_closing_early_stops_and_joins_every_page_thread():
    closed = []

    def endless(number):
        def produce():
            try:
                while True:
                    yield Batch([(number,)])
            finally:
                closed.append(number)

        return produce

    stream = pages.ordered([endless(n) for n in range(4)], workers=4, depth=1)
    assert next(stream) == [(0,)]
    stream.close()
    assert sorted(closed) == [0, 1, 2, 3]  # every source's `finally` ran (streams closed)
    assert no_page_threads()


def test_text_stream_keeps_quoted_newlines_and_characters_split_across_chunks():
    text = 'Id,Name\n1,"two\nlines"\n2,"Zoë, ümlaut ✓"\n'
    data = text.encode()
    chunks = iter([data[i : i + 3] for i in range(0, len(data), 3)])  # cuts inside ë, ✓
    assert list(csv.reader(pages.text_stream(chunks), strict=True)) == [
        ["Id", "Name"],
        ["1", "two\nlines"],
        ["2", "Zoë, ümlaut ✓"],
    ]


def table() -> RemoteTable:
    fields = (
        RemoteField("Id", "Id", "id", FieldKind.ID),
        RemoteField("Name", "Name", "string", FieldKind.STRING),
        RemoteField("Stamp", "Stamp", "datetime", FieldKind.DATETIME),
        RemoteField("Count", "Count", "int", FieldKind.INTEGER),
    )
    return RemoteTable("Thing", "Thing", False, "Id", "Stamp", fields)


def test_batch_reader_converts_per_column_and_empty_cells_are_none():
    read = pages.batch_reader(table(), ["id", "Name", "Stamp", "Count", "Extra"])
    rows = read([["1", "a", "2024-05-01T10:00:00.000+0000", "7", "x"], ["2", "", "", "", ""]])
    assert rows == [
        {
            "Id": "1",
            "Name": "a",
            "Stamp": dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC),
            "Count": 7,
            "Extra": "x",
        },
        {"Id": "2", "Name": None, "Stamp": None, "Count": None, "Extra": None},
    ]
    assert read([]) == []


def test_batch_reader_refuses_a_row_of_another_length():
    read = pages.batch_reader(table(), ["Id", "Name"])
    with pytest.raises(ValueError):
        read([["1", "a"], ["2"]])
    with pytest.raises(ValueError):
        read([["1", "a", "extra"]])
