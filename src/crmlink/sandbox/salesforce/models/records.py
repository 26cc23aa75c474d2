"""REST JSON for one stored record: attributes, typed values, compound fields rebuilt."""

from __future__ import annotations

from crmlink.sandbox.salesforce.models.describes import FieldMeta, ObjectMeta
from crmlink.sandbox.salesforce.models.values import to_json

API_VERSION = "59.0"
# Component field suffix -> key in the compound value.
_COMPONENT_KEYS = {
    "street": "street",
    "city": "city",
    "state": "state",
    "statecode": "stateCode",
    "postalcode": "postalCode",
    "country": "country",
    "countrycode": "countryCode",
    "latitude": "latitude",
    "longitude": "longitude",
    "geocodeaccuracy": "geocodeAccuracy",
    "latitude__s": "latitude",
    "longitude__s": "longitude",
}


def attributes(obj_name: str, record_id: str | None, version: str = API_VERSION) -> dict:
    return {"type": obj_name, "url": f"/services/data/v{version}/sobjects/{obj_name}/{record_id}"}


def component_key(compound: FieldMeta, component: FieldMeta) -> str | None:
    """'MailingCity' of 'MailingAddress' -> 'city'; 'Loc__Latitude__s' of 'Loc__c' -> 'latitude'."""
    stem = compound.name.removesuffix("Address").removesuffix("__c")
    suffix = (
        component.name[len(stem) :].lstrip("_").lower() if component.name.startswith(stem) else ""
    )
    return _COMPONENT_KEYS.get(suffix)


def compound_value(obj: ObjectMeta, compound: FieldMeta, values: dict) -> dict | None:
    """The nested value of an address/location field, or None when all parts are empty."""
    parts = {}
    for comp in obj.components(compound):
        key = component_key(compound, comp)
        if key is not None:
            parts[key] = to_json(comp, values.get(comp.name))
    if not any(v is not None for v in parts.values()):
        return None
    if compound.type == "address":
        for key in ("city", "country", "geocodeAccuracy", "latitude", "longitude"):
            parts.setdefault(key, None)
        for key in ("postalCode", "state", "street"):
            parts.setdefault(key, None)
    return dict(sorted(parts.items()))


def record_json(
    obj: ObjectMeta, fields: list[FieldMeta], values: dict, version: str = API_VERSION
) -> dict:
    """A record as GET /sobjects/{Object}/{id} returns it."""
    out: dict[str, object] = {"attributes": attributes(obj.name, values.get("Id"), version)}
    for f in fields:
        if f.compound:
            out[f.name] = compound_value(obj, f, values)
        else:
            out[f.name] = to_json(f, values.get(f.name))
    return out
