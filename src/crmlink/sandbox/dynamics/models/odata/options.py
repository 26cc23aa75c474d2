"""The query options and Prefer header of a Web API request, parsed and checked once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from crmlink.sandbox.dynamics.errors import InvalidArgument, PropertyNotFound
from crmlink.sandbox.dynamics.models.odata.filter import parse_filter

MAX_PAGE_SIZE = 5000
_PREFER_PAGE = re.compile(r"odata\.maxpagesize\s*=\s*(\d+)", re.I)
_PREFER_ANNOTATIONS = re.compile(r'odata\.include-annotations\s*=\s*"?([^",]+)"?', re.I)
_COOKIE = re.compile(r'(\w+)="([^"]*)"')


@dataclass
class Prefer:
    max_page_size: int | None = None
    annotations: str | None = None
    track_changes: bool = False
    return_representation: bool = False
    continue_on_error: bool = False

    @classmethod
    def parse(cls, header: str | None) -> Prefer:
        header = header or ""
        prefer = cls()
        if match := _PREFER_PAGE.search(header):
            prefer.max_page_size = max(1, min(int(match.group(1)), MAX_PAGE_SIZE))
        if match := _PREFER_ANNOTATIONS.search(header):
            prefer.annotations = match.group(1).strip()
        lowered = header.lower()
        prefer.track_changes = "odata.track-changes" in lowered
        prefer.return_representation = "return=representation" in lowered
        prefer.continue_on_error = "odata.continue-on-error" in lowered
        return prefer

    def wants(self, annotation: str) -> bool:
        pattern = self.annotations
        if not pattern:
            return False
        return any(
            p.strip() == "*"
            or p.strip() == annotation
            or (p.strip().endswith(".*") and annotation.startswith(p.strip()[:-1]))
            for p in pattern.split(",")
        )


@dataclass
class QueryOptions:
    select: list[str] | None = None
    filter: object | None = None
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (name, descending)
    top: int | None = None
    count: bool = False
    expand: str | None = None
    skiptoken: dict | None = None
    deltatoken: str | None = None

    @classmethod
    def parse(cls, params) -> QueryOptions:
        opts = cls()
        if params.get("$select"):
            opts.select = [s.strip() for s in params["$select"].split(",") if s.strip()]
        if params.get("$filter"):
            opts.filter = parse_filter(params["$filter"])
        if params.get("$orderby"):
            opts.orderby = [_order(part) for part in params["$orderby"].split(",") if part.strip()]
        if params.get("$top") is not None:
            opts.top = _int("$top", params["$top"])
        opts.count = (params.get("$count") or "").lower() == "true"
        opts.expand = params.get("$expand")
        if params.get("$skiptoken"):
            opts.skiptoken = parse_skiptoken(params["$skiptoken"])
        opts.deltatoken = params.get("$deltatoken")
        return opts


def _order(part: str) -> tuple[str, bool]:
    bits = part.split()
    if len(bits) > 2 or (len(bits) == 2 and bits[1].lower() not in ("asc", "desc")):
        raise PropertyNotFound(f"Syntax error in $orderby clause '{part.strip()}'.")
    return bits[0], len(bits) == 2 and bits[1].lower() == "desc"


def _int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise InvalidArgument(f"Invalid value '{value}' for query option {name}.") from None
    if number < 0:
        raise InvalidArgument(f"Invalid value '{value}' for query option {name}.")
    return number


def make_skiptoken(page: int, pk: str, last: str | None, first: str | None, extra: dict) -> str:
    """A `<cookie …/>` skiptoken shaped like Dataverse's (its paging cookie twice encoded)."""
    inner = f'<cookie page="{page - 1}">'
    if last is not None:
        inner += f'<{pk} last="{{{last.upper()}}}" first="{{{(first or last).upper()}}}" />'
    inner += "</cookie>"
    cookie = quote(quote(inner, safe=""), safe="")
    attrs = "".join(f' {k}="{v}"' for k, v in extra.items())
    return f'<cookie pagenumber="{page}" pagingcookie="{cookie}" istracking="False"{attrs} />'


def parse_skiptoken(token: str) -> dict:
    attrs = dict(_COOKIE.findall(token))
    cookie = unquote(unquote(attrs.get("pagingcookie", "")))
    last = re.search(r'last="\{?([0-9A-Fa-f-]{36})\}?"', cookie)
    try:
        page = int(attrs.get("pagenumber", "1"))
    except ValueError:
        raise InvalidArgument("The $skiptoken is not valid.") from None
    return {**attrs, "page": page, "last": last.group(1).lower() if last else None}
