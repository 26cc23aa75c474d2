"""The crm activity's options, dates and conversions, without a CRM."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from crmlink.errors import UsageError
from crmlink.model import FieldKind, RemoteField
from crmlink.workflow.activities.crm import CrmActivityConfig
from crmlink.workflow.activities.crm.common import error_symbol
from crmlink.workflow.activities.crm.conversions import to_campaign, to_crm, zone
from crmlink.workflow.activities.crm.dates import iso, parse_date

BASE = {"type": "crm", "account": "sfdc", "object": "Contact"}


def error_of(**options) -> str:
    with pytest.raises(ValidationError) as caught:
        CrmActivityConfig.model_validate({**BASE, **options})
    return str(caught.value)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"operation": "import", "mapping": {"Email": "email"}},
         "option mapping does not apply to operation import"),
        ({"operation": "export"}, "an export needs a mapping"),
        ({"operation": "import", "overlap": 10}, "index_field and overlap need incremental"),
        ({"operation": "import", "incremental": True, "order_by": ["Email"]}, "remove order_by"),
        ({"operation": "import", "ids_from": "crm_id", "filter": "Email != null"},
         "it takes no filter"),
        ({"operation": "import", "timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"operation": "import", "order_by": ["Email sideways"]}, "must be 'Field' or"),
        ({"operation": "export", "mapping": {"Email": "email"}, "key": "External_Id__c"},
         "key 'External_Id__c' must be one of the mapped remote fields"),
        ({"operation": "import_deleted", "start": "last tuesday"}, "start 'last tuesday' is not"),
        ({"operation": "delete"}, "a delete needs ids_from"),
        ({"operation": "import", "conversions": {"Email": "uppercase"}}, "conversions.Email"),
        ({"operation": "import", "feilds": ["Email"]}, "feilds"),
    ],
)  # fmt: skip
def test_bad_options_are_named(options, message):
    assert message in error_of(**options)


def test_a_revalidated_dump_keeps_only_given_options():
    config = CrmActivityConfig.model_validate({**BASE, "operation": "import", "fields": "Email"})
    again = CrmActivityConfig.model_validate(config.model_dump())  # as the engine does
    assert again.fields == ["Email"] and "mapping" not in again.given()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-27", "2024-06-27T00:00:00.000Z"),
        ("2024/06/27 14:25:00", "2024-06-27T14:25:00.000Z"),
        ("2024.06.27", "2024-06-27T00:00:00.000Z"),
        ("2024-06-27T16:25:00+02:00", "2024-06-27T14:25:00.000Z"),
        ("2024-06-27T14:25:00.5Z", "2024-06-27T14:25:00.500Z"),
    ],
)
def test_dates(text, expected):
    assert iso(parse_date(text)) == expected


def test_error_symbols():
    assert error_symbol("REQUIRED_FIELD_MISSING") == "required"
    assert error_symbol("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST") == "picklist"
    assert error_symbol("DUPLICATE_VALUE") == "duplicate"
    assert error_symbol("INVALID_OPTION") == "picklist"  # HubSpot
    assert error_symbol("READ_ONLY_VALUE") == "read_only"
    assert error_symbol("SOMETHING_NEW") == "something_new"


DATETIME = RemoteField("When__c", "When", "datetime", FieldKind.DATETIME)
DATE = RemoteField("Day__c", "Day", "date", FieldKind.DATE)
PARIS = zone("Europe/Paris")
LATE = dt.datetime(2024, 3, 1, 23, 30, tzinfo=dt.UTC)


def test_import_conversions():
    assert to_campaign(LATE, "default", PARIS) == LATE
    assert to_campaign(dt.datetime(2024, 3, 1, 12), "default", PARIS).hour == 11  # no offset
    assert to_campaign(LATE, "date_only", PARIS) == dt.date(2024, 3, 2)
    assert to_campaign(LATE, "without_time_offset", PARIS) == dt.datetime(2024, 3, 1, 23, 30)
    assert to_campaign(LATE, "copy", PARIS) == "2024-03-01T23:30:00.000Z"
    assert to_campaign(True, "copy", PARIS) == "true"


def test_export_conversions():
    naive = dt.datetime(2024, 3, 1, 12)
    assert to_crm(naive, DATETIME, "default", PARIS, aware_column=True).hour == 12
    assert (
        to_crm(naive, DATETIME, "default", PARIS, aware_column=False).astimezone(dt.UTC).hour == 11
    )
    assert to_crm(LATE, DATE, "date_only", PARIS, True) == dt.date(2024, 3, 2)
    assert to_crm(naive, DATETIME, "without_time_offset", PARIS, False) == naive.replace(
        tzinfo=dt.UTC
    )
    assert to_crm(dt.date(2024, 3, 2), DATETIME, "default", PARIS, True).utcoffset()
    with pytest.raises(ValueError, match="not a date"):
        to_crm("soon", DATETIME, "default", PARIS, True)


def test_date_only_needs_a_date_field():
    from crmlink.workflow.activities.crm.conversions import check

    with pytest.raises(UsageError, match="date_only applies to date and datetime fields"):
        check(RemoteField("Email", "Email", "email", FieldKind.EMAIL), "date_only")
