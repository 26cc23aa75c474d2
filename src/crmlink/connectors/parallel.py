"""Calls in parallel, results in input order: `ordered(calls, workers)`.

The writers use it to keep several CRM calls in flight (sObject Collections, Bulk 2.0
ingest jobs, Dataverse `CreateMultiple` batches) while the caller still sees one result
stream in input order, so the export journal records results exactly as it would
sequentially. Only the calls run in worker threads: `calls` itself (which may read the
caller's database or files) is advanced in the caller's thread, one call ahead of the
free workers, so at most `workers` calls are in flight and pending.

A call that raises does not hide the others: the calls already in flight are finished
and their results yielded (their rows were sent; the journal must know them), no new
call starts, then the first error is raised.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def ordered(calls: Iterable[Callable[[], T]], workers: int) -> Iterator[T]:
    """Each call's value, in the order of `calls`, at most `workers` running at once."""
    if workers <= 1:
        yield from (call() for call in calls)
        return
    pending: deque[Future[T]] = deque()
    failure: BaseException | None = None
    source = iter(calls)
    with ThreadPoolExecutor(workers, thread_name_prefix="crmlink-call") as pool:
        try:
            while True:
                while failure is None and len(pending) < workers:
                    call = next(source, None)
                    if call is None:
                        break
                    pending.append(pool.submit(call))
                if not pending:
                    break
                error = pending[0].exception()
                done = pending.popleft()
                if error is not None:
                    failure = failure or error
                    continue
                yield done.result()
        finally:
            for future in pending:  # the consumer stopped early: start nothing more
                future.cancel()
    if failure is not None:
        raise failure
