"""A property definition as clients send it (`POST /crm/v3/properties/{objectType}`, a
schema's `properties`), checked as HubSpot checks it, into a `PropertyDef`."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from crmlink.sandbox.hubspot.errors import ValidationFailed
from crmlink.sandbox.hubspot.models.properties import FIELD_TYPES, TYPES, Option, PropertyDef

REQUIRED = ("name", "label", "type", "fieldType", "groupName")
# HubSpot's internal names: a lower-case letter, then lower-case letters, digits and "_".
NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


def check_name(name: str, what: str = "Property") -> str:
    if not NAME.match(name):
        raise ValidationFailed(
            f"{what} name {name!r} must start with a lower-case letter and hold only "
            "lower-case letters, digits and underscores"
        )
    return name


def as_int(value: Any, name: str) -> int:
    """A whole number from client JSON; anything else: HubSpot's 400."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationFailed(f"{name} must be a whole number")
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(f"{name} must be a whole number") from None


def _options(raw: Any) -> tuple[Option, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValidationFailed("options must be a list")
    out = []
    for n, item in enumerate(raw):
        if not isinstance(item, dict) or "label" not in item or "value" not in item:
            raise ValidationFailed("each option needs a label and a value")
        order = item.get("displayOrder", n)
        out.append(
            Option(str(item["label"]), str(item["value"]), int(order), bool(item.get("hidden")))
        )
    return tuple(out)


def _check_pair(type_: str, field_type: str) -> None:
    if type_ not in TYPES:
        raise ValidationFailed(
            f"{type_} is not a valid property type; use one of {', '.join(TYPES)}"
        )
    if field_type not in FIELD_TYPES[type_]:
        raise ValidationFailed(f"{field_type} is not a valid field type for {type_} properties")


def property_from_api(payload: Any, stamp: str, *, default_group: str | None = None) -> PropertyDef:
    """A new property from its JSON; a missing or bad field: HubSpot's 400."""
    if not isinstance(payload, dict):
        raise ValidationFailed("Invalid input JSON: expected a property object")
    data = {**payload}
    if default_group and not data.get("groupName"):
        data["groupName"] = default_group
    missing = [k for k in REQUIRED if not data.get(k)]
    if missing:
        raise ValidationFailed(f"Some required fields were not set: [{', '.join(missing)}]")
    _check_pair(str(data["type"]), str(data["fieldType"]))
    options = _options(data.get("options"))
    if data["type"] == "enumeration" and not options and not data.get("externalOptions"):
        raise ValidationFailed("enumeration properties need at least one option")
    return PropertyDef(
        name=check_name(str(data["name"])),
        label=str(data["label"]),
        type=str(data["type"]),
        field_type=str(data["fieldType"]),
        group_name=str(data["groupName"]),
        options=options,
        has_unique_value=bool(data.get("hasUniqueValue", False)),
        hidden=bool(data.get("hidden", False)),
        description=str(data.get("description") or ""),
        display_order=as_int(data.get("displayOrder", -1), "displayOrder"),
        external_options=bool(data.get("externalOptions", False)),
        form_field=bool(data.get("formField", True)),
        created_at=stamp,
        updated_at=stamp,
    )


UPDATABLE = {
    "label": "label",
    "description": "description",
    "groupName": "group_name",
    "displayOrder": "display_order",
    "hidden": "hidden",
    "formField": "form_field",
}


def property_update(prop: PropertyDef, payload: Any, stamp: str) -> PropertyDef:
    """`PATCH /crm/v3/properties/{objectType}/{name}`: label, options, type… changed."""
    if not isinstance(payload, dict):
        raise ValidationFailed("Invalid input JSON: expected a property object")
    if prop.hubspot_defined and set(payload) - {"options", "label", "description", "groupName"}:
        raise ValidationFailed(
            f"Property {prop.name} is HubSpot-defined; its definition is read-only"
        )
    changes: dict[str, Any] = {k: payload[f] for f, k in UPDATABLE.items() if f in payload}
    if "display_order" in changes:
        changes["display_order"] = as_int(changes["display_order"], "displayOrder")
    for text in ("label", "description", "group_name"):
        if text in changes:
            changes[text] = str(changes[text])
    type_ = payload.get("type", prop.type)
    field_type = payload.get("fieldType", prop.field_type)
    if (type_, field_type) != (prop.type, prop.field_type):
        _check_pair(type_, field_type)
        changes.update(type=type_, field_type=field_type)
    if "options" in payload:
        changes["options"] = _options(payload["options"])
    return replace(prop, **changes, updated_at=stamp)
