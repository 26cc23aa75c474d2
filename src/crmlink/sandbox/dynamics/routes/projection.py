"""`$select` and `$filter` over metadata items (small lists of plain dicts)."""

from __future__ import annotations

from crmlink.sandbox.dynamics.models.odata.evaluate import matches
from crmlink.sandbox.dynamics.models.odata.filter import parse_filter


def project(body: dict, select: str | None) -> dict:
    """The item's `@odata.*` annotations, the selected properties and its MetadataId."""
    if not select:
        return body
    keep = [s.strip() for s in select.split(",")]
    out = {k: v for k, v in body.items() if k.startswith("@odata.")}
    out.update({k: body.get(k) for k in keep})
    out.setdefault("MetadataId", body.get("MetadataId"))
    return out


def filtered(items: list[dict], text: str | None) -> list[dict]:
    if not text:
        return items
    node = parse_filter(text)
    return [item for item in items if matches(node, item)]
