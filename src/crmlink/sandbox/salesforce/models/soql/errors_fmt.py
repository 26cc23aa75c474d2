"""Salesforce-shaped SOQL error messages: the query line, a caret, Row/Column, the text."""

from __future__ import annotations

from crmlink.sandbox.salesforce.errors import (
    FunctionalityNotEnabled,
    InvalidField,
    InvalidType,
    MalformedQuery,
    NumberOutsideValidRange,
    SalesforceError,
)

__all__ = ["FunctionalityNotEnabled", "NumberOutsideValidRange"]


def located(text: str, pos: int, message: str) -> str:
    """`\\n<line>\\n<spaces>^\\nERROR at Row:r:Column:c\\n<message>` as Salesforce writes it."""
    pos = max(0, min(pos, len(text)))
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start : line_end if line_end >= 0 else len(text)].rstrip()
    row = text.count("\n", 0, pos) + 1
    col = pos - line_start + 1
    return f"\n{line}\n{' ' * (col - 1)}^\nERROR at Row:{row}:Column:{col}\n{message}"


def malformed(text: str, pos: int, message: str) -> SalesforceError:
    return MalformedQuery(located(text, pos, message))


def no_such_column(text: str, pos: int, name: str, entity: str) -> SalesforceError:
    return InvalidField(
        located(
            text,
            pos,
            f"No such column '{name}' on entity '{entity}'. If you are attempting to use a "
            "custom field, be sure to append the '__c' after the custom field name. Please "
            "reference your WSDL or the describe call for the appropriate names.",
        )
    )


def bad_relationship(text: str, pos: int, name: str) -> SalesforceError:
    return InvalidField(
        located(
            text,
            pos,
            f"Didn't understand relationship '{name}' in field path. If you are attempting "
            "to use a custom relationship, be sure to append the '__r' after the custom "
            "relationship name. Please reference your WSDL or the describe call for the "
            "appropriate names.",
        )
    )


def unsupported_object(text: str, pos: int, name: str) -> SalesforceError:
    return InvalidType(
        located(
            text,
            pos,
            f"sObject type '{name}' is not supported. If you are attempting to use a custom "
            "object, be sure to append the '__c' after the entity name. Please reference your "
            "WSDL or the describe call for the appropriate names.",
        )
    )


def invalid_field(text: str, pos: int, message: str) -> SalesforceError:
    return InvalidField(located(text, pos, message))
