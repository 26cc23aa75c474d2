"""What the fault matrix needs to know of each CRM: its contact object and fields, the
workflows of the five operations, and how to read the sandbox's own store (the truth a
run is checked against, read beside the API, never through it)."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from crmlink.errors import RetryableError
from crmlink.model import WriteMode
from crmlink.sandbox.dynamics.app import DynamicsSandbox
from crmlink.sandbox.dynamics.models.data.tables import table as dv_table
from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.reliability.conftest import control, digest, open_connector

CONTACT_COLUMNS = ["id", "first_name", "last_name", "email"]


@dataclass(frozen=True)
class Profile:
    name: str
    object: str
    key: str  # the record id field
    first: str
    last: str
    email: str
    upsert_key: str  # the export's external ID / alternate key
    ext_column: str  # the campaign column the export's key is mapped from

    # -- workflows ----------------------------------------------------------------------
    def import_flow(self, incremental: bool = False) -> str:
        extra = "incremental: true" if incremental else ""
        return f"""
        name: import-contacts
        activities:
          read:
            type: crm
            operation: import
            account: crm
            object: {self.object}
            fields: [{self.first}, {self.last}, {self.email}]
            {extra}
            next: [save]
          save:
            type: update
            table: contacts
            operation: upsert
            keys: [id]
            mapping: {{id: {self.key}, first_name: {self.first}, last_name: {self.last}, email: {self.email}}}
        """  # noqa: E501

    def export_flow(self, batch_size: int) -> str:
        mapping = {self.last: "last_name", self.first: "first_name", self.email: "email"}
        mapping[self.upsert_key] = self.ext_column
        text = ", ".join(f"{k}: {v}" for k, v in mapping.items())
        return f"""
        name: export-people
        activities:
          pick: {{type: query, table: people, order_by: [id], next: [export]}}
          export:
            type: crm
            operation: export
            account: crm
            object: {self.object}
            mapping: {{{text}}}
            key: {self.upsert_key}
            batch_size: {batch_size}
        """

    def sync_flow(self, batch_size: int) -> str:
        """An import (read, save) and an export (pick, export) in one workflow."""
        imports = textwrap.dedent(self.import_flow()).split("activities:\n", 1)[1]
        exports = textwrap.dedent(self.export_flow(batch_size)).split("activities:\n", 1)[1]
        return f"name: crash-sync\nactivities:\n{imports}{exports}"

    def delete_flow(self, batch_size: int) -> str:
        return f"""
        name: delete-victims
        activities:
          pick: {{type: query, table: victims, order_by: [id], next: [delete]}}
          delete:
            type: crm
            operation: delete
            account: crm
            object: {self.object}
            ids_from: id
            batch_size: {batch_size}
        """

    def deleted_flow(self) -> str:
        return f"""
        name: import-deletions
        activities:
          read:
            type: crm
            operation: import_deleted
            account: crm
            object: {self.object}
            start: "{{{{since}}}}"
            end: "{{{{until}}}}"
            next: [save]
          save:
            type: update
            table: deletions
            operation: upsert
            keys: [id]
            mapping: {{id: id, deleted_at: deleted_at}}
        """

    # -- people to export ---------------------------------------------------------------
    def people(self, count: int, tag: str) -> list[dict]:
        return [
            {
                "id": i,
                "first_name": f"Fay{i % 97}",
                "last_name": f"Export{i}",
                "email": f"p{i}.{tag}@example.com",
                "ext_id": f"{tag}-{i}",
            }
            for i in range(1, count + 1)
        ]

    # -- the sandbox's store ------------------------------------------------------------
    def live(self, sandbox) -> dict[str, str]:
        """Every live contact: id -> checksum of (first, last, email)."""
        return {str(r[0]): digest(tuple(r[1:])) for r in self._rows(sandbox, live=True)}

    def tagged(self, sandbox, tag: str) -> dict[str, list[str]]:
        """The live contacts a tagged export wrote: person number -> their checksums
        (a list: two records for one person would be a duplicate)."""
        found: dict[str, list[str]] = {}
        for _, first, last, email in self._rows(sandbox, live=True, like=f"%.{tag}@%"):
            number = email.split(".", 1)[0][1:]
            found.setdefault(number, []).append(digest((first, last, email.replace(tag, "T"))))
        return found

    def _rows(self, sandbox, live: bool, like: str | None = None) -> list[tuple]:
        raise NotImplementedError

    def purge(self, sandbox, tag: str) -> None:
        """Remove what a tagged export wrote, in the store (no API, no tombstone)."""
        raise NotImplementedError

    def deleted_ids(self, sandbox, ids: list[str]) -> set[str]:
        raise NotImplementedError

    def modify(self, sandbox, ids: list[str], last_names: list[str]) -> None:
        """Change the last names of `ids` through the API (faults apply: a call in doubt
        is sent again, as an update by id may be)."""
        rows = [{self.key: i, self.last: n} for i, n in zip(ids, last_names, strict=True)]
        for attempt in range(1, 6):
            try:
                with open_connector(sandbox) as connector:
                    results = list(connector.write(self.object, rows, WriteMode.UPDATE, self.key))
                break
            except RetryableError:
                if attempt == 5:
                    raise
        assert all(r.success for r in results), [r.error for r in results if not r.success][:3]

    def add_victims(self, sandbox, count: int, seed: int) -> list[str]:
        """`count` new contacts, loaded straight into the store: their ids."""
        before = set(self.live(sandbox))
        self._load(sandbox, count, seed)
        return sorted(set(self.live(sandbox)) - before)

    def _load(self, sandbox, count: int, seed: int) -> None:
        raise NotImplementedError


class SalesforceProfile(Profile):
    def _rows(self, sandbox: SalesforceSandbox, live: bool, like: str | None = None) -> list:
        sql = 'SELECT "Id", "FirstName", "LastName", "Email" FROM "sobj_Contact" WHERE 1 = 1'
        params: list = []
        if live:
            sql += ' AND "_sbx_deleted_at" IS NULL'
        if like:
            sql += ' AND "Email" LIKE ?'
            params.append(like)
        with sandbox.store.reader() as conn:
            return conn.execute(sql, params).fetchall()

    def _load(self, sandbox: SalesforceSandbox, count: int, seed: int) -> None:
        rows = (
            {"FirstName": "Victim", "LastName": f"V{seed}-{i}", "Email": f"v{i}.s{seed}@x.example"}
            for i in range(count)
        )
        sandbox.org.bulk_load("Contact", rows)

    def purge(self, sandbox: SalesforceSandbox, tag: str) -> None:
        with sandbox.store.transaction() as conn:
            conn.execute('DELETE FROM "sobj_Contact" WHERE "Email" LIKE ?', (f"%.{tag}@%",))

    def deleted_ids(self, sandbox: SalesforceSandbox, ids: list[str]) -> set[str]:
        return {i for i, _ in self.deletions(sandbox, ids)}

    def deletions(self, sandbox: SalesforceSandbox, ids: list[str]) -> Iterator[tuple[str, str]]:
        wanted = set(ids)
        sql = (
            'SELECT "Id", "_sbx_deleted_at" FROM "sobj_Contact" WHERE "_sbx_deleted_at" IS NOT NULL'
        )
        with sandbox.store.reader() as conn:
            for record_id, when in conn.execute(sql):
                if record_id in wanted:
                    yield record_id, when


class DynamicsProfile(Profile):
    def _entity(self, sandbox: DynamicsSandbox):
        return dv_table(sandbox.schema.entities["contact"])

    def _rows(self, sandbox: DynamicsSandbox, live: bool, like: str | None = None) -> list:
        sql = f"SELECT contactid, firstname, lastname, emailaddress1 FROM {self._entity(sandbox)}"
        params: list = []
        if like:
            sql += " WHERE emailaddress1 LIKE ?"
            params.append(like)
        with sandbox.org.read() as conn:
            return conn.execute(sql, params).fetchall()

    def _load(self, sandbox: DynamicsSandbox, count: int, seed: int) -> None:
        sandbox.seed(count, seed)  # contacts, and a share of every other table

    def purge(self, sandbox: DynamicsSandbox, tag: str) -> None:
        with sandbox.org.write() as conn:
            conn.execute(
                f"DELETE FROM {self._entity(sandbox)} WHERE emailaddress1 LIKE ?", (f"%.{tag}@%",)
            )

    def deleted_ids(self, sandbox: DynamicsSandbox, ids: list[str]) -> set[str]:
        return set(ids) - set(self.live(sandbox))


SALESFORCE = SalesforceProfile(
    "salesforce", "Contact", "Id", "FirstName", "LastName", "Email", "External_Id__c", "ext_id"
)
DYNAMICS = DynamicsProfile(
    "dynamics", "contact", "contactid", "firstname", "lastname", "emailaddress1",
    "emailaddress1", "email",
)  # fmt: skip


def profile_of(sandbox) -> Profile:
    return SALESFORCE if isinstance(sandbox, SalesforceSandbox) else DYNAMICS


def sandbox_now(sandbox) -> dt.datetime:
    return dt.datetime.fromisoformat(control(sandbox, "GET", "clock")["now"])
