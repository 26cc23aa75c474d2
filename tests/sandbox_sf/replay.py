"""Replaying recorded VCR cassettes (CumulusCI, Snowfakery) against the Salesforce sandbox.

A cassette is a list of interactions (request, recorded response). CumulusCI's add two
indirections, resolved here: `include_file: GET_sobjects_X_describe.yaml` (a shared cassette
of one describe call, whose body is in `tests/reference/salesforce/describe/`) and
`include_template: jobInfo_insert_xml.tpl` with `vars` (a Bulk 1.0 XML body).

Recorded ids differ from the ones the sandbox hands out: `IdMap` pairs them as responses come
back (a recorded id and the sandbox's at the same place of the answer) and rewrites later
requests. Answers are compared by status code and shape (`tests.reference.shape_differences`:
keys, value types, list or object) plus their error codes; XML is read as nested dicts first.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from tests.reference import reference_path, shape_differences

SF_ID = re.compile(r"\b([a-zA-Z0-9]{5}[0-9][a-zA-Z0-9]{9}(?:[a-zA-Z0-9]{3})?)\b")
_TEMPLATE_FIELD = re.compile(r"{(\w+)(?::([^}]*))?}")
_CODES = ("errorCode", "statusCode", "error", "exceptionCode")
# The shared describe cassettes, by name: the request each recorded, the body file.
_DESCRIBED = re.compile(r"GET_sobjects_(\w+?)_describe\.yaml")
VERSION = "v62.0"  # what the anonymised `vxx.0` is replayed as


@dataclass
class Interaction:
    cassette: str
    index: int
    method: str
    path: str  # with its query string, version resolved
    body: str | None
    status: int
    recorded: str | None  # the recorded response body

    @property
    def label(self) -> str:
        return f"{self.cassette}#{self.index} {self.method} {self.path.split('?')[0]}"


def cassette_files() -> list[Path]:
    root = reference_path("salesforce", "cassettes")
    return sorted(p for p in root.glob("*/*.yaml") if not p.name.startswith("GET_sobjects_"))


def load(path: Path) -> list[Interaction]:
    """The cassette's interactions in order, includes and templates resolved."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for index, raw in enumerate(data["interactions"]):
        if "include_file" in raw:
            out.append(_included(path.stem, index, raw["include_file"]))
        else:
            out.append(_recorded(path, index, raw))
    return out


def _recorded(path: Path, index: int, raw: dict) -> Interaction:
    request, response = raw["request"], raw["response"]
    url = urlsplit(request["uri"])
    target = re.sub(r"/+", "/", url.path).replace("vxx.0", VERSION).replace("/xx.0/", "/62.0/")
    if url.query:
        target += "?" + url.query.replace("vxx.0", VERSION)
    body = response["body"]["string"]
    if isinstance(body, dict):  # CumulusCI's include_template
        body = _template(path.parent / body["include_template"], body.get("vars") or {})
    return Interaction(
        path.stem,
        index,
        request["method"],
        target,
        _unchunked(request.get("body")),
        int(response["status"]["code"]),
        body,
    )


_CHUNKED = re.compile(r"[0-9a-fA-F]+\r\n")


def _unchunked(body: str | None) -> str | None:
    """A body VCR recorded in chunked transfer coding (`8\\r\\n"Name"\\r\\n…0\\r\\n`), decoded."""
    if not body or not _CHUNKED.match(body):
        return body
    out, rest = [], body
    while rest:
        size_text, _, rest = rest.partition("\r\n")
        size = int(size_text, 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return "".join(out)


def _template(path: Path, values: dict[str, Any]) -> str:
    text = path.read_text(encoding="utf-8")
    return _TEMPLATE_FIELD.sub(lambda m: str(values.get(m.group(1), m.group(2) or "")), text)


def _included(cassette: str, index: int, name: str) -> Interaction:
    data = f"/services/data/{VERSION}"
    if name == "GET_sobjects_Global_describe.yaml":
        path, file = f"{data}/sobjects", "cumulusci_Global_describe.json"
    elif name == "GET_sobjects_Organization.yaml":
        path, file = (
            f"{data}/sobjects/Organization/00D0xORGID00000000",
            "cumulusci_Organization.json",
        )
    else:
        found = _DESCRIBED.match(name)
        assert found, f"unknown include_file {name}"
        path, file = (
            f"{data}/sobjects/{found.group(1)}/describe",
            f"cumulusci_{found.group(1)}_describe.json",
        )
    body = reference_path("salesforce", "describe", file).read_text(encoding="utf-8")
    return Interaction(cassette, index, "GET", path, None, 200, body)


# -- reading answers ---------------------------------------------------------------------
def parse(text: str | bytes | None) -> Any:
    """JSON, XML (as nested dicts), CSV (its header row) or None."""
    if text is None:
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    stripped = text.strip()
    if not stripped:
        return None
    if stripped[0] in "[{":
        try:
            return json.loads(stripped)
        except ValueError:
            return stripped
    if stripped.startswith("<"):
        return _xml(ET.fromstring(stripped.encode()))
    return {"csv header": stripped.splitlines()[0]}


def _xml(element: ET.Element) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    out: dict[str, Any] = {}
    for child in children:
        tag = child.tag.split("}")[-1]
        value = _xml(child)
        if tag in out:
            out[tag] = out[tag] if isinstance(out[tag], list) else [out[tag]]
            out[tag].append(value)
        else:
            out[tag] = value
    return out


def codes(value: Any) -> list[str]:
    """The error codes an answer carries (REST, per-record, OAuth, Bulk 1.0), in order."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _CODES and isinstance(item, str):
                found.append(item)
            else:
                found += codes(item)
    elif isinstance(value, list):
        for item in value:
            found += codes(item)
    return found


def differences(theirs: Any, ours: Any) -> list[str]:
    out = shape_differences(ours, theirs)
    if codes(theirs) != codes(ours):
        out.append(f"error codes {codes(theirs)} != {codes(ours)}")
    return out


# -- ids ---------------------------------------------------------------------------------
@dataclass
class IdMap:
    """Recorded ids → the sandbox's, learnt from answers, applied to later requests."""

    ids: dict[str, str] = field(default_factory=dict)

    def learn(self, theirs: Any, ours: Any) -> None:
        if isinstance(theirs, dict) and isinstance(ours, dict):
            for key in theirs.keys() & ours.keys():
                self.learn(theirs[key], ours[key])
        elif isinstance(theirs, list) and isinstance(ours, list):
            for a, b in zip(theirs, ours, strict=False):
                self.learn(a, b)
        elif _both_ids(theirs, ours) and theirs != ours:
            self.ids[theirs] = ours
            self.ids[theirs[:15]] = ours[:15]

    def apply(self, text: str | None) -> str | None:
        if not text:
            return text
        for recorded in sorted(self.ids, key=len, reverse=True):  # 18-char ids before 15
            text = text.replace(recorded, self.ids[recorded])
        return text


def _both_ids(theirs: Any, ours: Any) -> bool:
    return all(isinstance(v, str) and SF_ID.fullmatch(v) for v in (theirs, ours))


def _recorded_describe(name: str) -> dict:
    return json.loads(reference_path("salesforce", "describe", name).read_text(encoding="utf-8"))


# -- objects the recorded orgs had and no recorded describe covers ------------------------
ORGANIZATION_ID = "00D0xORGID00000000"  # CumulusCI's anonymised org id
_ADDRESS = ("Street", "City", "State", "PostalCode", "Country", "Latitude", "Longitude")
_ADDRESS += ("GeocodeAccuracy",)


def scaffolds() -> dict[str, dict]:
    """Describes for Organization (its fields those of the recorded record), RecordType,
    Profile and Contract, on the shape of the recorded minimal `Custom__c` describe."""
    org = _recorded_describe("cumulusci_Organization.json")
    org_fields = {k: _kind(k, v) for k, v in org.items() if k != "attributes"}
    record_type = {"Id": "id", "Name": "string", "DeveloperName": "string"}
    record_type |= {"SobjectType": "string", "IsActive": "boolean"}
    return {
        "Organization": _scaffold("Organization", "00D", org_fields),
        "RecordType": _scaffold("RecordType", "012", record_type),
        "Profile": _scaffold("Profile", "00e", {"Id": "id", "Name": "string"}),
        "Contract": _scaffold(
            "Contract", "800", {"Id": "id", "Name": "string", "Status": "string"}
        ),
    }


def _kind(name: str, value: Any) -> str:
    if name == "Id":
        return "id"
    if name == "Address":
        return "address"
    if name in ("Latitude", "Longitude"):
        return "double"
    if isinstance(value, bool):
        return "boolean"
    return "int" if isinstance(value, int) else "string"


def _scaffold(name: str, prefix: str, fields: dict[str, str]) -> dict:
    template = _recorded_describe("cumulusci_Custom__c_describe.json")
    base = next(f for f in template["fields"] if f["name"] == "Name")
    described = []
    for field_name, kind in fields.items():
        item = {**base, "name": field_name, "label": field_name, "type": kind}
        item["compoundFieldName"] = "Address" if field_name in _ADDRESS else None
        item["nillable"] = kind not in ("id", "boolean")
        described.append(item)
    labels = {"name": name, "label": name, "labelPlural": name, "keyPrefix": prefix}
    return {**template, **labels, "custom": False, "fields": described}
