"""Deterministic seed data for the Salesforce sandbox.

`seed_org(org, records, seed)` fills an org with `records` Contacts and proportional
Accounts, Leads, Opportunities, Campaigns, CampaignMembers, Users and Subscriptions.
Rows are produced lazily (generators) and handed to `org.bulk_load`, so memory stays flat
whatever the size. Every object draws from its own random stream, derived from the seed and
the object's name (never `hash()`), so the same seed always gives the same rows.

Values follow the loaded describes: picklist values come from the describe's active values,
strings are cut to the field's `length`, fields the catalog does not have are dropped, and
required fields the builders do not know get a generic value of the field's type. Objects
the catalog holds but this module does not know are filled by `generic_rows`.
"""

from __future__ import annotations

import datetime as dt

from crmlink.sandbox.core.seeding import FakeData
from crmlink.sandbox.salesforce.models.describes import ObjectMeta
from crmlink.sandbox.salesforce.seed.common import (
    LOOKUP_SAMPLE,
    Ctx,
    SeedableOrg,
    plan,
    stream_seed,
)
from crmlink.sandbox.salesforce.seed.generic import (
    conform,
    generic_rows,
    generic_value,
    seedable_fields,
)
from crmlink.sandbox.salesforce.seed.rows import (
    BUILDERS,
    PARENTS,
    Builder,
)

__all__ = ["generic_value", "plan", "seed_org"]


def seed_org(
    org: SeedableOrg, records: int, seed: int, today: dt.date | None = None
) -> dict[str, int]:
    """Fill `org` with `records` Contacts and proportional related records; return counts."""
    catalog = org.catalog
    counts: dict[str, int] = {}
    sizes = plan(records)
    for name, count in sizes.items():
        obj = catalog.get(name)
        if obj is not None:
            counts[obj.name] = load(org, obj, BUILDERS[name], count, seed, today)
    known = {n.lower() for n in sizes}
    for obj in sorted(catalog.objects(), key=lambda o: o.name):
        if obj.name.lower() not in known and obj.raw.get("createable", True):
            count = max(1, records // 10)
            counts[obj.name] = load(org, obj, generic_rows, count, seed, today)
    return counts


def load(
    org: SeedableOrg,
    obj: ObjectMeta,
    builder: Builder,
    count: int,
    seed: int,
    today: dt.date | None,
) -> int:
    fake = FakeData(stream_seed(seed, obj.name), today)
    ctx = Ctx(obj=obj, fake=fake, ids=parent_ids(org, obj))
    if count <= 0:
        return 0
    return org.bulk_load(obj.name, conform(ctx, builder(ctx, count)))


def parent_ids(org: SeedableOrg, obj: ObjectMeta) -> dict[str, list[str]]:
    """Existing ids of the objects `obj` looks up (sampled, so memory stays bounded).

    Known objects use their `PARENTS`; others every target of their createable lookups."""
    wanted = set(PARENTS.get(obj.name, ()))
    if obj.name not in BUILDERS:
        for f in seedable_fields(obj):
            if f.type == "reference":
                wanted.update(f.reference_to)
    ids = {}
    for name in sorted(wanted):
        target = org.catalog.get(name)
        if target is not None:
            ids[target.name] = org.sample_ids(target.name, LOOKUP_SAMPLE)
    return ids
