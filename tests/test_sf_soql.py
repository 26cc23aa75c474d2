"""SOQL parser + compiler: queries compiled against real describes, run on in-memory SQLite."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from crmlink.sandbox.salesforce.errors import (
    InvalidField,
    InvalidQueryFilterOperator,
    InvalidType,
    MalformedQuery,
)
from crmlink.sandbox.salesforce.models.describes import Catalog, ObjectMeta, quote_ident
from crmlink.sandbox.salesforce.models.soql import (
    CompiledQuery,
    FunctionalityNotEnabled,
    NumberOutsideValidRange,
    compile_query,
)
from crmlink.sandbox.salesforce.models.soql.dates import date_range
from crmlink.sandbox.salesforce.models.soql.types import to_18
from tests.reference import reference_path

NOW = datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC)  # a Friday; the week began Sunday 10th
EARLY = "2000-01-01T00:00:00.000+0000"
SQL_TYPES = {
    "boolean": "INTEGER",
    "int": "INTEGER",
    "long": "INTEGER",
    "double": "REAL",
    "currency": "REAL",
    "percent": "REAL",
}


def _field(name: str, type_: str, **extra) -> dict:
    return {"name": name, "type": type_, "filterable": True, "sortable": True, **extra}


WIDGET = {
    "name": "Widget__c",
    "keyPrefix": "a01",
    "fields": [
        _field("Id", "id"),
        _field("Name", "string"),
        _field("Colors__c", "multipicklist"),
        _field("Price__c", "currency"),
        _field("Active__c", "boolean"),
        _field("Seen__c", "datetime"),
        _field("Day__c", "date"),
        _field("Account__c", "reference", referenceTo=["Account"], relationshipName="Account__r"),
        _field("Loc__c", "location"),
        _field("Loc__Latitude__s", "double", compoundFieldName="Loc__c"),
        _field("Loc__Longitude__s", "double", compoundFieldName="Loc__c"),
    ],
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    loaded = Catalog.load_dir(reference_path("salesforce", "describe"))
    return Catalog([*loaded.objects(), ObjectMeta.from_describe(WIDGET)])


class Org:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.db = sqlite3.connect(":memory:")
        self.counter = 0
        for obj in catalog.objects():
            cols = [
                f"{quote_ident(f.name)} {SQL_TYPES.get(f.type, 'TEXT')}"
                for f in obj.stored_fields()
            ]
            cols += ['"_sbx_deleted_at" TEXT', '"_sbx_visible_at" TEXT']
            self.db.execute(f"CREATE TABLE {quote_ident(obj.table)} ({', '.join(cols)})")

    def insert(self, object_name: str, **values) -> str:
        obj = self.catalog.get(object_name)
        self.counter += 1
        values.setdefault("Id", to_18(f"{obj.key_prefix}{self.counter:012d}"))
        values.setdefault("_sbx_visible_at", EARLY)
        names = list(values)
        sql = (
            f"INSERT INTO {quote_ident(obj.table)} ({', '.join(map(quote_ident, names))}) "
            f"VALUES ({', '.join('?' * len(names))})"
        )
        self.db.execute(sql, [values[n] for n in names])
        return values["Id"]

    def compile(self, soql: str, **kw) -> CompiledQuery:
        kw.setdefault("now", NOW)
        return compile_query(soql, self.catalog, **kw)

    def rows(self, soql: str, **kw) -> list[tuple]:
        return self.db.execute(*self.compile(soql, **kw).sql()).fetchall()

    def records(self, soql: str, **kw) -> list[dict]:
        q = self.compile(soql, **kw)
        return [q.to_record(r, "59.0") for r in self.db.execute(*q.sql()).fetchall()]

    def names(self, soql: str, **kw) -> list[str]:
        return [r["LastName"] if "LastName" in r else r["Name"] for r in self.records(soql, **kw)]


@pytest.fixture
def org(catalog: Catalog) -> Org:
    o = Org(catalog)
    acme = o.insert(
        "Account",
        Name="Acme",
        NumberOfEmployees=50,
        AnnualRevenue=1.5e6,
        IsPartner=1,
        BillingCity="Paris",
        BillingLatitude=48.85,
    )
    globex = o.insert("Account", Name="Globex", IsPartner=0, ParentId=acme)
    o.insert(
        "Contact",
        LastName="Smith",
        FirstName="Ann",
        AccountId=acme,
        Email="ann@x.com",
        Birthdate="2024-03-15",
        CreatedDate="2024-03-15T08:00:00.000+0000",
        MailingCity="Lyon",
        MailingPostalCode="69001",
    )
    o.insert(
        "Contact",
        LastName="Jones",
        AccountId=globex,
        Birthdate="2024-03-14",
        CreatedDate="2024-03-14T23:59:59.999+0000",
    )
    o.insert(
        "Contact",
        LastName="brown",
        Birthdate="2024-02-10",
        CreatedDate="2024-03-16T00:00:00.000+0000",
    )
    o.insert("Contact", LastName="Zed", Email=None, CreatedDate="2023-06-01T00:00:00.000+0000")
    o.insert(
        "Widget__c",
        Name="w1",
        Colors__c="red;green",
        Price__c=10.0,
        Active__c=1,
        Account__c=acme,
        Loc__Latitude__s=1.5,
        Loc__Longitude__s=2.5,
    )
    o.insert("Widget__c", Name="w2", Colors__c="blue", Price__c=20.5, Active__c=0)
    o.insert("Widget__c", Name="w3", Colors__c=None, Price__c=None)
    o.insert("Widget__c", Name="w4", Colors__c="red;blue;green", Price__c=5.0, Active__c=1)
    return o


# ---- select list and records ----------------------------------------------------------


def test_record_shape_canonical_names_and_parent(org: Org) -> None:
    recs = org.records("select id, lastname, account.name from contact order by lastname")
    smith = next(r for r in recs if r["LastName"] == "Smith")
    assert list(smith) == ["attributes", "Id", "LastName", "Account"]
    assert smith["attributes"] == {
        "type": "Contact",
        "url": f"/services/data/v59.0/sobjects/Contact/{smith['Id']}",
    }
    assert smith["Account"]["Name"] == "Acme"
    assert smith["Account"]["attributes"]["type"] == "Account"
    assert smith["Account"]["attributes"]["url"].startswith(
        "/services/data/v59.0/sobjects/Account/"
    )
    brown = next(r for r in recs if r["LastName"] == "brown")
    assert brown["Account"] is None


def test_url_has_id_even_when_not_selected(org: Org) -> None:
    q = org.compile("SELECT LastName FROM Contact WHERE LastName = 'Smith'")
    row = org.db.execute(*q.sql()).fetchone()
    rec = q.to_record(row, "v60.0")
    assert list(rec) == ["attributes", "LastName"]
    assert rec["attributes"]["url"].startswith("/services/data/v60.0/sobjects/Contact/003")


def test_value_types_in_records(org: Org) -> None:
    acme = org.records(
        "SELECT Name, NumberOfEmployees, AnnualRevenue, IsPartner, Industry "
        "FROM Account WHERE Name = 'Acme'"
    )[0]
    assert acme["NumberOfEmployees"] == 50 and isinstance(acme["NumberOfEmployees"], int)
    assert acme["AnnualRevenue"] == 1.5e6 and isinstance(acme["AnnualRevenue"], float)
    assert acme["IsPartner"] is True
    assert acme["Industry"] is None


def test_compound_fields_nested(org: Org) -> None:
    recs = org.records("SELECT LastName, MailingAddress FROM Contact ORDER BY LastName")
    by_name = {r["LastName"]: r for r in recs}
    assert by_name["Smith"]["MailingAddress"]["city"] == "Lyon"
    assert by_name["Smith"]["MailingAddress"]["postalCode"] == "69001"
    assert by_name["Smith"]["MailingAddress"]["street"] is None
    assert by_name["Jones"]["MailingAddress"] is None
    w = org.records("SELECT Name, Loc__c FROM Widget__c WHERE Name = 'w1'")[0]
    assert w["Loc__c"] == {"latitude": 1.5, "longitude": 2.5}


def test_multi_level_parent(org: Org) -> None:
    recs = org.records("SELECT LastName, Account.Parent.Name FROM Contact ORDER BY LastName")
    by_name = {r["LastName"]: r for r in recs}
    assert by_name["Jones"]["Account"]["Parent"]["Name"] == "Acme"
    assert by_name["Smith"]["Account"]["Parent"] is None
    assert by_name["brown"]["Account"] is None


def test_object_alias_and_name_prefix(org: Org) -> None:
    assert org.names("SELECT c.LastName FROM Contact c WHERE c.LastName = 'Zed'") == ["Zed"]
    assert org.names("SELECT Contact.LastName FROM Contact WHERE LastName = 'Zed'") == ["Zed"]


# ---- where ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("LastName = 'smith'", ["Smith"]),  # case-insensitive
        ("LastName != 'Smith'", ["brown", "Jones", "Zed"]),
        ("LastName <> 'Smith'", ["brown", "Jones", "Zed"]),
        ("Email != 'ann@x.com'", ["brown", "Jones", "Zed"]),  # != matches nulls
        ("Email = null", ["brown", "Jones", "Zed"]),
        ("Email != null", ["Smith"]),
        ("Email = ''", ["brown", "Jones", "Zed"]),
        ("LastName < 'K'", ["brown", "Jones"]),
        ("LastName >= 'S'", ["Smith", "Zed"]),
        ("LastName IN ('zed', 'Jones')", ["Jones", "Zed"]),
        ("LastName NOT IN ('zed', 'Jones')", ["brown", "Smith"]),
        ("Email NOT IN ('ann@x.com')", ["brown", "Jones", "Zed"]),
        ("LastName LIKE 'sm%'", ["Smith"]),
        ("LastName LIKE '_ones'", ["Jones"]),
        ("LastName LIKE '%o%'", ["brown", "Jones"]),
        ("Account.Name = 'Acme'", ["Smith"]),
        ("Account.Name = null", ["brown", "Zed"]),
        ("Account.Parent.Name = 'Acme'", ["Jones"]),
        ("LastName = 'Smith' OR LastName = 'Zed'", ["Smith", "Zed"]),
        ("(LastName = 'Smith' OR LastName = 'Zed') AND Email = null", ["Zed"]),
        ("NOT LastName = 'Smith'", ["brown", "Jones", "Zed"]),
        ("NOT (Email = 'ann@x.com')", ["brown", "Jones", "Zed"]),
        ("NOT (LastName = 'Smith' OR LastName LIKE 'J%')", ["brown", "Zed"]),
    ],
)
def test_where_operators(org: Org, where: str, expected: list[str]) -> None:
    got = org.names(f"SELECT LastName FROM Contact WHERE {where} ORDER BY LastName")
    assert got == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Price__c > 6", ["w1", "w2"]),
        ("Price__c = 20.5", ["w2"]),
        ("Price__c <= 10", ["w1", "w4"]),
        ("Price__c IN (5, 20.5)", ["w2", "w4"]),
        ("Active__c = true", ["w1", "w4"]),
        ("Active__c = FALSE", ["w2"]),
        ("Active__c != true", ["w2", "w3"]),
        ("Colors__c INCLUDES ('red')", ["w1", "w4"]),
        ("Colors__c INCLUDES ('red;blue')", ["w4"]),
        ("Colors__c INCLUDES ('green;blue', 'blue')", ["w2", "w4"]),
        ("Colors__c EXCLUDES ('red')", ["w2", "w3"]),
        ("Colors__c EXCLUDES ('red;blue')", ["w1", "w2", "w3"]),
        ("Account__r.Name = 'Acme'", ["w1"]),
    ],
)
def test_where_typed_fields(org: Org, where: str, expected: list[str]) -> None:
    assert org.names(f"SELECT Name FROM Widget__c WHERE {where} ORDER BY Name") == expected


def test_like_escapes_and_literal_wildcards(org: Org) -> None:
    org.insert("Contact", LastName="100% pure")
    org.insert("Contact", LastName="1000 pure")
    org.insert("Contact", LastName="a_b")
    org.insert("Contact", LastName="axb")
    assert org.names(r"SELECT LastName FROM Contact WHERE LastName LIKE '100\%%'") == ["100% pure"]
    assert org.names(r"SELECT LastName FROM Contact WHERE LastName LIKE 'a\_b'") == ["a_b"]
    assert org.names(
        "SELECT LastName FROM Contact WHERE LastName LIKE 'a_b' ORDER BY LastName"
    ) == ["a_b", "axb"]


def test_fifteen_char_id_matches(org: Org) -> None:
    full = org.records("SELECT Id FROM Account WHERE Name = 'Acme'")[0]["Id"]
    assert org.names(f"SELECT Name FROM Account WHERE Id = '{full[:15]}'") == ["Acme"]
    assert org.names(f"SELECT LastName FROM Contact WHERE AccountId IN ('{full}')") == ["Smith"]


# ---- hostile input --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "O'Brien",
        "'; DROP TABLE sobj_Contact; --",
        'say "hi"',
        "Zoë 日本 🚀",
        "back\\slash",
        "tab\there",
        "line\nbreak",
        "50% off_now",
    ],
)
def test_hostile_values_matched_exactly(org: Org, value: str) -> None:
    org.insert("Contact", LastName=value)
    org.insert("Contact", LastName=value + "x")
    escaped = (
        value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t")
    )
    soql = f"SELECT LastName FROM Contact WHERE LastName = '{escaped}'"
    sql, params = org.compile(soql).sql()
    assert value in params and "DROP" not in sql and "Brien" not in sql
    assert org.names(soql) == [value]
    assert org.db.execute("SELECT COUNT(*) FROM sobj_Contact").fetchone()[0] == 6


def test_string_escapes_decoded(org: Org) -> None:
    q = org.compile(r"SELECT Id FROM Contact WHERE LastName = 'a\'b\"c\\d\ne\tf\rg\bh\fi\_j\%k'")
    assert q.params[0] == "a'b\"c\\d\ne\tf\rg\bh\fi_j%k"


# ---- dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "start", "end"),
    [
        ("TODAY", "2024-03-15", "2024-03-16"),
        ("YESTERDAY", "2024-03-14", "2024-03-15"),
        ("TOMORROW", "2024-03-16", "2024-03-17"),
        ("THIS_WEEK", "2024-03-10", "2024-03-17"),
        ("LAST_WEEK", "2024-03-03", "2024-03-10"),
        ("NEXT_WEEK", "2024-03-17", "2024-03-24"),
        ("THIS_MONTH", "2024-03-01", "2024-04-01"),
        ("LAST_MONTH", "2024-02-01", "2024-03-01"),
        ("NEXT_MONTH", "2024-04-01", "2024-05-01"),
        ("LAST_90_DAYS", "2023-12-16", "2024-03-16"),
        ("NEXT_90_DAYS", "2024-03-16", "2024-06-14"),
        ("THIS_YEAR", "2024-01-01", "2025-01-01"),
        ("LAST_YEAR", "2023-01-01", "2024-01-01"),
        ("NEXT_YEAR", "2025-01-01", "2026-01-01"),
        ("LAST_N_DAYS:3", "2024-03-12", "2024-03-16"),
        ("NEXT_N_DAYS:3", "2024-03-16", "2024-03-19"),
        ("LAST_N_WEEKS:2", "2024-02-25", "2024-03-10"),
        ("NEXT_N_WEEKS:2", "2024-03-17", "2024-03-31"),
        ("LAST_N_MONTHS:14", "2023-01-01", "2024-03-01"),
        ("NEXT_N_MONTHS:10", "2024-04-01", "2025-02-01"),
        ("LAST_N_YEARS:2", "2022-01-01", "2024-01-01"),
        ("NEXT_N_YEARS:2", "2025-01-01", "2027-01-01"),
    ],
)
def test_date_literal_ranges(org: Org, literal: str, start: str, end: str) -> None:
    q = org.compile(f"SELECT Id FROM Contact WHERE Birthdate = {literal}")
    assert q.params[:2] == [start, end]
    q = org.compile(f"SELECT Id FROM Contact WHERE CreatedDate = {literal}")
    assert q.params[:2] == [f"{start}T00:00:00.000+0000", f"{end}T00:00:00.000+0000"]
    name, _, n = literal.partition(":")
    assert [d.isoformat() for d in date_range(name, int(n) if n else None, NOW)] == [start, end]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("CreatedDate = TODAY", ["Smith"]),
        ("CreatedDate = YESTERDAY", ["Jones"]),
        ("CreatedDate > TODAY", ["brown"]),
        ("CreatedDate >= TODAY", ["brown", "Smith"]),
        ("CreatedDate < TODAY", ["Jones", "Zed"]),
        ("CreatedDate <= TODAY", ["Jones", "Smith", "Zed"]),
        ("CreatedDate != TODAY", ["brown", "Jones", "Zed"]),
        ("CreatedDate = LAST_N_DAYS:1", ["Jones", "Smith"]),
        ("CreatedDate = THIS_YEAR", ["brown", "Jones", "Smith"]),
        ("CreatedDate = LAST_YEAR", ["Zed"]),
        ("Birthdate = TODAY", ["Smith"]),
        ("Birthdate = LAST_MONTH", ["brown"]),
        ("Birthdate > YESTERDAY", ["Smith"]),
        ("Birthdate < THIS_WEEK", ["brown"]),
        ("Birthdate = THIS_WEEK", ["Jones", "Smith"]),
        ("Birthdate = 2024-03-14", ["Jones"]),
        ("Birthdate >= 2024-03-01", ["Jones", "Smith"]),
        ("CreatedDate = 2024-03-15T08:00:00Z", ["Smith"]),
        ("CreatedDate = 2024-03-15T10:00:00.000+02:00", ["Smith"]),
        ("CreatedDate > 2024-03-14T23:59:59Z", ["brown", "Jones", "Smith"]),
        ("CreatedDate < 2024-03-15T01:00:00+01:00", ["Jones", "Zed"]),
    ],
)
def test_date_filters_execute(org: Org, where: str, expected: list[str]) -> None:
    assert org.names(f"SELECT LastName FROM Contact WHERE {where} ORDER BY LastName") == expected


def test_date_literal_type_mismatch(org: Org) -> None:
    with pytest.raises(InvalidField, match="must be of type dateTime"):
        org.compile("SELECT Id FROM Contact WHERE CreatedDate = 2024-01-01")
    with pytest.raises(InvalidField, match="must be of type date and should not be enclosed"):
        org.compile("SELECT Id FROM Contact WHERE Birthdate = '2024-01-01'")
    with pytest.raises(InvalidField, match="must be of type string"):
        org.compile("SELECT Id FROM Contact WHERE LastName = TODAY")


# ---- order, limit, offset -------------------------------------------------------------


def test_order_nulls_defaults_and_explicit(org: Org) -> None:
    base = "SELECT LastName FROM Contact ORDER BY Email"
    assert org.names(base)[-1] == "Smith"  # ASC -> NULLS FIRST
    assert org.names(base + " DESC")[0] == "Smith"  # DESC -> NULLS LAST
    assert org.names(base + " ASC NULLS LAST")[0] == "Smith"
    assert org.names(base + " DESC NULLS FIRST")[-1] == "Smith"
    assert org.names(
        "SELECT LastName FROM Contact ORDER BY Account.Name DESC NULLS LAST, LastName"
    ) == ["Jones", "Smith", "brown", "Zed"]


def test_order_text_case_insensitive_and_stable(org: Org) -> None:
    assert org.names("SELECT LastName FROM Contact ORDER BY LastName") == [
        "brown",
        "Jones",
        "Smith",
        "Zed",
    ]
    assert org.names("SELECT LastName FROM Contact") == ["Smith", "Jones", "brown", "Zed"]


def test_limit_offset(org: Org) -> None:
    soql = "SELECT LastName FROM Contact ORDER BY LastName LIMIT 2 OFFSET 1"
    assert org.names(soql) == ["Jones", "Smith"]
    q = org.compile(soql)
    assert org.db.execute(*q.count_sql()).fetchone()[0] == 2
    assert org.names("SELECT LastName FROM Contact ORDER BY LastName OFFSET 3") == ["Zed"]
    with pytest.raises(NumberOutsideValidRange, match="Maximum SOQL offset allowed is 2000"):
        org.compile("SELECT Id FROM Contact OFFSET 2001")


def test_paging_by_a_cursor_matches_sql(org: Org) -> None:
    q = org.compile("SELECT LastName, Account.Name FROM Contact ORDER BY LastName DESC")
    org.db.execute("CREATE TEMP TABLE page_cursor (seq INTEGER PRIMARY KEY, rid INTEGER)")
    org.db.execute(f"INSERT INTO page_cursor (rid) {q.rowids_sql()[0]}", q.rowids_sql()[1])
    whole = org.db.execute(q.cursor_rows_sql("page_cursor"), {"low": 0, "high": 4}).fetchall()
    page = org.db.execute(q.cursor_rows_sql("page_cursor"), {"low": 1, "high": 3}).fetchall()
    assert whole == org.db.execute(*q.sql()).fetchall() and page == whole[1:3]
    assert [q.to_record(r, "59.0")["LastName"] for r in whole] == ["Zed", "Smith", "Jones", "brown"]


# ---- counts and aggregates ------------------------------------------------------------


def test_count_only(org: Org) -> None:
    q = org.compile("SELECT COUNT() FROM Contact WHERE Email = null")
    assert q.count_only and not q.aggregate
    assert org.db.execute(*q.sql()).fetchone()[0] == 3
    q = org.compile("SELECT count() FROM Contact LIMIT 2")
    assert org.db.execute(*q.count_sql()).fetchone()[0] == 2


def test_count_field_aggregate(org: Org) -> None:
    q = org.compile("SELECT COUNT(Id), COUNT(Email), MAX(LastName) mx FROM Contact")
    assert q.aggregate
    recs = org.records("SELECT COUNT(Id), COUNT(Email), MAX(LastName) mx FROM Contact")
    assert recs == [
        {"attributes": {"type": "AggregateResult"}, "expr0": 4, "expr1": 1, "mx": "Zed"}
    ]
    assert org.records("SELECT COUNT(Id) FROM Contact WHERE LastName = 'nobody'")[0]["expr0"] == 0
    assert org.db.execute(*q.count_sql()).fetchone()[0] == 1


def test_aggregate_errors(org: Org) -> None:
    with pytest.raises(MalformedQuery, match="Field must be grouped or aggregated: LastName"):
        org.compile("SELECT LastName, COUNT(Id) FROM Contact")
    with pytest.raises(MalformedQuery, match="COUNT"):
        org.compile("SELECT Id, COUNT() FROM Contact")
    with pytest.raises(InvalidField, match="does not support aggregate operator SUM"):
        org.compile("SELECT SUM(LastName) FROM Contact")


# ---- visibility -----------------------------------------------------------------------


def test_deleted_rows_only_with_include_deleted(org: Org) -> None:
    org.insert("Contact", LastName="Gone", _sbx_deleted_at="2024-03-01T00:00:00.000+0000")
    assert "Gone" not in org.names("SELECT LastName FROM Contact")
    assert "Gone" in org.names("SELECT LastName FROM Contact", include_deleted=True)
    assert org.db.execute(*org.compile("SELECT COUNT() FROM Contact").sql()).fetchone()[0] == 4


def test_rows_invisible_until_visible_at(org: Org) -> None:
    org.insert("Contact", LastName="Late", _sbx_visible_at="2024-03-15T12:00:01.000+0000")
    assert "Late" not in org.names("SELECT LastName FROM Contact")
    later = datetime(2024, 3, 15, 12, 0, 1, tzinfo=UTC)
    assert "Late" in org.names("SELECT LastName FROM Contact", now=later)


# ---- bulk csv -------------------------------------------------------------------------


def test_csv_header_and_rows(org: Org) -> None:
    q = org.compile(
        "SELECT name, isPartner, numberofemployees, parent.name FROM Account ORDER BY Name"
    )
    assert q.csv_header() == ["Name", "IsPartner", "NumberOfEmployees", "Parent.Name"]
    rows = [q.to_csv_row(r) for r in org.db.execute(*q.sql()).fetchall()]
    assert rows == [["Acme", "true", "50", ""], ["Globex", "false", "", "Acme"]]


def test_bulk_rejects_compound_and_aggregates(org: Org) -> None:
    with pytest.raises(FunctionalityNotEnabled, match="compound data not supported"):
        org.compile("SELECT Id, MailingAddress FROM Contact").check_bulk_compatible()
    with pytest.raises(FunctionalityNotEnabled):
        org.compile("SELECT COUNT() FROM Contact").csv_header()
    org.compile("SELECT Id, MailingCity FROM Contact").check_bulk_compatible()


# ---- errors ---------------------------------------------------------------------------


def test_invalid_field_message(org: Org) -> None:
    with pytest.raises(InvalidField) as err:
        org.compile("SELECT Idx FROM Contact")
    assert err.value.message == (
        "\nSELECT Idx FROM Contact\n       ^\nERROR at Row:1:Column:8\nNo such column 'Idx' on "
        "entity 'Contact'. If you are attempting to use a custom field, be sure to append the "
        "'__c' after the custom field name. Please reference your WSDL or the describe call for "
        "the appropriate names."
    )
    with pytest.raises(InvalidField, match="No such column 'Nope' on entity 'Account'"):
        org.compile("SELECT Id FROM Contact WHERE Account.Nope = 'x'")
    with pytest.raises(InvalidField, match="Didn't understand relationship 'Foo'"):
        org.compile("SELECT Foo.Name FROM Contact")
    with pytest.raises(InvalidField, match="can not be sorted"):
        org.compile("SELECT Id FROM Contact ORDER BY Description")
    with pytest.raises(InvalidField, match="can not be filtered"):
        org.compile("SELECT Id FROM Contact WHERE Description = 'x'")


def test_invalid_type_message_matches_salesforce(org: Org) -> None:
    with pytest.raises(InvalidType) as err:
        org.compile("select count() from XYZZY")
    assert err.value.message == (
        "\nselect count() from XYZZY\n                    ^\nERROR at Row:1:Column:21\nsObject "
        "type 'XYZZY' is not supported. If you are attempting to use a custom object, be sure to "
        "append the '__c' after the entity name. Please reference your WSDL or the describe call "
        "for the appropriate names."
    )
    with pytest.raises(InvalidType, match="Row:1:Column:19"):
        org.compile("SELECT Xyzzy FROM Xyzzy")  # the object is checked before its fields


@pytest.mark.parametrize(
    ("soql", "fragment"),
    [
        ("SELECT Id, FROM Contact", "unexpected token: 'FROM'"),
        ("SELECT Id FROM Contact WHERE", "unexpected token: '<EOF>'"),
        (
            "SELECT Id FROM Contact WHERE LastName = 'x' AND Email = 'y' OR Id = null",
            "unexpected token: 'OR'",
        ),
        ("SELECT Id FROM Contact WHERE LastName = 'unterminated", "unexpected token"),
        ("SELECT Id FROM Contact LIMIT x", "unexpected token: 'x'"),
        ('SELECT Id FROM Contact WHERE LastName = "x"', "unexpected token"),
        (
            "SELECT Id, (SELECT Id, (SELECT Id FROM Cases) FROM Contacts) FROM Account",
            "subqueries are not supported",
        ),
        ("SELECT LastName, COUNT(Id) FROM Contact GROUP BY LastName", "GROUP BY"),
        (
            "SELECT Id, (SELECT TYPEOF What WHEN Account THEN Name END FROM Contacts) FROM Account",
            "TYPEOF",
        ),
        ("SELECT Id FROM Contact FOR UPDATE", "FOR VIEW/REFERENCE/UPDATE"),
        ("SELECT toLabel(LeadSource) FROM Contact", "toLabel() is not supported"),
        ("SELECT Id, Id FROM Contact", "duplicate field selected: Id"),
        ("SELECT Id FROM Contact WHERE LastName = :name", "Bind variables"),
        ("SELECT Id FROM Contact WHERE Birthdate = LAST_N_DAYS", "Invalid date literal"),
    ],
)
def test_malformed_queries(org: Org, soql: str, fragment: str) -> None:
    with pytest.raises(MalformedQuery) as err:
        org.compile(soql)
    assert fragment in err.value.message
    assert "ERROR at Row:1:Column:" in err.value.message


def test_error_position_on_later_line(org: Org) -> None:
    with pytest.raises(InvalidField) as err:
        org.compile("SELECT Id\nFROM Contact\nWHERE Bogus = 1")
    assert "\nWHERE Bogus = 1\n      ^\nERROR at Row:3:Column:7\n" in err.value.message


def test_operator_errors(org: Org) -> None:
    with pytest.raises(InvalidQueryFilterOperator, match="only valid on multipicklist"):
        org.compile("SELECT Id FROM Contact WHERE LastName INCLUDES ('a')")
    with pytest.raises(InvalidQueryFilterOperator, match="invalid ID field: 12345"):
        org.compile("SELECT Id FROM Contact WHERE AccountId = '12345'")
    with pytest.raises(InvalidField, match="must be of type boolean and should not be enclosed"):
        org.compile("SELECT Id FROM Widget__c WHERE Active__c = 'true'")
    with pytest.raises(InvalidField, match="must be of type currency"):
        org.compile("SELECT Id FROM Widget__c WHERE Price__c = '5'")
    with pytest.raises(InvalidField, match="must be of type integer"):
        org.compile("SELECT Id FROM Account WHERE NumberOfEmployees = true")


def test_keywords_case_insensitive_and_security_clause(org: Org) -> None:
    soql = (
        "select lastname from contact where lastname like 's%' with security_enforced "
        "order by lastname desc nulls last limit 10"
    )
    assert org.names(soql) == ["Smith"]


def test_invalid_date_literals(org: Org) -> None:
    with pytest.raises(MalformedQuery, match="invalid date literal: '2024-02-30'"):
        org.compile("SELECT Id FROM Contact WHERE Birthdate = 2024-02-30")
    with pytest.raises(MalformedQuery, match="invalid datetime literal"):
        org.compile("SELECT Id FROM Contact WHERE CreatedDate = 2024-02-01T25:00:00Z")


def test_sql_never_contains_literals(org: Org) -> None:
    q = org.compile(
        "SELECT Id FROM Widget__c WHERE Name IN ('secret1') AND Price__c > 4242 "
        "AND Colors__c INCLUDES ('secret2') AND Name LIKE 'secret3%'"
    )
    for piece in ("secret1", "secret2", "secret3", "4242"):
        assert piece not in q.where_sql
    assert q.params[:2] == ["secret1", 4242]
