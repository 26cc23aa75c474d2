"""The three result files of a Bulk API 2.0 ingest job, written on disk as records are
processed: `"sf__Id","sf__Created",<columns>`, `"sf__Id","sf__Error",<columns>`, and the
unprocessed rows under the original header."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from crmlink.sandbox.salesforce.errors import SalesforceError
from crmlink.sandbox.salesforce.models.bulk import csvio
from crmlink.sandbox.salesforce.models.org import RecordResult

KINDS = {
    "successfulResults": ("success.csv", ["sf__Id", "sf__Created"]),
    "failedResults": ("failed.csv", ["sf__Id", "sf__Error"]),
    "unprocessedrecords": ("unprocessed.csv", []),
}


def error_text(errs: list[SalesforceError]) -> str:
    """`CODE:message:Field1,Field2 --` per error, as Salesforce writes sf__Error."""
    parts = []
    for err in errs:
        fields = ",".join(err.fields)
        parts.append(
            f"{err.error_code}:{err.message}:{fields} --"
            if fields
            else f"{err.error_code}:{err.message}:--"
        )
    return " ".join(parts)


def path_of(folder: Path, kind: str) -> Path:
    return folder / KINDS[kind][0]


def write_header_only(folder: Path, kind: str, info: dict, header: list[str]) -> Path:
    path = path_of(folder, kind)
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(csvio.header_line(header, info, KINDS[kind][1]))
    return path


class ResultWriter:
    """Appends to the three files; `close()` when the job is done."""

    def __init__(self, folder: Path, info: dict, header: list[str]) -> None:
        self.handles = {}
        self.writers = {}
        self.buffer = io.StringIO()  # success and failure rows are formatted here first
        for kind, (name, quoted) in KINDS.items():
            handle = (folder / name).open("w", encoding="utf-8", newline="")
            handle.write(csvio.header_line(header, info, quoted))
            self.handles[kind] = handle
            buffered = kind != "unprocessedrecords"
            self.writers[kind] = csvio.writer(self.buffer if buffered else handle, info)

    def add(self, results: list[RecordResult], rows: list[list[str]]) -> None:
        ok: list[list[str]] = []
        failed: list[list[str]] = []
        for result, row in zip(results, rows, strict=True):
            if result.success:
                ok.append([result.id or "", "true" if result.created else "false", *row])
            else:
                failed.append([result.id or "", error_text(result.errors), *row])
        self._write("successfulResults", ok)
        self._write("failedResults", failed)

    def _write(self, kind: str, rows: list[list[str]]) -> None:
        """The rows as one write to the file (not one a row: a chunk is thousands)."""
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writers[kind].writerows(rows)
        self.handles[kind].write(self.buffer.getvalue())

    def unprocessed(self, rows: Iterable[list[str]]) -> None:
        self.writers["unprocessedrecords"].writerows(rows)

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()
