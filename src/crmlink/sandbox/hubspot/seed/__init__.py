"""Deterministic, realistic portal data: the same seed (on the same day) gives the same
records and ids. Contacts get `records`, companies a tenth, deals a fifth, loyalty cards a
twentieth; contacts are linked to companies and deals to contacts
(`models/associations.seed_associations`); about 2% of the contacts are archived (within
the last 30 days). Stamps lie in the past, spread over the last year. Rows are written
with `executemany` in one transaction (50,000 contacts and their companies, deals and
cards in about 3 s, their associations in 2 s more).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from crmlink.sandbox.core.seeding import (
    CITIES,
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    STREETS,
    TITLES,
    FakeData,
    ascii_slug,
)
from crmlink.sandbox.hubspot.models.associations import seed_associations
from crmlink.sandbox.hubspot.models.builtin import (
    COMPANY_TYPE,
    DEAL_STAGES,
    INDUSTRY,
    INTERESTS,
    LEAD_STATUS,
    LIFECYCLE,
    TIERS,
)
from crmlink.sandbox.hubspot.models.derived import derived_values
from crmlink.sandbox.hubspot.models.records import RecordStore, unique_key
from crmlink.sandbox.hubspot.models.values import ms_to_wire

CHUNK = 5000
DAY_MS = 86_400_000
ARCHIVED_SHARE = 0.02
Props = dict[str, str]


def plan(records: int) -> dict[str, int]:
    """How many records of each type a `records` seed makes."""
    return {
        "contacts": records,
        "companies": records // 10,
        "deals": records // 5,
        "loyalty_card": records // 20,
    }


class Seeder:
    def __init__(self, records: RecordStore, seed: int) -> None:
        self.records = records
        today = records.clock.now().date()
        self.fake = FakeData(seed, today)
        self.rng = self.fake.random
        self.midnight_ms = int(dt.datetime.combine(today, dt.time(), dt.UTC).timestamp() * 1000)
        self.makers: dict[str, Callable[[int], Props]] = {
            "contacts": self._contact,
            "companies": self._company,
            "deals": self._deal,
            "loyalty_card": self._loyalty_card,
        }

    def run(self, records: int) -> dict[str, int]:
        counts = plan(records)
        with self.records.batch() as conn:
            for name, count in counts.items():
                object_type = self.records.objects.resolve(name)
                top = conn.execute(
                    "SELECT MAX(id) FROM records WHERE object_type = ?", (name,)
                ).fetchone()[0]
                first = object_type.first_id if top is None else int(top) + 1
                unique = self.records.catalog.unique_names(name)
                for start in range(0, count, CHUNK):
                    ids = range(first + start, first + min(count, start + CHUNK))
                    made = [self._row(name, i) for i in ids]
                    rows = [row for row, _ in made]
                    conn.executemany(
                        "INSERT INTO records (object_type, id, properties, created_ms, "
                        "updated_ms, archived, archived_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        rows,
                    )
                    conn.executemany(
                        "INSERT OR REPLACE INTO unique_values VALUES (?, ?, ?, ?)",
                        _unique_rows(name, made, unique),
                    )
        seed_associations(self.records.store, self.rng)
        return counts

    def _stamps(self) -> tuple[int, int]:
        r = self.rng.random
        created = self.midnight_ms - DAY_MS - int(r() * 364 * DAY_MS)
        updated = created + int(r() * (self.midnight_ms - created))
        return created, updated

    def _row(self, name: str, record_id: int) -> tuple[tuple[Any, ...], Props]:
        created, updated = self._stamps()
        props = {k: v for k, v in self.makers[name](record_id).items() if v is not None}
        archived_ms = None
        if name == "contacts" and self.rng.random() < ARCHIVED_SHARE:
            archived_ms = self.midnight_ms - self.rng.randint(0, 30 * DAY_MS)
            updated = min(updated, archived_ms)
        props.update(derived_values(name, props, created))
        props["hs_object_id"] = str(record_id)
        props["createdate"] = ms_to_wire(created)
        props["hs_lastmodifieddate"] = ms_to_wire(updated)
        if name == "contacts":
            props["lastmodifieddate"] = props["hs_lastmodifieddate"]
        archived = 0 if archived_ms is None else 1
        row = (name, record_id, json.dumps(props), created, updated, archived, archived_ms)
        return row, props

    def _pick(self, options: tuple) -> str:
        return str(self._one(options).value)

    def _one(self, items: Any) -> Any:
        """A uniform pick from one `random()` draw (randrange costs 3x as much)."""
        return items[int(self.rng.random() * len(items))]

    def _phone(self) -> str:
        r = self.rng.random
        return f"+1 ({201 + int(r() * 789)}) {200 + int(r() * 800)}-{1000 + int(r() * 9000)}"

    def _contact(self, n: int) -> Props:
        fake, rng, one = self.fake, self.rng, self._one
        first, last = one(FIRST_NAMES), one(LAST_NAMES)
        city, state, postal, country, _, _ = one(CITIES)
        interests = [o.value for o in INTERESTS if rng.random() < 0.3]
        return {
            "firstname": first,
            "lastname": last,
            "email": f"{_slug(first)}.{_slug(last)}{n}@{one(EMAIL_DOMAINS)}",
            "phone": self._phone(),
            "mobilephone": self._phone() if rng.random() < 0.5 else None,
            "address": f"{1 + int(rng.random() * 999)} {one(STREETS)}",
            "city": city,
            "state": state or None,
            "zip": postal,
            "country": country,
            "jobtitle": one(TITLES),
            "company": f"{one(COMPANY_WORDS)} {one(COMPANY_SUFFIXES)}",
            "date_of_birth": fake.birthdate().isoformat() if rng.random() < 0.4 else None,
            "lifecyclestage": self._pick(LIFECYCLE),
            "hs_lead_status": self._pick(LEAD_STATUS) if rng.random() < 0.7 else None,
            "hs_email_optout": "true" if rng.random() < 0.1 else "false",
            "interests": ";".join(interests) or None,
            "newsletter_consent": "true" if rng.random() < 0.6 else "false",
            "loyalty_points": str(rng.randint(0, 5000)) if rng.random() < 0.5 else None,
            "hs_language": one(("en", "fr", "de", "es", "ja")),
        }

    def _company(self, n: int) -> Props:
        fake, rng = self.fake, self.rng
        name = fake.company()
        addr = fake.address()
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
        return {
            "name": name,
            "domain": f"{slug}{n}.example.com",
            "website": f"https://www.{slug}{n}.example.com",
            "phone": fake.phone(),
            "address": addr["street"],
            "city": addr["city"],
            "state": addr["state"],
            "zip": addr["postal_code"],
            "country": addr["country"],
            "industry": self._pick(INDUSTRY),
            "type": self._pick(COMPANY_TYPE),
            "lifecyclestage": self._pick(LIFECYCLE),
            "numberofemployees": str(rng.choice((5, 12, 50, 120, 500, 2500, 10000))),
            "annualrevenue": str(rng.randint(10, 50_000) * 10_000),
            "founded_year": str(rng.randint(1950, 2022)),
            "description": f"{name} works in {fake.choice(INDUSTRIES).lower()}.",
            "is_public": "true" if rng.random() < 0.2 else "false",
        }

    def _deal(self, n: int) -> Props:
        fake, rng = self.fake, self.rng
        close = self.midnight_ms + rng.randint(-180, 180) * DAY_MS
        return {
            "dealname": f"{fake.company()} – {fake.choice(('Renewal', 'New licences', 'Upsell'))}",
            "amount": str(rng.randint(5, 2000) * 100),
            "closedate": ms_to_wire(close),
            "pipeline": "default",
            "dealstage": self._pick(DEAL_STAGES),
            "dealtype": fake.choice(("newbusiness", "existingbusiness")),
            "hs_priority": fake.choice(("low", "medium", "high")),
            "deal_currency_code": fake.choice(("USD", "EUR", "GBP")),
        }

    def _loyalty_card(self, n: int) -> Props:
        rng = self.rng
        return {
            "card_number": f"LC-{n:08d}",
            "tier": self._pick(TIERS),
            "points": str(rng.randint(0, 20_000)),
            "issued": self.fake.past_date(1500).isoformat(),
            "active": "true" if rng.random() < 0.85 else "false",
        }


@lru_cache(maxsize=1024)
def _slug(name: str) -> str:
    return ascii_slug(name)


def _unique_rows(
    name: str, made: list[tuple[tuple[Any, ...], Props]], unique: tuple[str, ...]
) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for row, props in made:
        if row[5]:  # archived records hold no unique value
            continue
        out.extend(
            (name, prop, unique_key(prop, props[prop]), row[1]) for prop in unique if prop in props
        )
    return out
