"""Transport-neutral requests and responses, so `$batch` parts run the same handlers as
top-level calls, and the OData resource-path parser (`contacts(emailaddress1='a@b.c')`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from crmlink.sandbox.dynamics.errors import ODATA_HEADERS, InvalidPayload, unknown_segment

JSON_TYPE = "application/json; odata.metadata=minimal"
_SEGMENT = re.compile(r"^(?P<name>[^()]+)(?:\((?P<key>.*)\))?$")
_KEY_PART = re.compile(r"\s*([A-Za-z_]\w*)\s*=\s*('(?:[^']|'')*'|[^,]+)\s*(?:,|$)")
_GUID = re.compile(
    r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$"
)


@dataclass
class ApiRequest:
    method: str
    path: str  # after /api/data/v9.x/
    params: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    base: str  # https://host:port
    version: str = "v9.2"
    user: dict = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"{self.base}/api/data/{self.version}"

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self):
        try:
            return json.loads(self.body or b"{}")
        except ValueError as exc:
            raise InvalidPayload(f"The request body is not valid JSON: {exc}") from None


@dataclass
class ApiResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload, status: int = 200, headers: dict | None = None) -> ApiResponse:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return cls(status, raw, {"Content-Type": JSON_TYPE, **ODATA_HEADERS, **(headers or {})})

    @classmethod
    def empty(cls, status: int = 204, headers: dict | None = None) -> ApiResponse:
        return cls(status, b"", {**ODATA_HEADERS, **(headers or {})})


def split_path(path: str) -> list[tuple[str, str | None]]:
    """`EntityDefinitions(LogicalName='x')/Attributes` → [(name, key text or None), …]."""
    parts, depth, quoted, current = [], 0, False, ""
    for ch in path.strip("/"):
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if ch == "/" and depth == 0 and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    out = []
    for part in parts:
        match = _SEGMENT.match(part)
        if not match:
            raise unknown_segment(part)
        out.append((match.group("name"), match.group("key")))
    return out


def parse_key(key: str) -> str | dict[str, object]:
    """A GUID key as text, or an alternate key as {attribute: value}."""
    key = key.strip()
    if _GUID.match(key):
        return key.strip("{}").lower()
    if key.startswith("'") and key.endswith("'"):
        return {"": key[1:-1].replace("''", "'")}
    values: dict[str, object] = {}
    pos = 0
    while pos < len(key):
        match = _KEY_PART.match(key, pos)
        if not match:
            raise unknown_segment(key)
        name, raw = match.group(1), match.group(2).strip()
        values[name] = _key_value(raw)
        pos = match.end()
    return values


def _key_value(raw: str):
    if raw.startswith("'"):
        return raw[1:-1].replace("''", "'")
    if _GUID.match(raw):
        return raw.strip("{}").lower()
    try:
        return int(raw)
    except ValueError:
        try:
            return float(raw)
        except ValueError:
            raise unknown_segment(raw) from None


def encode_query(params: dict[str, str]) -> str:
    return "&".join(f"{k}={quote(str(v), safe=_SAFE)}" for k, v in params.items())


_SAFE = ",()'=$@/:!"
