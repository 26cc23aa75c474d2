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

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any


class Batches(Iterator[list[dict]]):
    """Lazy batches of rows; `produce(self)` yields them and may set `self.total`."""

    def __init__(self, produce: Callable[[Batches], Iterable[list[dict]]]) -> None:
        self.total: int | None = None
        # True: the consumer reads only `len()`, `columns` and `texts` of a column batch
        # (`ColumnBatch`), whose row dicts are then never made; set before the first
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


class ColumnBatch(list[dict[str, Any]]):
    """A batch of rows (dicts, as every connector gives them) that also carries its values
    column by column, `columns[field]`, so a consumer working per column (the import's
    loader) need not take the dicts apart again. Salesforce's Bulk pages
    (`salesforce.pages.batch_reader`) and Dataverse's pages (`dynamics.values.column_reader`)
    are made so; `columns` None: a batch of rows only. Consumers must not change the rows.

    The facts a reader knows as it converts, which spare the loader a pass per column:
    - `texts[field]`: the texts of the datetime and text columns as the CRM sent them
      ("" for null), each the text its value was read from;
    - `plain`: the text columns, whose values are those very texts (None for ""), and
      `longest[field]` the length of their longest text;
    - `utc`: the datetime columns, every value an aware datetime in `dt.UTC` or None;
    - `nul_free`: no cell holds a NUL (known from the page's bytes; False: not known).

    A batch made without its dicts (`size` rows) holds none until `fill()` makes them
    (about a third of the CPU of parsing a page): `Batches` fills every batch it hands
    out, unless its consumer said it reads only `len()`, `columns` and `texts`
    (`Batches.columnar`)."""

    def __init__(
        self,
        rows: Iterable[dict[str, Any]] = (),
        *,
        names: tuple[str, ...] = (),
        columns: dict[str, list[Any]] | None = None,
        size: int = 0,
    ) -> None:
        super().__init__(rows)
        self.names, self.columns, self.size = names, columns, size
        self.texts: dict[str, Sequence[str]] = {}
        self.plain: frozenset[str] = frozenset()
        self.longest: dict[str, int] = {}
        self.utc: frozenset[str] = frozenset()
        self.nul_free = False

    def __len__(self) -> int:
        return list.__len__(self) or self.size

    def fill(self) -> None:
        """Make the rows' dicts from the columns (once)."""
        if self.size and not list.__len__(self) and self.columns is not None:
            rows = zip(*(self.columns[name] for name in self.names), strict=True)
            self.extend(map(dict, map(zip, itertools.repeat(self.names), rows)))
