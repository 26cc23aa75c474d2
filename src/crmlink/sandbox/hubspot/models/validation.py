"""A write's property values checked as HubSpot checks them: unknown, read-only or
calculated properties and bad values, every problem of the write in one 400."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crmlink.sandbox.hubspot.errors import (
    ValidationFailed,
    invalid_property,
    property_values_invalid,
)
from crmlink.sandbox.hubspot.models.properties import PropertyDef
from crmlink.sandbox.hubspot.models.values import InvalidValue, check


def validate(known: Mapping[str, PropertyDef], properties: Any) -> dict[str, str | None]:
    """The stored text of each value (None: cleared) against the type's live properties."""
    if not isinstance(properties, Mapping):
        raise ValidationFailed("Invalid input JSON: properties must be an object")
    out: dict[str, str | None] = {}
    problems = []
    for name, value in properties.items():
        prop = known.get(name)
        if prop is None:
            message = f'Property "{name}" does not exist'
            problems.append(invalid_property(name, "PROPERTY_DOESNT_EXIST", message))
            continue
        if prop.read_only or prop.calculated:
            message = f'"{name}" is a read only property; its value cannot be set.'
            problems.append(invalid_property(name, "READ_ONLY_VALUE", message))
            continue
        try:
            out[name] = check(prop, value)
        except InvalidValue as exc:
            problems.append(invalid_property(name, exc.code, exc.message))
    if problems:
        raise property_values_invalid(problems)
    return out
