"""Deterministic, realistic org data: the same seed gives the same records and ids.

Rows are generated per entity from their metadata (so loaded metadata seeds too), with
name-aware values for people, companies, e-mails, phones and addresses, and written with
`executemany` in chunks inside one transaction (200,000 contacts in seconds).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from crmlink.sandbox.core.seeding import INDUSTRIES, TITLES, FakeData
from crmlink.sandbox.dynamics.models.data.tables import OrgStore, table
from crmlink.sandbox.dynamics.models.data.values import quote_ident, to_storage, type_column
from crmlink.sandbox.dynamics.models.metadata.model import AttributeDef, EntityDef
from crmlink.sandbox.dynamics.models.users import ADMIN_USER_ID, APP_USER_ID, SYSTEM_USERS

CHUNK = 5000


def plan(records: int, entities: dict[str, EntityDef]) -> dict[str, int]:
    """How many rows of each entity a `records` seed makes (contacts get `records`)."""
    shares = {"contact": 1.0, "account": 0.2, "lead": 0.1, "opportunity": 0.05, "campaign": 0.005}
    out = {}
    for name in entities:
        if name == "systemuser":
            out[name] = 10
        else:
            out[name] = int(records * shares.get(name, 0.05)) if records else 0
    if "contact" not in entities and entities:
        out[next(iter(entities))] = records
    return out


class Seeder:
    def __init__(self, org: OrgStore, seed: int) -> None:
        self.org = org
        self.fake = FakeData(seed)
        self.rng = self.fake.random
        self.ids: dict[str, list[str]] = {}

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def run(self, records: int) -> dict[str, int]:
        counts = plan(records, self.org.schema.entities)
        order = sorted(counts, key=lambda n: (n != "systemuser", n == "contact", n))
        with self.org.write() as conn:
            for name in order:
                self._entity(conn, self.org.schema.entities[name], counts[name])
        return counts

    def _entity(self, conn, entity: EntityDef, count: int) -> None:
        if count <= 0:
            return
        cols = _columns(entity)
        sql = f"INSERT OR IGNORE INTO {table(entity)} ({', '.join(c for c, _ in cols)}) VALUES ({', '.join('?' * len(cols))})"  # noqa: E501
        version = self.org.next_versions(conn, count)
        ids = self.ids.setdefault(entity.logical_name, [])
        for start in range(0, count, CHUNK):
            rows = [
                self._row(entity, cols, version + i, i)
                for i in range(start, min(count, start + CHUNK))
            ]
            conn.executemany(sql, rows)
            ids.extend(r[0] for r in rows[: 2000 - len(ids)] if len(ids) < 2000)

    def _row(self, entity: EntityDef, cols: list, version: int, n: int) -> list:
        person = self.fake.person()
        ctx: dict[str, Any] = {
            "first": person[0],
            "last": person[1],
            "n": n,
            "address": self.fake.address(),
        }
        if entity.logical_name == "systemuser" and n < len(SYSTEM_USERS):
            ctx["id"], ctx["first"], ctx["last"] = SYSTEM_USERS[n]
        ctx["named"] = self._named(entity, ctx)
        row_names = [a.logical_name if a else "" for _, a in cols]
        row: list[object] = []
        for _, attr in cols:
            if attr is None:  # a polymorphic lookup's target column
                ctx["named"][f"{row_names[len(row) - 1]}type"] = ctx.get("_type")
                row.append(ctx.pop("_type", None))
            else:
                row.append(self._value(entity, attr, ctx, version))
        return row

    def _value(self, entity: EntityDef, attr: AttributeDef, ctx: dict, version: int):
        name, kind = attr.logical_name, attr.attribute_type
        if name == entity.primary_id:
            return ctx.get("id") or self.guid()
        if name == "versionnumber":
            return version
        if attr.is_lookup:
            return self._lookup(attr, ctx)
        special = ctx["named"].get(name)
        if special is not None:
            return special
        value = self._typed(attr, kind)
        if name == "createdon":
            ctx["named"]["modifiedon"] = value
        return value

    def _lookup(self, attr: AttributeDef, ctx: dict):
        if attr.logical_name in ("ownerid", "createdby", "modifiedby"):
            ctx["_type"] = "systemuser"
            return ADMIN_USER_ID
        for target in attr.targets:
            pool = self.ids.get(target)
            if pool and self.rng.random() < 0.7:
                ctx["_type"] = target
                return pool[self.rng.randrange(len(pool))]
        ctx["_type"] = None
        return None

    def _named(self, entity: EntityDef, ctx: dict) -> dict:
        fake, addr = self.fake, ctx["address"]
        first, last = ctx["first"], ctx["last"]
        table_ = {
            "firstname": first,
            "lastname": last,
            "fullname": f"{first} {last}",
            "yomifullname": f"{first} {last}",
            "emailaddress1": fake.email(first, last, ctx["n"]),
            "internalemailaddress": fake.email(first, last, ctx["n"]),
            "domainname": fake.email(first, last, ctx["n"]),
            "telephone1": fake.phone(),
            "mobilephone": fake.phone(),
            "jobtitle": fake.choice(TITLES),
            "title": fake.choice(TITLES),
            "address1_line1": addr["street"],
            "address1_city": addr["city"],
            "address1_stateorprovince": addr["state"],
            "address1_postalcode": addr["postal_code"],
            "address1_country": addr["country"],
            "address1_latitude": addr["latitude"],
            "address1_longitude": addr["longitude"],
            "companyname": fake.company(),
            "websiteurl": f"https://www.{first.lower()[:3]}{ctx['n']}.example.com",
            "accountnumber": f"ACC-{ctx['n']:07d}",
            "cr7a3_cardnumber": f"LC-{ctx['n']:08d}",
            "statecode": 0,
            "birthdate": fake.birthdate().isoformat(),
            "isdisabled": 0,
        }
        if entity.primary_name and entity.primary_name not in table_:
            company = entity.logical_name == "account"
            table_[entity.primary_name] = fake.company() if company else f"{first} {last}"
        if entity.logical_name == "lead":
            table_["subject"] = f"Interested in {fake.choice(INDUSTRIES)}"
        return table_

    def _typed(self, attr: AttributeDef, kind: str):
        make = _VALUE_MAKERS.get(kind)
        return make(self, attr) if make else None

    def _choice(self, attr: AttributeDef, options: list | None = None):
        opts = attr.options if options is None else options
        return opts[self.rng.randrange(len(opts))].value if opts else None

    def _status(self, attr: AttributeDef):
        """A status reason of the active state (state 0), as new records have."""
        active = [o for o in attr.options if o.state in (0, None)] or attr.options
        return self._choice(attr, active)

    def _choices(self, attr: AttributeDef):
        picks = sorted({o.value for o in attr.options if self.rng.random() < 0.3})
        return ",".join(map(str, picks)) or None

    def _moment(self, attr: AttributeDef):
        if attr.date_only:
            return self.fake.past_date().isoformat()
        return self.fake.past_datetime().strftime("%Y-%m-%dT%H:%M:%SZ")

    def _text(self, attr: AttributeDef):
        rng = self.rng
        return None if rng.random() < 0.5 else f"{attr.display_name} {rng.randint(1, 999)}"


def _columns(entity: EntityDef) -> list[tuple[str, AttributeDef | None]]:
    cols: list[tuple[str, AttributeDef | None]] = []
    for attr in entity.stored:
        cols.append((quote_ident(attr.logical_name), attr))
        if attr.polymorphic:
            cols.append((type_column(attr), None))
    return cols


__all__ = ["ADMIN_USER_ID", "APP_USER_ID", "Seeder", "dt", "to_storage"]


# attribute type -> how a seeded value of that type is made (others stay null)
_VALUE_MAKERS = {
    "Picklist": Seeder._choice,
    "Status": Seeder._status,
    "MultiSelectPicklist": Seeder._choices,
    "State": lambda seeder, attr: 0,
    "Boolean": lambda seeder, attr: int(seeder.rng.random() < 0.2),
    "Integer": lambda seeder, attr: seeder.rng.randint(0, 5000),
    "BigInt": lambda seeder, attr: seeder.rng.randint(0, 5000),
    "Money": lambda seeder, attr: round(seeder.rng.uniform(0, 250000), attr.precision or 2),
    "Decimal": lambda seeder, attr: round(seeder.rng.uniform(0, 250000), attr.precision or 2),
    "Double": lambda seeder, attr: round(seeder.rng.uniform(0, 250000), attr.precision or 2),
    "DateTime": Seeder._moment,
    "Uniqueidentifier": lambda seeder, attr: seeder.guid(),
    "String": Seeder._text,
    "Memo": Seeder._text,
}
