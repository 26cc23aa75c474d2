"""Row builders for the default objects: realistic values, deterministic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from crmlink.sandbox.core.seeding import (
    EMAIL_DOMAINS,
    TITLES,
)
from crmlink.sandbox.salesforce.seed.common import (
    CAMPAIGN_THEMES,
    DEPARTMENTS,
    HALVES,
    LOST,
    NEXT_STEPS,
    PRODUCTS,
    WON,
    Ctx,
    Row,
    b64,
    slug,
)

# --------------------------------------------------------------------------- shared helpers


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
