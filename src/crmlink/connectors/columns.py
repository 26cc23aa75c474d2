"""Whole-column shortcuts shared by the connectors' column batches (Salesforce Bulk CSV,
Dataverse pages): one C-level pass over a column where its values allow it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence


def utc_moments(texts: Sequence[str]) -> list[dt.datetime] | None:
    """The datetimes of a column of ISO 8601 texts when every one parses and is in UTC
    (`…Z`, `…+0000`: what both CRMs send), by one `map`; None when any is not (empty,
    another form, another offset): the caller reads that column value by value."""
    try:
        moments = list(map(dt.datetime.fromisoformat, texts))
    except ValueError:
        return None
    return moments if all(m.tzinfo is dt.UTC for m in moments) else None
