"""CSV as the Bulk APIs speak it: Bulk 2.0's delimiters and line endings, Bulk 1.0's fixed
comma and LF; every value quoted, written in chunks so a result of any size streams with
flat memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import Literal

from crmlink.sandbox.salesforce.errors import ClassicError, InvalidJob

DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
CLASSIC = {"columnDelimiter": "COMMA", "lineEnding": "LF"}  # Bulk 1.0: no choice
CLASSIC_RESULT_HEADER = ["Id", "Success", "Created", "Error"]
NO_RECORDS = b"Records not found for this query"  # Bulk 1.0's CSV body of an empty result


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


def stream_lines(info: dict, header: list[str], pieces: Iterable[bytes]) -> Iterator[bytes]:
    """As `stream_rows`, for rows already written as CSV bytes (in `info`'s format)."""
    buffer = io.StringIO()
    writer(buffer, info).writerow(header)
    yield buffer.getvalue().encode("utf-8")
    yield from pieces


def csv_format(info: dict) -> tuple[str, str]:
    """The (delimiter, line ending) characters of a job's format names."""
    return DELIMITERS[info["columnDelimiter"]], LINE_ENDINGS[info["lineEnding"]]


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


# -- Bulk API 1.0 -----------------------------------------------------------------------
def parse_classic(body: bytes) -> tuple[list[str], list[list[str]]]:
    """A Bulk 1.0 CSV batch: its header (names stripped) and data rows (LF or CRLF)."""
    try:
        text = body.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ClassicError("InvalidBatch", f"The batch is not valid CSV: {exc}") from None
    if not rows or not any(rows[0]):
        raise ClassicError("InvalidBatch", "The CSV batch has no header row")
    return [name.strip() for name in rows[0]], rows[1:]


def _error_text(errors: list[dict]) -> str:
    """`CODE:message:Field1,Field2 --` per error, as the Error column has it."""
    return " ".join(
        f"{e['statusCode']}:{e['message']}:{','.join(e.get('fields') or [])} --" for e in errors
    )


def classic_results(results: Iterable[dict]) -> bytes:
    """A Bulk 1.0 ingest batch's `"Id","Success","Created","Error"` result."""
    buffer = io.StringIO()
    out = writer(buffer, CLASSIC)
    out.writerow(CLASSIC_RESULT_HEADER)
    for r in results:
        flags = ["true" if r["success"] else "false", "true" if r["created"] else "false"]
        out.writerow([r["id"] or "", *flags, _error_text(r["errors"])])
    return buffer.getvalue().encode("utf-8")
