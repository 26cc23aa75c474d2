"""A Bulk 2.0 ingest job's result files, written chunk after chunk: every row in its own
file, once, in order, quoted as Salesforce quotes them."""

from __future__ import annotations

from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.bulk.ingest_results import ResultWriter
from crmlink.sandbox.salesforce.models.org import RecordResult

INFO = {"columnDelimiter": "PIPE", "lineEnding": "CRLF"}


def _bad(message: str) -> RecordResult:
    return RecordResult(success=False, errors=[errors.InvalidField(message, ["LastName"])])


def test_chunks_append_each_row_once_to_its_file(tmp_path):
    out = ResultWriter(tmp_path, INFO, ["LastName", "Email"])
    out.add(
        [RecordResult(id="003A", created=True), _bad("no"), RecordResult(id="003B", created=True)],
        [["Ada", "a@x.example"], ["", "b|x"], ['Q"uote', ""]],
    )
    out.add([_bad("again")], [["Zed", "multi\nline"]])
    out.add([RecordResult(id="003C")], [["Cy", "c@x.example"]])
    out.unprocessed([["Left", "l@x.example"]])
    out.close()
    assert (tmp_path / "success.csv").read_bytes() == (
        b'"sf__Id"|"sf__Created"|LastName|Email\r\n'
        b'"003A"|"true"|"Ada"|"a@x.example"\r\n'
        b'"003B"|"true"|"Q""uote"|""\r\n'
        b'"003C"|"false"|"Cy"|"c@x.example"\r\n'
    )
    assert (tmp_path / "failed.csv").read_bytes() == (
        b'"sf__Id"|"sf__Error"|LastName|Email\r\n'
        b'""|"INVALID_FIELD:no:LastName --"|""|"b|x"\r\n'
        b'""|"INVALID_FIELD:again:LastName --"|"Zed"|"multi\nline"\r\n'
    )
    assert (tmp_path / "unprocessed.csv").read_bytes() == (
        b'LastName|Email\r\n"Left"|"l@x.example"\r\n'
    )
