"""Result pages downloaded a few at a time, handed over in order, in bounded memory; and
CSV read straight from a byte stream, converted per column.

    for batch in ordered(sources, workers=5, depth=2): ...

`sources` yields callables, each returning the batches of one page. Up to `workers`
pages download at once, each in its own thread, each holding at most `depth` parsed
batches the consumer has not taken yet: a page ahead of the one being consumed waits
(its socket fills and TCP slows the server) instead of growing. So at most
`workers × (depth + 1)` batches are alive, whatever the row count. Batches come out in
page order, so rows keep the result set's order (and the import's `_wk_row` numbering
is the same as a sequential download's). A page's error is raised at that page's turn;
closing the iterator early stops every thread and waits for it.

    for batch in ordered(sources, workers=5, ahead=4): ...

With `ahead`, the bound is on all pages together instead: at most `ahead` parsed
batches the consumer has not taken, whichever pages hold them (the page being consumed
may always hold one, or it could never finish). So memory is the same whether one page
downloads (a small result: one server page) or five: it does not grow with the row
count. A page waits for a free slot before it parses its next batch; pages not yet
consumed keep their data in the kernel's socket buffers meanwhile.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from crmlink.connectors.batches import ColumnBatch
from crmlink.connectors.columns import utc_moments
from crmlink.connectors.salesforce import values
from crmlink.model import FieldKind, RemoteTable

Source = Callable[[], Iterator[list[dict[str, Any]]]]
_END = object()
_IDENTITY = values.reader(FieldKind.STRING)
_DATETIME = values.reader(FieldKind.DATETIME)


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Slots:
    """Parsed batches not yet taken by the consumer, all pages together: at most `limit`;
    the page being consumed (`head`) may hold one beyond it.

    A freed slot wakes one waiting page, the one that may take it nearest the head, not
    every page: each page woken for nothing retakes the GIL from the threads doing the
    work (a 1,000,000-row import woke pages 7,728 times for 2,010 slots with
    `notify_all`). Waits still time out (`WAIT`), so a wake-up lost to a race costs at
    most that, never a stall; `wasted` counts the wakes that found no slot."""

    WAIT = 0.05

    def __init__(self, limit: int, stop: threading.Event) -> None:
        self.limit, self.stop = limit, stop
        self.used, self.head, self.wasted = 0, 0, 0
        self.lock = threading.Lock()
        self.waiting: dict[int, tuple[_Page, threading.Condition]] = {}  # by page index

    def take(self, page: _Page) -> bool:
        """Wait for a slot for `page`'s next batch (False: stopped)."""
        with self.lock:
            woken = False
            while not self.stop.is_set():
                if self._may_take(page):
                    self.used += 1
                    page.held += 1
                    return True
                self.wasted += woken
                wake = threading.Condition(self.lock)
                self.waiting[page.index] = (page, wake)
                woken = wake.wait(self.WAIT)
                self.waiting.pop(page.index, None)  # gone already when woken
            return False

    def give(self, page: _Page) -> None:
        with self.lock:
            self.used -= 1
            page.held -= 1
            self._wake()

    def advance(self) -> None:
        with self.lock:
            self.head += 1
            self._wake()

    def _may_take(self, page: _Page) -> bool:
        return self.used < self.limit or self._may_exceed(page)

    def _may_exceed(self, page: _Page) -> bool:
        """The head page holding nothing may take a slot beyond the limit (else the
        consumer could wait on it forever)."""
        return page.index == self.head and page.held == 0

    def _wake(self) -> None:
        """Wake the waiting pages that may take a slot now: the head page if it may, and
        as many of the others, nearest the head first, as slots are free (lock held)."""
        free = self.limit - self.used
        for index in sorted(self.waiting):
            page, wake = self.waiting[index]
            if free <= 0 and not self._may_exceed(page):
                continue
            del self.waiting[index]
            wake.notify()
            free -= 1


class _Page:
    """One page downloading in its own thread into a queue of at most `depth` batches,
    or, with `slots`, of as many as the slots it gets."""

    def __init__(
        self,
        produce: Source,
        depth: int,
        stop: threading.Event,
        slots: _Slots | None = None,
        index: int = 0,
    ) -> None:
        self.queue: queue.Queue[object] = queue.Queue(maxsize=0 if slots else depth)
        self.stop, self.slots, self.index, self.held = stop, slots, index, 0
        self.thread = threading.Thread(
            target=self._run, args=(produce,), name="crmlink-result-page", daemon=True
        )
        self.thread.start()

    def _run(self, produce: Source) -> None:
        try:
            with contextlib.closing(produce()) as batches:  # type: ignore[type-var]
                while self._slot():
                    try:
                        batch = next(batches, _END)
                    except BaseException:
                        self._unslot()
                        raise
                    if batch is _END:
                        self._unslot()
                        break
                    if not self._put(batch):
                        return
                else:
                    return  # stopped
            self._put(_END)
        except BaseException as exc:  # handed to the consumer, raised at this page's turn
            self._put(_Failed(exc))

    def _slot(self) -> bool:
        """Room for one more batch (with `slots`: wait for one), False once stopped."""
        if self.slots is None:
            return not self.stop.is_set()
        return self.slots.take(self)

    def _unslot(self) -> None:
        """Give back the slot taken for a batch that never came (the end, an error)."""
        if self.slots is not None:
            self.slots.give(self)

    def _put(self, item: object) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def batches(self) -> Iterator[list[dict[str, Any]]]:
        while True:
            item = self.queue.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            if self.slots is not None:
                self.slots.give(self)
            yield item  # type: ignore[misc]


def ordered(
    sources: Iterable[Source], workers: int = 5, depth: int = 2, ahead: int | None = None
) -> Iterator[list[dict[str, Any]]]:
    """The batches of every source, in order, `workers` sources downloading at once;
    at most `depth` batches waiting per page, or `ahead` for all pages together."""
    stop, running, pending = threading.Event(), deque[_Page](), iter(sources)
    slots = _Slots(ahead, stop) if ahead is not None else None
    started = 0
    try:
        while True:
            while len(running) < workers and (produce := next(pending, None)) is not None:
                running.append(_Page(produce, depth, stop, slots, started))
                started += 1
            if not running:
                return
            yield from running[0].batches()
            running.popleft().thread.join()
            if slots is not None:
                slots.advance()
    finally:
        stop.set()
        for page in running:
            page.thread.join()


# -- CSV from bytes ------------------------------------------------------------------------
class ByteChunks(io.RawIOBase):
    """A readable raw stream over an iterator of byte chunks (an httpx body). `nul`: some
    chunk read so far held a NUL byte; until then no text decoded from it holds U+0000
    (UTF-8 writes that character as that byte, and only so), so the cells parsed so far
    need no NUL search of their own."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._rest = chunks, memoryview(b"")
        self.nul = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self.nul = self.nul or b"\x00" in chunk  # one memchr per chunk
            self._rest = memoryview(chunk)
        size = min(len(buffer), len(self._rest))
        buffer[:size] = self._rest[:size]
        self._rest = self._rest[size:]
        return size


def text_stream(chunks: Iterator[bytes] | ByteChunks) -> io.TextIOWrapper:
    """UTF-8 text over byte chunks, decoded as read (no whole-page string); newline=""
    as the csv module needs, so quoted line breaks survive."""
    raw = chunks if isinstance(chunks, ByteChunks) else ByteChunks(chunks)
    return io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding="utf-8", newline="")


def batch_reader(
    table: RemoteTable, header: list[str], rows: bool = True
) -> Callable[..., ColumnBatch]:
    """Convert Bulk CSV rows (cells under `header`) into rows, one column at a time:
    one converter per column chosen once, "" is None, text columns are not called.
    `rows=False`: batches whose dicts are made only by `fill()`. The reader's
    `nul_free=True` says no cell holds a NUL (`ByteChunks.nul`)."""
    names, converters, kept = [], [], []
    for index, name in enumerate(header):
        field = table.field(name)
        names.append(field.name if field else name)
        kind = field.kind if field else FieldKind.STRING
        converters.append(_column_reader(kind))
        if kind == FieldKind.DATETIME or converters[-1] is _texts:
            kept.append(index)
    named = tuple(names)
    plain = frozenset(names[i] for i, convert in enumerate(converters) if convert is _texts)
    utc = frozenset(names[i] for i, convert in enumerate(converters) if convert is _datetimes)

    def read(cells: list[list[str]], nul_free: bool = False) -> ColumnBatch:
        batch = ColumnBatch(names=named)
        if not cells:
            batch.columns = {name: [] for name in names}
            return batch
        columns = list(zip(*cells, strict=True))  # every row as long as the first…
        converted = []
        for name, convert, column in zip(
            names, converters, columns, strict=True
        ):  # …and the header
            if convert is _texts:
                values, batch.longest[name] = _texts(column)
                converted.append(values)
            else:
                converted.append(convert(column))
        batch.columns = dict(zip(names, converted, strict=True))
        batch.texts = {names[i]: columns[i] for i in kept}
        batch.plain, batch.utc, batch.nul_free = plain, utc, nul_free
        batch.size = len(cells)
        if rows:
            batch.fill()
        return batch

    return read


# Each reader takes a column's CSV cells (a tuple of str) and returns its values, "" as
# None. Where no cell is empty, a C-level `map` of the converter does the column.
Cells = tuple[str, ...]


def _column_reader(kind: FieldKind) -> Callable[[Cells], Any]:
    """The cells of one column converted (`values.reader` of the kind), "" as None (for
    text kinds: `_texts`, which also gives the longest text)."""
    convert = values.reader(kind)
    if convert is _IDENTITY:
        return _texts
    if kind == FieldKind.DATETIME:
        return _datetimes
    if kind == FieldKind.BOOLEAN:
        return _booleans
    return functools.partial(_converted, _CSV_FAST.get(convert, convert), convert)


def _texts(cells: Cells) -> tuple[list[str | None], int]:
    """A text column's values and its longest text, from one C pass over the lengths
    (0 is an empty cell: the column has nulls), while the texts are fresh in cache."""
    lengths = set(map(len, cells))
    if 0 not in lengths:  # most text columns of a batch have no null
        return list(cells), max(lengths)
    return [c or None for c in cells], max(lengths)  # a str is false only when ""


def _converted(
    fast: Callable[[str], Any], convert: Callable[[str], Any], cells: Cells
) -> list[Any]:
    """`fast` over the cells (the same value as `convert` wherever it does not raise);
    on any error the column again by `convert`, which raises its own or reads the cell."""
    try:
        if "" not in cells:
            return list(map(fast, cells))
        return [fast(c) if c else None for c in cells]
    except (ValueError, TypeError, ArithmeticError):
        if fast is convert:
            raise
    return [convert(c) if c else None for c in cells]


# `values` readers -> their equal on CSV text (a str), a C function: `Decimal(str(v))`
# is `Decimal(v)`; `date.fromisoformat(v[:10])` is `date.fromisoformat(v)` for any v
# it reads, since every date form it reads has at most 10 characters (a longer cell
# fails, and `_converted` takes `values`' reading then)
_CSV_FAST: dict[Callable[[Any], Any], Callable[[str], Any]] = {
    values.reader(FieldKind.DECIMAL): Decimal,
    values.reader(FieldKind.DATE): dt.date.fromisoformat,
}
# Bulk CSV says true or false: a lookup for those, `values` for anything else
_BOOLEAN_TEXTS = {"true": True, "false": False, "": None}
_BOOLEAN_KEYS = frozenset(_BOOLEAN_TEXTS)


def _booleans(cells: Cells) -> list[bool | None]:
    if _BOOLEAN_KEYS.issuperset(cells):
        return list(map(_BOOLEAN_TEXTS.__getitem__, cells))
    convert = values.reader(FieldKind.BOOLEAN)
    return [_BOOLEAN_TEXTS[c] if c in _BOOLEAN_KEYS else convert(c) for c in cells]


def _datetimes(cells: Cells) -> list[Any]:  # aware UTC datetimes and None
    """A Bulk CSV datetime column: `fromisoformat` mapped over it when no cell is empty
    and every value comes out in UTC (Salesforce's `…+0000`), else cell by cell. Either
    way every value is in `dt.UTC` (`values` reads any other offset into it) or None."""
    if "" not in cells and (moments := utc_moments(cells)) is not None:
        return moments
    return [_datetime(c) if c else None for c in cells]


def _datetime(text: str) -> dt.datetime:
    """`values` reading of a datetime, without its `astimezone` when already in UTC (a
    Bulk CSV cell always is: `2024-05-01T10:30:15.000+0000`)."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return _DATETIME(text)  # its error, or whatever else it reads
    return moment if moment.tzinfo is dt.UTC else _DATETIME(text)
