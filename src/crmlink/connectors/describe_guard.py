"""CRM metadata is untrusted: a describe's fields are built one by one, and a field whose
describe has the wrong shape (a `length` that is text, a picklist value that is null or a
list, picklist values that are not a list) becomes a placeholder of kind UNSUPPORTED whose
`remote_type` says what is wrong (`invalid describe: …`); the wizard reports it as not
stored, and the other fields and tables go on. Fields with no name, or a name already
seen, are left out. Duplicate picklist values are kept once (the first).

    fields = guarded(raw_fields, build, "name")     # build(raw) -> RemoteField
    is_invalid(field) -> bool
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from crmlink.model import FieldKind, PicklistValue, RemoteField

INVALID = "invalid describe"
MAX_SIZE = 2**31 - 1  # a length, precision or scale beyond it is not a real one
MAX_PICKLIST_VALUE = 255  # an enumeration value's column
_BROKEN = (TypeError, ValueError, KeyError, AttributeError, IndexError)


def guarded(
    raw_fields: Any, build: Callable[[dict], RemoteField], name_key: str
) -> tuple[RemoteField, ...]:
    """Each field of `raw_fields` built by `build`, checked; broken ones as placeholders."""
    fields: list[RemoteField] = []
    seen: set[str] = set()
    for raw in raw_fields if isinstance(raw_fields, list) else ():
        name = raw.get(name_key) if isinstance(raw, dict) else None
        if not isinstance(name, str) or not name.strip() or name in seen:
            continue
        seen.add(name)
        try:
            fields.append(checked(build(raw)))
        except _BROKEN as exc:
            fields.append(invalid(name, _reason(exc)))
    return tuple(fields)


def named(entries: Any, name_key: str) -> Iterable[dict]:
    """The entries of a table list that are objects with a text name."""
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, dict) and isinstance(entry.get(name_key), str) and entry[name_key]:
            yield entry


def is_invalid(field: RemoteField) -> bool:
    return field.kind == FieldKind.UNSUPPORTED and field.remote_type.startswith(INVALID)


def invalid(name: str, why: str) -> RemoteField:
    return RemoteField(
        name=name,
        label=name,
        remote_type=f"{INVALID}: {why}",
        kind=FieldKind.UNSUPPORTED,
        createable=False,
        updateable=False,
        filterable=False,
    )


class _Bad(ValueError):
    pass


def _reason(exc: Exception) -> str:
    if isinstance(exc, _Bad):
        return str(exc)
    if isinstance(exc, KeyError):
        return f"{exc.args[0]!r} is missing"
    return "a value has the wrong type"


def checked(field: RemoteField) -> RemoteField:
    """`field` with its sizes, labels and picklist values checked (and de-duplicated)."""
    for attribute in ("length", "precision", "scale"):
        value = getattr(field, attribute)
        if value is not None and (type(value) is not int or not 0 <= value <= MAX_SIZE):
            raise _Bad(f"{attribute} {value!r} is not a whole number from 0 to {MAX_SIZE}")
    if not all(isinstance(target, str) for target in field.reference_to):
        raise _Bad("referenceTo holds a value that is not a table name")
    return replace(
        field,
        label=str(field.label),
        remote_type=str(field.remote_type),
        picklist=_picklist(field.picklist),
    )


def _picklist(values: Iterable[PicklistValue]) -> tuple[PicklistValue, ...]:
    kept: dict[str, PicklistValue] = {}
    for entry in values:
        value = entry.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # a number where text belongs: its text
        if not isinstance(value, str) or not value:
            raise _Bad(f"picklist value {entry.value!r} is not text")
        if len(value) > MAX_PICKLIST_VALUE:
            raise _Bad(
                f"a picklist value of {len(value)} characters (at most {MAX_PICKLIST_VALUE})"
            )
        label = entry.label if isinstance(entry.label, str) and entry.label else value
        label = label[:MAX_PICKLIST_VALUE]
        kept.setdefault(value, replace(entry, value=value, label=label))
    return tuple(kept.values())
