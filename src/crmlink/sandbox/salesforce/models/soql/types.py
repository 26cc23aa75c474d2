"""Salesforce field types grouped the way the compiler and the record writer need them."""

from __future__ import annotations

TEXT_TYPES = frozenset(
    {
        "id",
        "string",
        "textarea",
        "email",
        "phone",
        "url",
        "picklist",
        "multipicklist",
        "combobox",
        "reference",
        "encryptedstring",
        "base64",
        "anyType",
        "complexvalue",
    }
)
ID_TYPES = frozenset({"id", "reference"})
INT_TYPES = frozenset({"int", "long"})
FLOAT_TYPES = frozenset({"double", "currency", "percent"})
NUMBER_TYPES = INT_TYPES | FLOAT_TYPES

# How Salesforce names a type in "must be of type X" messages.
TYPE_LABELS = {"int": "integer", "datetime": "dateTime"}

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def type_label(type_name: str) -> str:
    if type_name in TEXT_TYPES:
        return "string"
    return TYPE_LABELS.get(type_name, type_name)


def is_text(type_name: str) -> bool:
    return type_name in TEXT_TYPES or type_name not in NUMBER_TYPES | {
        "boolean",
        "date",
        "datetime",
        "time",
    }


def to_18(value: str) -> str | None:
    """A 15- or 18-character Salesforce Id as 18 characters, or None if it is not an Id."""
    if len(value) not in (15, 18) or not value.isascii() or not value.isalnum():
        return None
    if len(value) == 18:
        return value
    suffix = ""
    for chunk in range(3):
        bits = 0
        for j, char in enumerate(value[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << j
        suffix += _ID_ALPHABET[bits]
    return value + suffix
