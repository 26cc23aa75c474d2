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

import base64
import datetime as dt
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from crmlink.sandbox.core.seeding import (
    CITIES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    TITLES,
    FakeData,
    ascii_slug,
)
from crmlink.sandbox.salesforce.describes import Catalog, FieldMeta, ObjectMeta

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
CAMPAIGN_THEMES = ("Spring Launch", "Summer Webinar Series", "Autumn Roadshow", "Winter Promo")
CAMPAIGN_THEMES += ("Partner Summit", "Customer Day", "Newsletter", "Trade Show", "Retargeting")
CAMPAIGN_THEMES += ("Product Tour",)
NEXT_STEPS = ("Send proposal", "Schedule demo", "Follow-up call", "Legal review", None)
HALVES = ("00", "30")
STREETS = ("Main St", "Market St", "Oak Ave", "Maple Dr", "Rue de Rivoli", "Hauptstraße")
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


# --------------------------------------------------------------------------- shared helpers
slug = lru_cache(maxsize=4096)(ascii_slug)


def person_email(ctx: Ctx, first: str, last: str, tag: str) -> str:
    return f"{slug(first)}.{slug(last)}.{tag}@{ctx.one(EMAIL_DOMAINS)}"


def money(ctx: Ctx, low: int, high: int, step: int = 100) -> float:
    return float(low + step * int(ctx.r() * ((high - low) // step)))


def website(company: str) -> str:
    return f"https://www.{slug(company.split()[0])}.example"


# --------------------------------------------------------------------------- row builders
def user_rows(ctx: Ctx, count: int) -> Iterator[Row]:
    for n in range(1, count + 1):
        first, last = ctx.person()
        handle = f"{slug(first)}.{slug(last)}"
        yield {
            "Username": f"{handle}{n}@sandbox.crmlink.example",
            "FirstName": first,
            "LastName": last,
            "Email": f"{handle}{n}@crmlink.example",
            "Alias": (slug(first)[:1] + slug(last))[:7] + str(n % 10),
            "CommunityNickname": f"{handle}{n}",
            "CompanyName": "crmlink Sandbox",
            "Department": ctx.one(DEPARTMENTS),
            "Title": ctx.one(TITLES),
            "Phone": ctx.phone(),
            "IsActive": n != count or count == 1,
            "TimeZoneSidKey": ctx.pick("TimeZoneSidKey", ("America/Los_Angeles",)),
            "LocaleSidKey": ctx.pick("LocaleSidKey", ("en_US",)),
            "EmailEncodingKey": ctx.values("EmailEncodingKey", ("UTF-8",))[0],
            "LanguageLocaleKey": ctx.values("LanguageLocaleKey", ("en_US",))[0],
            "UserType": "Standard",
            "EmployeeNumber": f"E{n:05d}",
            "LastLoginDate": ctx.past_datetime(30),
            **ctx.history(5 * 365),
        }


def account_rows(ctx: Ctx, count: int) -> Iterator[Row]:
    for n in range(1, count + 1):
        company = ctx.fake.company()
        employees = ctx.one((5, 20, 50, 120, 500, 2000, 10000)) + ctx.between(0, 99)
        revenue = money(ctx, 100_000, 500_000_000, 10_000)
        industry = ctx.pick("Industry")
        row = {
            "Name": company,
            "AccountNumber": f"ACC-{n:06d}",
            "Type": ctx.pick("Type"),
            "Industry": industry,
            "Rating": ctx.pick("Rating") if ctx.some(0.7) else None,
            "AccountSource": ctx.pick("AccountSource") if ctx.some(0.6) else None,
            "Phone": ctx.phone(),
            "Website": website(company) if ctx.some(0.85) else None,
            "AnnualRevenue": revenue,
            "NumberOfEmployees": employees,
            "YearStarted": str(ctx.fake.today.year - ctx.between(1, 80)),
            "Description": f"{company}, {industry or 'customer'} account."
            if ctx.some(0.3)
            else None,
            "OwnerId": ctx.ref("User"),
            "Customer_Tier__c": ctx.pick("Customer_Tier__c"),
            "Is_Key_Account__c": ctx.some(0.1),
            "Revenue_Per_Employee__c": round(revenue / employees, 2),
            **ctx.address("Billing"),
            **ctx.history(5 * 365),
        }
        shipping = ctx.address("Shipping")
        if ctx.some(0.7):  # most ship where they bill
            shipping = {
                k.replace("Billing", "Shipping"): v for k, v in row.items() if "Billing" in k
            }
        row.update(shipping)
        row["Headquarters__Latitude__s"] = row["BillingLatitude"]
        row["Headquarters__Longitude__s"] = row["BillingLongitude"]
        yield row


def contact_rows(ctx: Ctx, count: int) -> Iterator[Row]:
    for n in range(1, count + 1):
        first, last = ctx.person()
        row = {
            "FirstName": first,
            "LastName": last,
            "Salutation": ctx.pick("Salutation") if ctx.some(0.5) else None,
            "Email": person_email(ctx, first, last, str(n)) if ctx.some(0.9) else None,
            "Phone": ctx.phone() if ctx.some(0.8) else None,
            "MobilePhone": ctx.phone() if ctx.some(0.5) else None,
            "Title": ctx.one(TITLES) if ctx.some(0.85) else None,
            "Department": ctx.one(DEPARTMENTS) if ctx.some(0.6) else None,
            "Birthdate": ctx.fake.today - dt.timedelta(days=ctx.between(18 * 365, 80 * 365))
            if ctx.some(0.4)
            else None,
            "LeadSource": ctx.pick("LeadSource") if ctx.some(0.8) else None,
            "AccountId": ctx.ref("Account", 0.95),
            "OwnerId": ctx.ref("User"),
            "HasOptedOutOfEmail": ctx.some(0.05),
            "HasOptedOutOfFax": ctx.some(0.02),
            "DoNotCall": ctx.some(0.03),
            "External_Id__c": f"EXT-{n:06d}",
            "Preferred_Channel__c": ctx.pick("Preferred_Channel__c") if ctx.some(0.7) else None,
            "Interests__c": ctx.multi("Interests__c"),
            "Loyalty_Points__c": float(ctx.between(0, 5000)) if ctx.some(0.5) else None,
            "Engagement_Score__c": round(ctx.r() * 100, 2),
            "Last_Campaign_Touch__c": ctx.past_datetime(180) if ctx.some(0.4) else None,
            "Full_Name__c": f"{first} {last}",
            **ctx.address("Mailing"),
            **ctx.history(),
        }
        if ctx.some(0.1):
            row.update(ctx.address("Other"))
        yield row


def lead_rows(ctx: Ctx, count: int) -> Iterator[Row]:
    for n in range(1, count + 1):
        first, last = ctx.person()
        company = ctx.fake.company()
        row = {
            "FirstName": first,
            "LastName": last,
            "Salutation": ctx.pick("Salutation") if ctx.some(0.4) else None,
            "Company": company,
            "Title": ctx.one(TITLES) if ctx.some(0.8) else None,
            "Email": person_email(ctx, first, last, f"l{n}") if ctx.some(0.85) else None,
            "Phone": ctx.phone() if ctx.some(0.7) else None,
            "MobilePhone": ctx.phone() if ctx.some(0.3) else None,
            "Website": website(company) if ctx.some(0.5) else None,
            "Status": lead_status(ctx),
            "LeadSource": ctx.pick("LeadSource") if ctx.some(0.8) else None,
            "Industry": ctx.pick("Industry") if ctx.some(0.7) else None,
            "Rating": ctx.pick("Rating") if ctx.some(0.5) else None,
            "AnnualRevenue": money(ctx, 50_000, 50_000_000, 10_000) if ctx.some(0.4) else None,
            "NumberOfEmployees": ctx.between(1, 5000) if ctx.some(0.4) else None,
            "OwnerId": ctx.ref("User"),
            "IsConverted": False,
            "IsUnreadByOwner": ctx.some(0.2),
            "HasOptedOutOfEmail": ctx.some(0.05),
            "DoNotCall": ctx.some(0.03),
            "Interests__c": ctx.multi("Interests__c", 2),
            "Lead_Score__c": float(ctx.between(0, 100)),
            **(lead_address(ctx) if ctx.some(0.8) else {}),
            **ctx.history(2 * 365),
        }
        yield row


def lead_address(ctx: Ctx) -> Row:
    names = ("Street", "City", "State", "PostalCode", "Country", "Latitude", "Longitude")
    return ctx.address("", names)


def lead_status(ctx: Ctx) -> str | None:
    """Mostly open statuses; 'Converted' ones are left out (no converted records seeded)."""
    values = ctx.values("Status", ("Open - Not Contacted",))
    open_ = tuple(v for v in values if "Converted" not in v or "Not" in v) or values
    return ctx.one(open_)


def campaign_rows(ctx: Ctx, count: int) -> Iterator[Row]:
    for n in range(1, count + 1):
        start = ctx.fake.past_date(2 * 365)
        end = start + dt.timedelta(days=ctx.between(7, 120))
        budget = money(ctx, 1_000, 200_000)
        status = ctx.pick("Status", ("Planned",))
        theme = CAMPAIGN_THEMES[(n - 1) % len(CAMPAIGN_THEMES)]
        yield {
            "Name": f"{start.year} {theme} #{n}",
            "Type": ctx.pick("Type"),
            "Status": status,
            "StartDate": start,
            "EndDate": end,
            "BudgetedCost": budget,
            "ActualCost": round(budget * ctx.rnd.uniform(0.6, 1.2), 0),
            "ExpectedRevenue": round(budget * ctx.rnd.uniform(2, 10), 0),
            "ExpectedResponse": round(ctx.rnd.uniform(0.5, 15), 2),
            "NumberSent": float(ctx.between(100, 50_000)),
            "IsActive": status in ("Planned", "In Progress"),
            "Description": f"{theme} campaign ({start:%B %Y}).",
            "OwnerId": ctx.ref("User"),
            **ctx.history(2 * 365),
        }


def opportunity_rows(ctx: Ctx, count: int) -> Iterator[Row]:
    stages = ctx.values("StageName", ("Prospecting", WON, LOST))
    for n in range(1, count + 1):
        stage = ctx.one(stages)
        amount = money(ctx, 1_000, 500_000)
        probability = stage_probability(stage, stages)
        closed = stage in (WON, LOST)
        close = ctx.fake.today + dt.timedelta(days=ctx.between(-540, -1 if closed else 180))
        yield {
            "Name": f"{ctx.fake.company()} – {ctx.one(PRODUCTS)} #{n}",
            "AccountId": ctx.ref("Account", 0.97),
            "ContactId": ctx.ref("Contact", 0.5),
            "CampaignId": ctx.ref("Campaign", 0.3),
            "StageName": stage,
            "CloseDate": close,
            "Amount": amount,
            "Probability": probability,
            "ExpectedRevenue": amount * probability / 100,
            "Type": ctx.pick("Type") if ctx.some(0.8) else None,
            "LeadSource": ctx.pick("LeadSource") if ctx.some(0.7) else None,
            "NextStep": None if closed else ctx.one(NEXT_STEPS),
            "IsClosed": closed,
            "IsWon": stage == WON,
            "ForecastCategoryName": forecast(ctx, stage, probability),
            "ForecastCategory": forecast_api(stage, probability),
            "OwnerId": ctx.ref("User"),
            "Expected_Revenue_Formula__c": amount * probability / 100,
            "Is_Big_Deal__c": amount >= 100_000,
            **ctx.history(2 * 365),
        }


def stage_probability(stage: str, stages: tuple[str, ...]) -> float:
    if stage == WON:
        return 100.0
    if stage == LOST:
        return 0.0
    open_stages = [s for s in stages if s not in (WON, LOST)]
    index = open_stages.index(stage) if stage in open_stages else 0
    return float(min(90, 10 * (index + 1)))


def forecast(ctx: Ctx, stage: str, probability: float) -> str | None:
    wanted = {WON: "Closed", LOST: "Omitted"}.get(stage)
    wanted = wanted or (
        "Commit" if probability >= 70 else "Best Case" if probability >= 40 else "Pipeline"
    )
    values = ctx.values("ForecastCategoryName")
    return wanted if not values or wanted in values else values[0]


def forecast_api(stage: str, probability: float) -> str:
    if stage in (WON, LOST):
        return "Closed" if stage == WON else "Omitted"
    return "Forecast" if probability >= 70 else "BestCase" if probability >= 40 else "Pipeline"


def campaign_member_rows(ctx: Ctx, count: int) -> Iterator[Row]:
    """Each (campaign, contact|lead) pair occurs at most once, as Salesforce requires."""
    campaigns = ctx.ids.get("Campaign") or []
    counters = {"Contact": 0, "Lead": 0}
    responded = {"Responded", "Opened", "Clicked"}
    for _ in range(count):
        kind = "Lead" if ctx.some(0.3) and ctx.ids.get("Lead") else "Contact"
        pool = ctx.ids.get(kind) or []
        k = counters[kind]
        counters[kind] += 1
        if not pool or not campaigns or k >= len(pool) * len(campaigns):
            continue  # no room for another distinct pair
        who = pool[k % len(pool)]
        status = ctx.pick("Status", ("Sent",))
        history = ctx.history(365)
        yield {
            "CampaignId": campaigns[(k // len(pool)) % len(campaigns)],
            f"{kind}Id": who,
            "LeadOrContactId": who,
            "Type": kind,
            "Status": status,
            "HasResponded": status in responded,
            "FirstRespondedDate": history["CreatedDate"].date() if status in responded else None,
            **history,
        }


def subscription_rows(ctx: Ctx, count: int) -> Iterator[Row]:
    for n in range(1, count + 1):
        start = ctx.fake.past_date(3 * 365)
        status = ctx.pick("Status__c", ("Active",))
        fee = ctx.one((0.0, 9.0, 29.0, 99.0, 499.0))
        discount = ctx.one((0.0, 0.0, 5.0, 10.0, 20.0))
        ends = status == "Cancelled" or ctx.some(0.1)
        yield {
            "Name": f"SUB-{n:06d}",
            "Contact__c": ctx.ref("Contact", 0.98),
            "OwnerId": ctx.ref("User"),
            "Plan__c": ctx.pick("Plan__c"),
            "Status__c": status,
            "Channel__c": ctx.pick("Channel__c"),
            "Features__c": ctx.multi("Features__c"),
            "Start_Date__c": start,
            "End_Date__c": start + dt.timedelta(days=ctx.between(30, 720)) if ends else None,
            "Renewal_Time__c": f"{ctx.between(0, 23):02d}:{ctx.one(HALVES)}:00.000Z",
            "Last_Sync__c": ctx.past_datetime(30),
            "Monthly_Fee__c": fee,
            "Discount__c": discount,
            "Seats__c": ctx.between(1, 250),
            "Usage_Bytes__c": ctx.between(0, 5 * 10**12),
            "Auto_Renew__c": ctx.some(0.7),
            "Support_Email__c": f"support.{n}@example.com" if ctx.some(0.3) else None,
            "Support_Phone__c": ctx.phone() if ctx.some(0.3) else None,
            "Portal_Url__c": f"https://portal.example.com/s/{n:06d}" if ctx.some(0.5) else None,
            "Notes__c": f"Renewal discussed; {ctx.one(PRODUCTS)} add-on."
            if ctx.some(0.2)
            else None,
            "Payment_Token__c": f"tok_{ctx.rnd.getrandbits(64):016x}" if ctx.some(0.6) else None,
            "Contract_File__c": b64(f"contract SUB-{n:06d}") if ctx.some(0.05) else None,
            "Payload__c": f'{{"source": "seed", "n": {n}}}' if ctx.some(0.1) else None,
            "Annual_Fee__c": round(fee * 12 * (1 - discount / 100), 2),
            "Days_Active__c": float((ctx.fake.today - start).days),
            **ctx.history(3 * 365),
        }


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


Builder = Callable[[Ctx, int], Iterator[Row]]
BUILDERS: dict[str, Builder] = {
    "User": user_rows,
    "Account": account_rows,
    "Contact": contact_rows,
    "Lead": lead_rows,
    "Campaign": campaign_rows,
    "Opportunity": opportunity_rows,
    "CampaignMember": campaign_member_rows,
    "Subscription__c": subscription_rows,
}
PARENTS = {  # lookups each object's rows draw ids for
    "Account": ("User",),
    "Contact": ("User", "Account"),
    "Lead": ("User",),
    "Campaign": ("User",),
    "Opportunity": ("User", "Account", "Contact", "Campaign"),
    "CampaignMember": ("Campaign", "Contact", "Lead"),
    "Subscription__c": ("User", "Contact"),
}


# --------------------------------------------------------------------------- generic values
def generic_value(field: FieldMeta, fake: FakeData, n: int) -> Any:
    """A plausible value for any describe field type (None for ids, lookups, compounds)."""
    maker = GENERIC.get(field.type)
    value = maker(field, fake, n) if maker else None
    return fit(field, value)


def fit(field: FieldMeta, value: Any) -> Any:
    """Cut a string to the field's length (when it has one)."""
    length = field.raw.get("length") or 0
    if isinstance(value, str) and length and len(value) > length:
        return value[:length]
    return value


def _g_string(f: FieldMeta, fake: FakeData, n: int) -> str:
    length = f.raw.get("length") or 255
    if f.flag("unique") or f.flag("externalId") or length < 12:
        return str(n)[-length:] if length < 8 else f"{f.name[:3].upper()}-{n:06d}"
    return f"{f.raw.get('label') or f.name} {n}"


def _g_picklist(f: FieldMeta, fake: FakeData, n: int) -> str | None:
    values = active_values(f)
    return fake.choice(values) if values else None


def _g_multi(f: FieldMeta, fake: FakeData, n: int) -> str | None:
    values = active_values(f)
    if not values:
        return None
    picked = sorted(fake.random.sample(range(len(values)), min(len(values), 2)))
    return ";".join(values[i] for i in picked)


def _g_double(f: FieldMeta, fake: FakeData, n: int) -> float:
    precision, scale = f.raw.get("precision") or 18, f.raw.get("scale") or 0
    top = 10 ** min(max(precision - scale, 1), 6) - 1
    return round(fake.random.uniform(0, top), scale)


def _g_int(f: FieldMeta, fake: FakeData, n: int) -> int:
    digits = f.raw.get("digits") or 9
    return fake.random.randint(0, 10 ** min(digits, 4) - 1)


def _g_time(f: FieldMeta, fake: FakeData, n: int) -> str:
    return f"{fake.random.randint(0, 23):02d}:{fake.random.randint(0, 59):02d}:00.000Z"


GENERIC: dict[str, Callable[[FieldMeta, FakeData, int], Any]] = {
    "string": _g_string,
    "textarea": lambda f, fake, n: f"{f.raw.get('label') or f.name} for record {n}.",
    "email": lambda f, fake, n: f"{slug(f.name)}.{n}@example.com",
    "phone": lambda f, fake, n: fake.phone(),
    "url": lambda f, fake, n: f"https://www.example.com/{slug(f.name)}/{n}",
    "picklist": _g_picklist,
    "combobox": _g_picklist,
    "multipicklist": _g_multi,
    "boolean": lambda f, fake, n: fake.random.random() < 0.5,
    "int": _g_int,
    "long": lambda f, fake, n: fake.random.randint(0, 10**12),
    "double": _g_double,
    "currency": lambda f, fake, n: float(fake.random.randrange(100, 100_000, 50)),
    "percent": lambda f, fake, n: round(fake.random.uniform(0, 100), f.raw.get("scale") or 0),
    "date": lambda f, fake, n: fake.past_date(3 * 365),
    "datetime": lambda f, fake, n: fake.past_datetime(3 * 365),
    "time": _g_time,
    "base64": lambda f, fake, n: b64(f"{f.name} {n}"),
    "encryptedstring": lambda f, fake, n: f"secret-{n:06d}",
    "anyType": lambda f, fake, n: str(n),
}


def seedable_fields(obj: ObjectMeta) -> list[FieldMeta]:
    """Fields a generic row fills: createable, stored, not system, not formula."""
    return [
        f
        for f in obj.stored_fields()
        if f.flag("createable")
        and not f.flag("calculated")
        and not f.flag("autoNumber")
        and f.name.lower() not in SERVER_FIELDS
    ]


def required(f: FieldMeta) -> bool:
    return not f.flag("nillable") and not f.flag("defaultedOnCreate") and f.type != "boolean"


def generic_rows(ctx: Ctx, count: int) -> Iterator[Row]:
    """Rows for an object this module does not know: a value of each field's type."""
    fields = seedable_fields(ctx.obj)
    for n in range(1, count + 1):
        row: Row = {}
        for f in fields:
            if f.type == "reference":
                targets = [t for t in f.reference_to if ctx.ids.get(t)]
                row[f.name] = ctx.ref(targets[0]) if targets else None
            elif required(f) or ctx.some(0.8):
                row[f.name] = generic_value(f, ctx.fake, n)
        row.update(ctx.history())
        yield row


# --------------------------------------------------------------------------- conforming rows
def conform(ctx: Ctx, rows: Iterator[Row]) -> Iterator[Row]:
    """Drop fields the object lacks, cut strings to length, fill missing required fields.

    Rows are changed in place (builders hand over fresh dicts); the checks are set
    operations and a short loop over the length-limited fields, so they stay cheap."""
    obj = ctx.obj
    allowed = {f.name for f in obj.stored_fields()}
    limits = [
        (f.name, f.raw["length"])
        for f in obj.stored_fields()
        if f.type in STRING_TYPES and 0 < (f.raw.get("length") or 0) < MAX_GENERATED
    ]
    needed = [f for f in seedable_fields(obj) if required(f) and f.type != "reference"]
    flags = boolean_defaults(obj)
    for n, row in enumerate(rows, 1):
        for key in row.keys() - allowed:
            del row[key]
        for key, limit in limits:
            value = row.get(key)
            if value.__class__ is str and len(value) > limit:
                row[key] = value[:limit]
        for f in needed:
            if row.get(f.name) is None:
                row[f.name] = generic_value(f, ctx.fake, n)
        for key, default in flags:
            if row.get(key) is None:
                row[key] = default
        yield row


def boolean_defaults(obj: ObjectMeta) -> list[tuple[str, bool]]:
    """Non-nillable checkboxes the org does not fill itself, with their default value."""
    return [
        (f.name, f.raw.get("defaultValue") is True)
        for f in obj.stored_fields()
        if f.type == "boolean"
        and not f.flag("nillable")
        and not f.flag("calculated")
        and f.name.lower() not in SERVER_FIELDS
    ]


# --------------------------------------------------------------------------- entry point
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
