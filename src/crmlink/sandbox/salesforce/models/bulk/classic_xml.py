"""Bulk API 1.0's XML: request bodies parsed safely, answers serialised with ElementTree.

Request bodies are untrusted: a document type declaration (where entity bombs and external
entities live) is refused before ElementTree sees the body, as defusedxml's `forbid_dtd`
does. Answers are built as elements and serialised, never pasted together as text; element
order is Salesforce's (the asyncapi XSD), nil values are left out as Salesforce does.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from xml.parsers import expat

from crmlink.sandbox.salesforce.errors import ClassicError

NS = "http://www.force.com/2009/06/asyncapi/dataload"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
JOB_ORDER = [
    "id",
    "operation",
    "object",
    "createdById",
    "createdDate",
    "systemModstamp",
    "state",
    "externalIdFieldName",
    "concurrencyMode",
    "contentType",
    "numberBatchesQueued",
    "numberBatchesInProgress",
    "numberBatchesCompleted",
    "numberBatchesFailed",
    "numberBatchesTotal",
    "numberRecordsProcessed",
    "numberRetries",
    "apiVersion",
    "assignmentRuleId",
    "numberRecordsFailed",
    "totalProcessingTime",
    "apiActiveProcessingTime",
    "apexProcessingTime",
]
BATCH_ORDER = [
    "id",
    "jobId",
    "state",
    "stateMessage",
    "createdDate",
    "systemModstamp",
    "numberRecordsProcessed",
    "numberRecordsFailed",
    "totalProcessingTime",
    "apiActiveProcessingTime",
    "apexProcessingTime",
]
_DATES = ("createdDate", "systemModstamp")


# -- parsing ----------------------------------------------------------------------------
def _refuse(*_args) -> None:
    raise ClassicError("InvalidBatch", "DOCTYPE and entity declarations are not allowed")


def parse(body: bytes, code: str = "InvalidXML") -> ET.Element:
    """The root element of an untrusted body; `code` names the error of a bad one."""
    guard = expat.ParserCreate()
    guard.StartDoctypeDeclHandler = _refuse
    guard.EntityDeclHandler = _refuse
    try:
        guard.Parse(body, True)
        return ET.fromstring(body)
    except (expat.ExpatError, ET.ParseError) as exc:
        raise ClassicError(code, f"Unable to parse the XML request: {exc}") from None
    except ClassicError as exc:
        raise ClassicError(code, exc.message) from None


def local(tag: str) -> str:
    """A tag without its `{namespace}`."""
    return tag.rpartition("}")[2]


def parse_job(body: bytes) -> dict:
    """A `<jobInfo>` request as a dict of its simple elements (text values)."""
    root = parse(body)
    if local(root.tag) != "jobInfo":
        raise ClassicError("InvalidJob", f"Expected a jobInfo element, not {local(root.tag)}")
    return {local(child.tag): (child.text or "").strip() for child in root}


def parse_records(body: bytes) -> list[dict]:
    """An `<sObjects>` batch as records; `xsi:nil="true"` is null, empty text is left out
    (as an empty CSV value is)."""
    root = parse(body, "InvalidBatch")
    if local(root.tag) != "sObjects":
        raise ClassicError("InvalidBatch", f"Expected an sObjects element, not {local(root.tag)}")
    records = []
    for item in root:
        record: dict = {}
        for field in item:
            if len(field):  # `<Account><Ext__c>…` (as CSV's `Account.Ext__c`): not served
                raise ClassicError(
                    "InvalidBatch", f"Relationship fields are not served: {local(field.tag)}"
                )
            if field.get(f"{{{XSI}}}nil") == "true":
                record[local(field.tag)] = None
            elif field.text:
                record[local(field.tag)] = field.text
        records.append(record)
    return records


# -- serialising ------------------------------------------------------------------------
def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.1f}" if value.is_integer() else repr(value)
    return str(value)


def xml_date(value: str) -> str:
    """`2024-11-21T08:31:31.000+0000` (JSON's form) as XML's `2024-11-21T08:31:31.000Z`."""
    return value[:-5] + "Z" if value.endswith("+0000") else value


def _root(name: str) -> ET.Element:
    root = ET.Element(name)
    root.set("xmlns", NS)
    return root


def _fill(parent: ET.Element, info: dict, order: list[str]) -> None:
    for key in order:
        value = info.get(key)
        if value is None:
            continue
        text = xml_date(value) if key in _DATES else _text(value)
        ET.SubElement(parent, key).text = text


def document(root: ET.Element) -> bytes:
    ET.indent(root, space=" ")
    return DECLARATION + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def job_info(info: dict) -> bytes:
    root = _root("jobInfo")
    _fill(root, info, JOB_ORDER)
    return document(root)


def batch_info(info: dict) -> bytes:
    root = _root("batchInfo")
    _fill(root, info, BATCH_ORDER)
    return document(root)


def batch_list(infos: Iterable[dict]) -> bytes:
    root = _root("batchInfoList")
    for info in infos:
        _fill(ET.SubElement(root, "batchInfo"), info, BATCH_ORDER)
    return document(root)


def result_list(ids: Iterable[str]) -> bytes:
    """A query batch's result ids."""
    root = _root("result-list")
    for ident in ids:
        ET.SubElement(root, "result").text = ident
    return document(root)


def ingest_results(results: Iterable[dict]) -> bytes:
    """`<results>`: per record id (when written), success, created and its errors."""
    root = _root("results")
    for result in results:
        item = ET.SubElement(root, "result")
        for error in result["errors"]:
            node = ET.SubElement(item, "errors")
            for name in error.get("fields") or []:
                ET.SubElement(node, "fields").text = name
            ET.SubElement(node, "message").text = error["message"]
            ET.SubElement(node, "statusCode").text = error["statusCode"]
        if result.get("id"):
            ET.SubElement(item, "id").text = result["id"]
        ET.SubElement(item, "success").text = _text(result["success"])
        ET.SubElement(item, "created").text = _text(result["created"])
    return document(root)


def error(code: str, message: str) -> bytes:
    root = _root("error")
    ET.SubElement(root, "exceptionCode").text = code
    ET.SubElement(root, "exceptionMessage").text = message
    return document(root)


# -- query results ----------------------------------------------------------------------
def _record(parent: ET.Element, tag: str, record: dict, dates: set) -> None:
    """One REST-shaped record as `<tag xsi:type="sObject"><type>…</type>…` (parents nested)."""
    node = ET.SubElement(parent, tag, {"xsi:type": "sObject"})
    kind = (record.get("attributes") or {}).get("type") or ""
    ET.SubElement(node, "type").text = kind
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict):
            _record(node, key, value, dates)
        elif value is None:
            ET.SubElement(node, key, {"xsi:nil": "true"})
        else:
            text = _text(value)
            ET.SubElement(node, key).text = xml_date(text) if (kind, key) in dates else text


def query_result(records: Iterable[Iterable[dict]], dates: set) -> Iterator[bytes]:
    """`<queryResult>` streamed one chunk of records at a time; `dates` holds the
    (object, field) pairs whose values are datetimes."""
    yield DECLARATION + f'<queryResult xmlns="{NS}" xmlns:xsi="{XSI}">'.encode()
    holder = ET.Element("queryResult")
    for chunk in records:
        for record in chunk:
            _record(holder, "records", record, dates)
        pieces = []
        for node in holder:
            ET.indent(node, space=" ", level=1)
            pieces.append(b"\n " + ET.tostring(node, encoding="utf-8").rstrip())
        holder.clear()
        yield b"".join(pieces)  # one write per chunk of records, not per record
    yield b"\n</queryResult>"
