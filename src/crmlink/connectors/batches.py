"""`Batches`: what a connector's `read` returns — its batches of rows, and their total.

    batches = connector.read("Contact", ["Id", "Email"])
    for batch in batches:
        print(len(batch), "of", batches.total)   # None when the CRM gave no count

`total` is how many rows the CRM says the read returns (Salesforce: the `COUNT()` its
read planner asks for anyway; Dataverse: `@odata.count` of the first page, below its
5,000 cap). It is set once the CRM has said it, usually by the first batch; callers read
it with `getattr(batches, "total", None)`, so any iterator of batches still satisfies
the Connector protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator


class Batches(Iterator[list[dict]]):
    """Lazy batches of rows; `produce(self)` yields them and may set `self.total`."""

    def __init__(self, produce: Callable[[Batches], Iterable[list[dict]]]) -> None:
        self.total: int | None = None
        # True: the consumer reads only `len()`, `columns` and `texts` of a column batch
        # (`pages.ColumnBatch`), whose row dicts are then never made; set before the first
        self.columnar = False
        self._batches = iter(produce(self))

    def __iter__(self) -> Batches:
        return self

    def __next__(self) -> list[dict]:
        batch = next(self._batches)
        if not self.columnar:
            fill = getattr(batch, "fill", None)
            if fill is not None:
                fill()  # a column batch made without its dicts
        return batch

    def close(self) -> None:
        """Stop early: the producer's `finally` and `with` blocks run now (open streams,
        download threads), not whenever the garbage collector gets to them."""
        close = getattr(self._batches, "close", None)
        if close is not None:
            close()
