"""CSV as Bulk API 2.0 speaks it: delimiters, line endings, every value quoted, written in
chunks so a result of any size streams with flat memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import Literal

from crmlink.sandbox.salesforce.errors import InvalidJob

DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}


def check_format(body: dict) -> tuple[str, str]:
    """The (columnDelimiter, lineEnding) names of a job request, defaulted and checked."""
    delimiter = body.get("columnDelimiter") or "COMMA"
    line_ending = body.get("lineEnding") or "LF"
    if delimiter not in DELIMITERS:
        raise InvalidJob(f"Invalid column delimiter: {delimiter}")
    if line_ending not in LINE_ENDINGS:
        raise InvalidJob(f"Invalid line ending: {line_ending}")
    content_type = body.get("contentType") or "CSV"
    if content_type != "CSV":
        raise InvalidJob(f"Content type {content_type} is not supported by Bulk API 2.0")
    return delimiter, line_ending


# csv.QUOTE_MINIMAL, QUOTE_ALL, QUOTE_NONNUMERIC or QUOTE_NONE, as typeshed spells them
Quoting = Literal[0, 1, 2, 3]


def writer(buffer, info: dict, quoting: Quoting = csv.QUOTE_ALL):
    return csv.writer(
        buffer,
        delimiter=DELIMITERS[info["columnDelimiter"]],
        lineterminator=LINE_ENDINGS[info["lineEnding"]],
        quoting=quoting,
    )


def stream_rows(
    info: dict,
    header: list[str],
    chunks: Iterable[list[tuple]],
    convert: Callable[[tuple], list[str]],
) -> Iterator[bytes]:
    """The CSV bytes of a header and rows, one piece per chunk of rows (never the whole)."""
    buffer = io.StringIO()
    out = writer(buffer, info)
    out.writerow(header)
    for rows in chunks:
        out.writerows(map(convert, rows))
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    tail = buffer.getvalue()
    if tail:
        yield tail.encode("utf-8")


def read_rows(path: Path, info: dict) -> Generator[list[str], None, None]:
    """The rows of an uploaded CSV file (header first), read as the file is walked."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.reader(handle, delimiter=DELIMITERS[info["columnDelimiter"]], strict=True)


def header_line(names: list[str], info: dict, quoted: list[str]) -> str:
    """A result header: `quoted` names always in quotes, then `names` quoted only as needed
    (as Salesforce echoes the uploaded header)."""
    sep = DELIMITERS[info["columnDelimiter"]]
    buffer = io.StringIO()
    writer(buffer, info, csv.QUOTE_MINIMAL).writerow(names)
    rest = buffer.getvalue() if names else LINE_ENDINGS[info["lineEnding"]]
    if not quoted:
        return rest
    head = sep.join(f'"{q}"' for q in quoted)
    return head + (sep + rest if names else rest)
