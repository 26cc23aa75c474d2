"""Read ahead: a connector's batches fetched in a thread while the import inserts, with
a bounded queue (at most `depth` batches waiting, whatever the row count), and commits
that keep the database's write lock short.

    commits = Commits(ctx.checkpoint)
    for batch in read_ahead(batches, depth=4, idle=commits.idle):
        insert(batch); commits.added(len(batch))

`idle()` runs on the consumer's thread once it has waited IDLE_AFTER for the CRM (the
queue stayed empty): the rows inserted so far are committed then, so no write lock is
held while the CRM answers; while batches keep coming, `Commits` commits every `every`
rows.
Closing the iterator (a `limit` reached, an error) stops the thread and waits for it.

`fewer_collections()` raises the cyclic garbage collector's first threshold while an
import runs: a load allocates and frees millions of short-lived lists and tuples (no
cycles among them), and at the default 700 the collector ran thousands of times per
million rows, scanning the batches in flight each time (about a tenth of the CPU).
"""

from __future__ import annotations

import contextlib
import gc
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

Batch = list[dict[str, Any]]
COMMIT_ROWS = 20_000  # rows inserted between commits while the CRM keeps up
# a wait for the next batch longer than this commits first: a queue empty for a moment
# (the download a little behind the inserts) costs no commit (an fsync each), and the
# write lock is held at most this much longer while the CRM answers
IDLE_AFTER = 0.05
GC_YOUNG = 50_000  # allocations between young collections while an import loads
_END = object()
_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, ...] = ()


class Commits:
    """Commit discipline of one import: every `every` rows, and before any wait."""

    def __init__(self, commit: Callable[[], None], every: int = COMMIT_ROWS) -> None:
        self.commit, self.every, self.pending = commit, every, 0

    def added(self, rows: int) -> None:
        self.pending += rows
        if self.pending >= self.every:
            self.idle()

    def idle(self) -> None:
        if self.pending:
            self.commit()
            self.pending = 0


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(
    batches: Iterator[Batch], depth: int, idle: Callable[[], None] = lambda: None
) -> Iterator[Batch]:
    """`batches`, produced in a thread at most `depth` ahead of the consumer."""
    waiting: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    thread = threading.Thread(
        target=_produce, args=(batches, waiting, stop), name="crmlink-read-ahead", daemon=True
    )
    thread.start()
    try:
        while True:
            try:
                item = waiting.get(timeout=IDLE_AFTER)
            except queue.Empty:
                idle()  # waiting for the CRM: commit first
                item = waiting.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:  # unblock a producer waiting for room
                waiting.get_nowait()
        thread.join()


@contextlib.contextmanager
def stopping(batches: Iterator[Batch]) -> Iterator[None]:
    """Close `batches` when the block ends, early or not (a limit, an error): its
    streams and threads end then, not whenever the garbage collector runs."""
    try:
        yield
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()


@contextlib.contextmanager
def fewer_collections(young: int = GC_YOUNG) -> Iterator[None]:
    """Collect young objects every `young` allocations (not 700) inside the block; the
    thresholds are the process's, so the first import in sets them and the last one out
    puts back what it found (imports may run at once in threads)."""
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            if _gc_saved[0]:  # 0: collection is off, leave it so
                gc.set_threshold(max(young, _gc_saved[0]), *_gc_saved[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_saved)


def _produce(batches: Iterator[Batch], waiting: queue.Queue[object], stop: threading.Event) -> None:
    try:
        for batch in batches:
            if not _put(waiting, batch, stop):
                break
        else:
            _put(waiting, _END, stop)
    except BaseException as exc:  # raised on the consumer's thread
        _put(waiting, _Failed(exc), stop)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()  # a generator's `with` blocks (HTTP streams, page threads) end here


def _put(waiting: queue.Queue[object], item: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            waiting.put(item, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False
