"""Seeding constants, the per-object context and shared helpers."""

from __future__ import annotations

import base64
import datetime as dt
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from crmlink.sandbox.core.seeding import (
    CITIES,
    FIRST_NAMES,
    LAST_NAMES,
    FakeData,
    ascii_slug,
)
from crmlink.sandbox.salesforce.models.describes import Catalog, FieldMeta, ObjectMeta

Row = dict[str, Any]

# Fields the org fills itself (CreatedDate/LastModifiedDate may still be passed to backdate).
SERVER_FIELDS = frozenset(
    {"id", "isdeleted", "createddate", "createdbyid", "lastmodifieddate", "lastmodifiedbyid"}
    | {"systemmodstamp"}
)
STRING_TYPES = frozenset(
    {"string", "textarea", "email", "phone", "url", "picklist", "multipicklist", "combobox"}
    | {"encryptedstring", "anyType", "base64"}
)
MAX_GENERATED = 1000  # no generated string is longer; wider fields need no length check
LOOKUP_SAMPLE = 100_000  # ids sampled per parent object for lookups (keeps memory bounded)
DEPARTMENTS = ("Marketing", "Sales", "Finance", "IT", "Operations", "Support", "R&D", "Legal")
PRODUCTS = ("Platform", "Analytics", "Support Plan", "Licences", "Onboarding", "Renewal")
CAMPAIGN_THEMES: tuple[str, ...] = ("Spring Launch", "Summer Webinar Series", "Autumn Roadshow")
CAMPAIGN_THEMES += ("Winter Promo",)
CAMPAIGN_THEMES += ("Partner Summit", "Customer Day", "Newsletter", "Trade Show", "Retargeting")
CAMPAIGN_THEMES += ("Product Tour",)
NEXT_STEPS = ("Send proposal", "Schedule demo", "Follow-up call", "Legal review", None)
HALVES = ("00", "30")
STREETS: tuple[str, ...] = ("Main St", "Market St", "Oak Ave", "Maple Dr", "Rue de Rivoli")
STREETS += ("Hauptstraße",)
STREETS += ("Avenue des Champs-Élysées", "High Street", "Baker Street", "Calle Mayor", "King St")
STREETS += ("Queen St", "Elm St", "Rua Augusta", "O'Connell Street")
WON, LOST = "Closed Won", "Closed Lost"


class SeedableOrg(Protocol):
    catalog: Catalog

    def bulk_load(self, object_name: str, rows: Any) -> int: ...

    def sample_ids(self, object_name: str, limit: int) -> list[str]: ...


# --------------------------------------------------------------------------- distribution
def plan(records: int) -> dict[str, int]:
    """How many records of each default object a seed of `records` Contacts creates."""
    return {
        "User": 5,
        "Account": max(1, records // 10),
        "Contact": records,
        "Lead": records // 2,
        "Campaign": 10,
        "Opportunity": records // 5,
        "CampaignMember": records // 4,
        "Subscription__c": records // 5,
    }


def stream_seed(seed: int, name: str) -> int:
    """A stable per-object seed (crc32, unaffected by PYTHONHASHSEED)."""
    return zlib.crc32(f"{seed}:{name}".encode()) ^ (seed & 0xFFFFFFFF)


# --------------------------------------------------------------------------- per-object context
@dataclass
class Ctx:
    """What a row builder needs: its object's metadata, its random source, parent ids.

    The hot helpers draw with `random()` directly (several times faster than `choice`/
    `randint`), which is what keeps a million rows well under a minute."""

    obj: ObjectMeta
    fake: FakeData
    ids: dict[str, list[str]] = field(default_factory=dict)
    _values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rnd = self.fake.random
        self.r = self.rnd.random
        self.now = dt.datetime.combine(self.fake.today, dt.time(), tzinfo=dt.UTC)

    def one(self, items):
        return items[int(self.r() * len(items))]

    def between(self, low: int, high: int) -> int:
        """An int in [low, high]."""
        return low + int(self.r() * (high - low + 1))

    def some(self, probability: float) -> bool:
        return self.r() < probability

    def values(self, name: str, fallback: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Active picklist values of a field, or `fallback` when it has none."""
        if name not in self._values:
            f = self.obj.field(name)
            self._values[name] = active_values(f) if f else ()
        return self._values[name] or fallback

    def pick(self, name: str, fallback: tuple[str, ...] = ()) -> str | None:
        values = self.values(name, fallback)
        return self.one(values) if values else None

    def multi(self, name: str, most: int = 3) -> str | None:
        values = self.values(name)
        count = self.between(0, min(most, len(values)))
        if count == 0:
            return None
        picked = self.rnd.sample(range(len(values)), count)
        return ";".join(values[i] for i in sorted(picked))

    def ref(self, parent: str, probability: float = 1.0) -> str | None:
        pool = self.ids.get(parent)
        if not pool or (probability < 1.0 and self.r() >= probability):
            return None
        return self.one(pool)

    def person(self) -> tuple[str, str]:
        return self.one(FIRST_NAMES), self.one(LAST_NAMES)

    def phone(self) -> str:
        return f"+1 ({self.between(201, 989)}) {self.between(200, 999)}-{self.between(1000, 9999)}"

    def past_datetime(self, max_days: int) -> dt.datetime:
        return self.now - dt.timedelta(seconds=int(self.r() * max_days * 86400))

    def history(self, max_days: int = 3 * 365) -> Row:
        """Backdated CreatedDate/LastModifiedDate (modified on or after created)."""
        created = self.past_datetime(max_days)
        span = (self.now - created).total_seconds()
        modified = created + dt.timedelta(seconds=int(self.r() * span))
        return {"CreatedDate": created, "LastModifiedDate": modified}

    def address(self, prefix: str, names: tuple[str, ...] = ()) -> Row:
        city, state, postal, country, lat, lon = self.one(CITIES)
        names = names or address_names(prefix)
        values = (
            f"{self.between(1, 999)} {self.one(STREETS)}",
            city,
            state or None,
            postal,
            country,
            round(lat + (self.r() - 0.5) / 10, 6),
            round(lon + (self.r() - 0.5) / 10, 6),
        )
        return dict(zip(names, values, strict=True))


@lru_cache(maxsize=64)
def address_names(prefix: str) -> tuple[str, ...]:
    parts = ("Street", "City", "State", "PostalCode", "Country", "Latitude", "Longitude")
    return tuple(prefix + p for p in parts)


def active_values(f: FieldMeta) -> tuple[str, ...]:
    return tuple(p["value"] for p in f.raw.get("picklistValues") or [] if p.get("active"))


slug = lru_cache(maxsize=4096)(ascii_slug)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
