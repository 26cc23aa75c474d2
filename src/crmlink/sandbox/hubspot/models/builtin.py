"""The properties and groups a new HubSpot portal has: contacts, companies, deals (a subset
of HubSpot's own, with their real names, types, field types and options), plus the custom
`loyalty_card` object's. Option values are HubSpot's internal ones (`lifecyclestage`,
`hs_lead_status`, the default sales pipeline's `dealstage`)."""

from __future__ import annotations

from typing import Any

from crmlink.sandbox.hubspot.models.properties import Option, PropertyDef, PropertyGroup


def _options(*pairs: tuple[str, str]) -> tuple[Option, ...]:
    return tuple(Option(label, value, n) for n, (label, value) in enumerate(pairs))


def _p(  # noqa: PLR0913 - one line per property below
    name: str,
    label: str,
    type_: str,
    field_type: str,
    group: str,
    options: tuple[Option, ...] = (),
    **flags: Any,
) -> PropertyDef:
    return PropertyDef(
        name, label, type_, field_type, group, options, hubspot_defined=True, **flags
    )


def _server_kept(group: str) -> list[PropertyDef]:
    """The properties the server keeps on every object type."""
    return [
        _p("hs_object_id", "Record ID", "number", "number", group, read_only=True),
        _p("createdate", "Create Date", "datetime", "date", group, read_only=True),
        _p("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", group, read_only=True),
    ]


LIFECYCLE = _options(
    ("Subscriber", "subscriber"),
    ("Lead", "lead"),
    ("Marketing Qualified Lead", "marketingqualifiedlead"),
    ("Sales Qualified Lead", "salesqualifiedlead"),
    ("Opportunity", "opportunity"),
    ("Customer", "customer"),
    ("Evangelist", "evangelist"),
    ("Other", "other"),
)
LEAD_STATUS = _options(
    ("New", "NEW"),
    ("Open", "OPEN"),
    ("In Progress", "IN_PROGRESS"),
    ("Open Deal", "OPEN_DEAL"),
    ("Unqualified", "UNQUALIFIED"),
    ("Attempted to Contact", "ATTEMPTED_TO_CONTACT"),
    ("Connected", "CONNECTED"),
    ("Bad Timing", "BAD_TIMING"),
)
INTERESTS = _options(
    ("Newsletter", "newsletter"),
    ("Product updates", "product_updates"),
    ("Events", "events"),
    ("Webinars", "webinars"),
    ("Partner offers", "partner_offers"),
)
INDUSTRY = _options(
    ("Accounting", "ACCOUNTING"),
    ("Banking", "BANKING"),
    ("Biotechnology", "BIOTECHNOLOGY"),
    ("Computer Software", "COMPUTER_SOFTWARE"),
    ("Construction", "CONSTRUCTION"),
    ("Education Management", "EDUCATION_MANAGEMENT"),
    ("Financial Services", "FINANCIAL_SERVICES"),
    ("Hospital & Health Care", "HOSPITAL_HEALTH_CARE"),
    ("Insurance", "INSURANCE"),
    ("Marketing and Advertising", "MARKETING_AND_ADVERTISING"),
    ("Retail", "RETAIL"),
    ("Telecommunications", "TELECOMMUNICATIONS"),
    ("Utilities", "UTILITIES"),
)
COMPANY_TYPE = _options(
    ("Prospect", "PROSPECT"),
    ("Partner", "PARTNER"),
    ("Reseller", "RESELLER"),
    ("Vendor", "VENDOR"),
    ("Other", "OTHER"),
)
DEAL_STAGES = _options(
    ("Appointment Scheduled", "appointmentscheduled"),
    ("Qualified To Buy", "qualifiedtobuy"),
    ("Presentation Scheduled", "presentationscheduled"),
    ("Decision Maker Bought-In", "decisionmakerboughtin"),
    ("Contract Sent", "contractsent"),
    ("Closed Won", "closedwon"),
    ("Closed Lost", "closedlost"),
)
PIPELINES = _options(("Sales Pipeline", "default"))
DEAL_TYPE = _options(("New Business", "newbusiness"), ("Existing Business", "existingbusiness"))
PRIORITY = _options(("Low", "low"), ("Medium", "medium"), ("High", "high"))
TIERS = _options(
    ("Bronze", "bronze"), ("Silver", "silver"), ("Gold", "gold"), ("Platinum", "platinum")
)
YES_NO = _options(("Yes", "true"), ("No", "false"))

CI = "contactinformation"
CONTACT_GROUPS = [
    PropertyGroup(CI, "Contact information", 0),
    PropertyGroup("emailinformation", "Email information", 1),
    PropertyGroup("conversioninformation", "Conversion information", 2),
    PropertyGroup("sales_properties", "Sales properties", 3),
]
CONTACTS = [
    *_server_kept(CI),
    _p("lastmodifieddate", "Last Modified Date", "datetime", "date", CI, read_only=True),
    _p("email", "Email", "string", "text", CI, has_unique_value=True),
    _p("firstname", "First Name", "string", "text", CI),
    _p("lastname", "Last Name", "string", "text", CI),
    _p("salutation", "Salutation", "string", "text", CI),
    _p("phone", "Phone Number", "string", "phonenumber", CI),
    _p("mobilephone", "Mobile Phone Number", "string", "phonenumber", CI),
    _p("fax", "Fax Number", "string", "text", CI),
    _p("address", "Street Address", "string", "text", CI),
    _p("city", "City", "string", "text", CI),
    _p("state", "State/Region", "string", "text", CI),
    _p("zip", "Postal Code", "string", "text", CI),
    _p("country", "Country/Region", "string", "text", CI),
    _p("jobtitle", "Job Title", "string", "text", CI),
    _p("company", "Company Name", "string", "text", CI),
    _p("website", "Website URL", "string", "text", CI),
    _p("date_of_birth", "Date of birth", "date", "date", CI),
    _p("numemployees", "Number of Employees", "number", "number", CI),
    _p("annualrevenue", "Annual Revenue", "number", "number", CI),
    _p("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", CI, LIFECYCLE),
    _p("hs_lead_status", "Lead Status", "enumeration", "radio", "sales_properties", LEAD_STATUS),
    _p("hs_email_domain", "Email Domain", "string", "text", CI, calculated=True),
    _p("hs_whatsapp_phone_number", "WhatsApp Phone Number", "phone_number", "phonenumber", CI),
    _p(
        "hs_email_optout",
        "Unsubscribed from all email",
        "bool",
        "booleancheckbox",
        "emailinformation",
    ),
    _p(
        "hs_email_last_send_date",
        "Last marketing email send date",
        "datetime",
        "date",
        "emailinformation",
        read_only=True,
    ),
    _p(
        "hs_analytics_num_visits",
        "Number of Sessions",
        "number",
        "number",
        "conversioninformation",
        read_only=True,
    ),
    _p(
        "first_conversion_date",
        "First Conversion Date",
        "datetime",
        "date",
        "conversioninformation",
        read_only=True,
    ),
    _p(
        "recent_conversion_date",
        "Recent Conversion Date",
        "datetime",
        "date",
        "conversioninformation",
        read_only=True,
    ),
    _p(
        "num_associated_deals",
        "Associated Deals",
        "number",
        "number",
        "sales_properties",
        calculated=True,
    ),
    _p(
        "notes_last_updated",
        "Last Activity Date",
        "datetime",
        "date",
        "sales_properties",
        read_only=True,
    ),
    _p("hs_language", "Preferred language", "string", "text", CI),
    _p("message", "Message", "string", "textarea", CI),
]
# Properties a portal's admins added (not HubSpot-defined).
CONTACT_CUSTOM = [
    PropertyDef(
        "interests",
        "Interests",
        "enumeration",
        "checkbox",
        CI,
        INTERESTS,
        display_order=0,
        created_at="2023-03-14T09:26:53.000Z",
        updated_at="2023-03-14T09:26:53.000Z",
    ),
    PropertyDef(
        "newsletter_consent",
        "Newsletter consent",
        "enumeration",
        "booleancheckbox",
        CI,
        YES_NO,
        created_at="2023-03-14T09:26:53.000Z",
        updated_at="2023-03-14T09:26:53.000Z",
    ),
    PropertyDef(
        "loyalty_points",
        "Loyalty points",
        "number",
        "number",
        CI,
        created_at="2023-03-14T09:26:53.000Z",
        updated_at="2023-03-14T09:26:53.000Z",
    ),
]

CO = "companyinformation"
COMPANY_GROUPS = [
    PropertyGroup(CO, "Company information", 0),
    PropertyGroup("social_media_information", "Social media information", 1),
]
COMPANIES = [
    *_server_kept(CO),
    _p("name", "Company name", "string", "text", CO),
    _p("domain", "Company Domain Name", "string", "text", CO),
    _p("website", "Website URL", "string", "text", CO),
    _p("phone", "Phone Number", "string", "phonenumber", CO),
    _p("address", "Street Address", "string", "text", CO),
    _p("address2", "Street Address 2", "string", "text", CO),
    _p("city", "City", "string", "text", CO),
    _p("state", "State/Region", "string", "text", CO),
    _p("zip", "Postal Code", "string", "text", CO),
    _p("country", "Country/Region", "string", "text", CO),
    _p("industry", "Industry", "enumeration", "select", CO, INDUSTRY),
    _p("type", "Type", "enumeration", "select", CO, COMPANY_TYPE),
    _p("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", CO, LIFECYCLE),
    _p("hs_lead_status", "Lead Status", "enumeration", "radio", CO, LEAD_STATUS),
    _p("numberofemployees", "Number of Employees", "number", "number", CO),
    _p("annualrevenue", "Annual Revenue", "number", "number", CO),
    _p("founded_year", "Year Founded", "string", "text", CO),
    _p("description", "Description", "string", "textarea", CO),
    _p("timezone", "Time Zone", "string", "text", CO),
    _p("is_public", "Is Public", "bool", "booleancheckbox", CO),
    _p("total_money_raised", "Total Money Raised", "string", "text", CO),
    _p(
        "linkedin_company_page",
        "LinkedIn Company Page",
        "string",
        "text",
        "social_media_information",
    ),
    _p("twitterhandle", "Twitter Handle", "string", "text", "social_media_information"),
    _p(
        "facebook_company_page",
        "Facebook Company Page",
        "string",
        "text",
        "social_media_information",
    ),
    _p(
        "num_associated_contacts",
        "Number of Associated Contacts",
        "number",
        "number",
        CO,
        calculated=True,
    ),
    _p(
        "num_associated_deals",
        "Number of Associated Deals",
        "number",
        "number",
        CO,
        calculated=True,
    ),
    _p("hs_analytics_num_visits", "Number of Sessions", "number", "number", CO, read_only=True),
    _p(
        "first_contact_createdate",
        "First Contact Create Date",
        "datetime",
        "date",
        CO,
        read_only=True,
    ),
    _p("notes_last_updated", "Last Activity Date", "datetime", "date", CO, read_only=True),
    _p("hs_is_target_account", "Target Account", "bool", "booleancheckbox", CO),
]

DI = "dealinformation"
DEAL_GROUPS = [PropertyGroup(DI, "Deal information", 0)]
DEALS = [
    *_server_kept(DI),
    _p("dealname", "Deal Name", "string", "text", DI),
    _p("amount", "Amount", "number", "number", DI),
    _p("closedate", "Close Date", "datetime", "date", DI),
    _p("pipeline", "Pipeline", "enumeration", "select", DI, PIPELINES, external_options=True),
    _p("dealstage", "Deal Stage", "enumeration", "radio", DI, DEAL_STAGES, external_options=True),
    _p("dealtype", "Deal Type", "enumeration", "radio", DI, DEAL_TYPE),
    _p("description", "Deal Description", "string", "textarea", DI),
    _p("hs_priority", "Priority", "enumeration", "select", DI, PRIORITY),
    _p("hs_next_step", "Next step", "string", "textarea", DI),
    _p("hs_forecast_probability", "Forecast probability", "number", "number", DI),
    _p("hs_forecast_amount", "Forecast amount", "number", "number", DI, calculated=True),
    _p("hs_is_closed", "Is Deal Closed?", "bool", "booleancheckbox", DI, calculated=True),
    _p("days_to_close", "Days to close", "number", "number", DI, calculated=True),
    _p("hs_closed_won_date", "Closed won date", "datetime", "date", DI, read_only=True),
    _p("hs_deal_stage_probability", "Deal probability", "number", "number", DI, read_only=True),
    _p("num_associated_contacts", "Number of Contacts", "number", "number", DI, calculated=True),
    _p("num_contacted_notes", "Number of times contacted", "number", "number", DI, read_only=True),
    _p("notes_last_updated", "Last Activity Date", "datetime", "date", DI, read_only=True),
    _p("hs_campaign", "HubSpot Campaign", "string", "text", DI),
    _p("closed_lost_reason", "Closed Lost Reason", "string", "textarea", DI),
    _p("closed_won_reason", "Closed Won Reason", "string", "textarea", DI),
    _p("hs_acv", "Annual contract value", "number", "number", DI, read_only=True),
    _p("hs_mrr", "Monthly recurring revenue", "number", "number", DI, read_only=True),
    _p("hs_tcv", "Total contract value", "number", "number", DI, read_only=True),
    _p("deal_currency_code", "Currency", "string", "text", DI),
]

LC = "loyalty_card_information"
LOYALTY_GROUPS = [PropertyGroup(LC, "Loyalty card information", 0)]
LOYALTY_STAMP = "2023-05-02T10:11:12.000Z"


def _lc(name: str, label: str, type_: str, field_type: str, **extra: Any) -> PropertyDef:
    return PropertyDef(
        name,
        label,
        type_,
        field_type,
        LC,
        created_at=LOYALTY_STAMP,
        updated_at=LOYALTY_STAMP,
        **extra,
    )


LOYALTY = [
    *_server_kept(LC),
    _lc("card_number", "Card number", "string", "text", has_unique_value=True),
    _lc("tier", "Tier", "enumeration", "select", options=TIERS),
    _lc("points", "Points", "number", "number"),
    _lc("issued", "Issued", "date", "date"),
    _lc("active", "Active", "bool", "booleancheckbox"),
]

BUILTIN: dict[str, tuple[list[PropertyDef], list[PropertyGroup]]] = {
    "contacts": (CONTACTS + CONTACT_CUSTOM, CONTACT_GROUPS),
    "companies": (COMPANIES, COMPANY_GROUPS),
    "deals": (DEALS, DEAL_GROUPS),
}
