"""Labels in the Web API's `{"LocalizedLabels": [...], "UserLocalizedLabel": {...}}` form."""

from __future__ import annotations

from crmlink.sandbox.dynamics.models.metadata.model import metadata_id


def label(text: str | None, *parts: str) -> dict:
    """A 1033 label with a MetadataId stable for the same `parts` and text."""
    if text is None:
        return {"LocalizedLabels": [], "UserLocalizedLabel": None}
    loc = {
        "Label": text,
        "LanguageCode": 1033,
        "IsManaged": True,
        "MetadataId": metadata_id("label", *parts, text),
        "HasChanged": None,
    }
    return {"LocalizedLabels": [loc], "UserLocalizedLabel": loc}
