"""The recorded CumulusCI VCR cassettes in tests/reference/salesforce/cassettes/cumulusci/.

Each interaction is a `Recorded(method, path, query, body, status, answer)`: the request as
sent (API version `vxx.0` replaced by the one the tests use) and the answer as recorded,
JSON bodies parsed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import yaml

from tests.reference import reference_path

VERSION = "59.0"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: str
    body: Any
    status: int
    answer: Any


def cassette(name: str) -> list[Recorded]:
    """The interactions of the cassette `name` (the file name, `.yaml` included)."""
    path = reference_path("salesforce", "cassettes", "cumulusci", name)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # CumulusCI's `include_file:` entries point at shared describe cassettes: not needed here
    recorded = [i for i in data["interactions"] if "request" in i]
    return [_recorded(i["request"], i["response"]) for i in recorded]


def _recorded(request: dict, response: dict) -> Recorded:
    url = urlsplit(_versioned(request["uri"]))
    return Recorded(
        request["method"],
        url.path,
        url.query,
        _json(_versioned(request.get("body") or "")),
        response["status"]["code"],
        _json(response["body"]["string"]),
    )


def _versioned(text: str) -> str:
    return text.replace("/vxx.0/", f"/v{VERSION}/")


def _json(text: str) -> Any:
    return json.loads(text) if text else None


def interactions(name: str, method: str, path_end: str) -> list[Recorded]:
    """The cassette's interactions of `method` on a path ending with `path_end`."""
    found = [r for r in cassette(name) if r.method == method and r.path.endswith(path_end)]
    assert found, f"{name} records no {method} …{path_end}"
    return found
