"""The sandbox's own entities, written by this project (not copied from a real org).

account, contact, lead, opportunity, campaign, systemuser and one custom table with the
publisher prefix `cr7a3_`, covering every attribute type the connector meets: string,
memo, integer, bigint, double, decimal, money, boolean, datetime (date-only and full),
picklist, multi-select picklist, state/status, lookup, customer, owner,
uniqueidentifier and entityname.
"""

from __future__ import annotations

from crmlink.sandbox.dynamics.models.metadata.model import (
    AttributeDef,
    EntityDef,
    Option,
    OrgSchema,
)
from crmlink.sandbox.dynamics.models.metadata.optionsets import (
    ACTIVE_STATES,
    GLOBAL_SETS,
    LOCAL_SETS,
    OPPORTUNITY_STATES,
    STATE_SETS,
    options,
)


def _attr(name: str, kind: str, label: str, **extra) -> AttributeDef:
    if kind == "String":
        extra.setdefault("max_length", 100)
    if kind == "Memo":
        extra.setdefault("max_length", 2000)
    if kind in ("Money", "Decimal"):
        extra.setdefault("precision", 2)
    if kind == "Double":
        extra.setdefault("precision", 5)
    if kind in ("Picklist", "MultiSelectPicklist") and "options" not in extra:
        extra["options"] = options(LOCAL_SETS.get(name) or GLOBAL_SETS[extra["option_set_name"]])
    return AttributeDef(name, kind, label, is_custom=name.startswith("cr7a3_"), **extra)


def _pick(name: str, label: str, **extra) -> AttributeDef:
    return _attr(name, "Picklist", label, **extra)


def _global(name: str, kind: str, label: str, set_name: str) -> AttributeDef:
    return _attr(name, kind, label, option_set_name=set_name, is_global=True)


def common_columns(entity: EntityDef, states: str | None = "active", owned: bool = True) -> None:
    entity.add(_attr(entity.primary_id, "Uniqueidentifier", entity.display_name))
    entity.add(_attr("createdon", "DateTime", "Created On"))
    entity.add(_attr("modifiedon", "DateTime", "Modified On"))
    entity.add(_attr("versionnumber", "BigInt", "Version Number"))
    entity.add(_attr("createdby", "Lookup", "Created By", targets=["systemuser"]))
    entity.add(_attr("modifiedby", "Lookup", "Modified By", targets=["systemuser"]))
    if owned:
        entity.add(_attr("ownerid", "Owner", "Owner", targets=["systemuser", "team"]))
    if states is not None:
        state_opts, status_opts = STATE_SETS[states]
        entity.add(_attr("statecode", "State", "Status", options=state_opts))
        entity.add(_attr("statuscode", "Status", "Status Reason", options=status_opts))


def _address(entity: EntityDef) -> None:
    for name, label in (
        ("address1_line1", "Street 1"),
        ("address1_city", "City"),
        ("address1_stateorprovince", "State/Province"),
        ("address1_postalcode", "ZIP/Postal Code"),
        ("address1_country", "Country/Region"),
    ):
        entity.add(_attr(name, "String", f"Address 1: {label}"))
    entity.add(_attr("address1_latitude", "Double", "Address 1: Latitude"))
    entity.add(_attr("address1_longitude", "Double", "Address 1: Longitude"))


def _entity(name: str, set_name: str, label: str, plural: str, code: int, **extra) -> EntityDef:
    primary_name = extra.pop("primary_name", "name")
    return EntityDef(
        name,
        set_name,
        extra.pop("primary_id", f"{name}id"),
        primary_name,
        display_name=label,
        display_collection_name=plural,
        object_type_code=code,
        **extra,
    )


def contact() -> EntityDef:
    e = _entity("contact", "contacts", "Contact", "Contacts", 2, primary_name="fullname")
    common_columns(e)
    for name, kind, label in (
        ("firstname", "String", "First Name"),
        ("lastname", "String", "Last Name"),
        ("fullname", "String", "Full Name"),
        ("emailaddress1", "String", "Email"),
        ("telephone1", "String", "Business Phone"),
        ("mobilephone", "String", "Mobile Phone"),
        ("jobtitle", "String", "Job Title"),
        ("description", "Memo", "Description"),
        ("birthdate", "DateTime", "Birthday"),
        ("donotemail", "Boolean", "Do not allow Emails"),
        ("donotphone", "Boolean", "Do not allow Phone Calls"),
        ("creditlimit", "Money", "Credit Limit"),
        ("annualincome", "Money", "Annual Income"),
        ("numberofchildren", "Integer", "No. of Children"),
        ("cr7a3_loyaltyscore", "Decimal", "Loyalty Score"),
        ("cr7a3_externalref", "Uniqueidentifier", "External Reference"),
    ):
        e.add(_attr(name, kind, label, date_only=name == "birthdate"))
    e.attributes["emailaddress1"].max_length = 100
    _address(e)
    e.add(_pick("gendercode", "Gender"))
    e.add(_pick("preferredcontactmethodcode", "Preferred Method of Contact"))
    e.add(_global("cr7a3_interests", "MultiSelectPicklist", "Interests", "cr7a3_interests"))
    e.add(_attr("parentcustomerid", "Customer", "Company Name", targets=["account", "contact"]))
    e.add(_attr("parentcustomeridtype", "EntityName", "Parent Customer Type"))
    e.add(_attr("cr7a3_loyaltycardid", "Lookup", "Loyalty Card", targets=["cr7a3_loyaltycard"]))
    e.alternate_keys.append(["emailaddress1"])
    return e


def account() -> EntityDef:
    e = _entity("account", "accounts", "Account", "Accounts", 1)
    common_columns(e)
    for name, kind, label in (
        ("name", "String", "Account Name"),
        ("accountnumber", "String", "Account Number"),
        ("telephone1", "String", "Main Phone"),
        ("emailaddress1", "String", "Email"),
        ("websiteurl", "String", "Website"),
        ("description", "Memo", "Description"),
        ("revenue", "Money", "Annual Revenue"),
        ("numberofemployees", "Integer", "Number of Employees"),
        ("creditonhold", "Boolean", "Credit Hold"),
        ("donotemail", "Boolean", "Do not allow Emails"),
        ("lastusedincampaign", "DateTime", "Last Date Included in Campaign"),
    ):
        e.add(_attr(name, kind, label))
    _address(e)
    e.add(_pick("industrycode", "Industry"))
    e.add(_pick("accountcategorycode", "Category"))
    e.add(_attr("primarycontactid", "Lookup", "Primary Contact", targets=["contact"]))
    e.add(_attr("parentaccountid", "Lookup", "Parent Account", targets=["account"]))
    e.alternate_keys.append(["accountnumber"])
    return e


def lead() -> EntityDef:
    e = _entity("lead", "leads", "Lead", "Leads", 4, primary_name="fullname")
    common_columns(e, "lead")
    for name, kind, label in (
        ("subject", "String", "Topic"),
        ("firstname", "String", "First Name"),
        ("lastname", "String", "Last Name"),
        ("fullname", "String", "Name"),
        ("companyname", "String", "Company Name"),
        ("emailaddress1", "String", "Email"),
        ("telephone1", "String", "Business Phone"),
        ("estimatedamount", "Money", "Est. Value"),
        ("estimatedclosedate", "DateTime", "Est. Close Date"),
        ("description", "Memo", "Description"),
    ):
        e.add(_attr(name, kind, label, date_only=name == "estimatedclosedate"))
    e.add(_pick("leadsourcecode", "Lead Source"))
    e.add(_pick("leadqualitycode", "Rating"))
    e.add(_attr("parentaccountid", "Lookup", "Existing Account", targets=["account"]))
    e.add(_attr("parentcontactid", "Lookup", "Existing Contact", targets=["contact"]))
    e.add(_attr("customerid", "Customer", "Customer", targets=["account", "contact"]))
    e.add(_attr("campaignid", "Lookup", "Source Campaign", targets=["campaign"]))
    return e


def opportunity() -> EntityDef:
    e = _entity("opportunity", "opportunities", "Opportunity", "Opportunities", 3)
    common_columns(e, "opportunity")
    for name, kind, label in (
        ("name", "String", "Topic"),
        ("estimatedvalue", "Money", "Est. Revenue"),
        ("actualvalue", "Money", "Actual Revenue"),
        ("closeprobability", "Integer", "Probability"),
        ("estimatedclosedate", "DateTime", "Est. Close Date"),
        ("description", "Memo", "Description"),
    ):
        e.add(_attr(name, kind, label, date_only=name == "estimatedclosedate"))
    e.add(_pick("opportunityratingcode", "Rating"))
    e.add(_pick("salesstagecode", "Process Code"))
    e.add(_attr("customerid", "Customer", "Potential Customer", targets=["account", "contact"]))
    e.add(_attr("parentaccountid", "Lookup", "Account", targets=["account"]))
    e.add(_attr("parentcontactid", "Lookup", "Contact", targets=["contact"]))
    e.add(_attr("campaignid", "Lookup", "Source Campaign", targets=["campaign"]))
    return e


def campaign() -> EntityDef:
    e = _entity("campaign", "campaigns", "Campaign", "Campaigns", 4400)
    common_columns(e, "campaign")
    for name, kind, label in (
        ("name", "String", "Name"),
        ("codename", "String", "Campaign Code"),
        ("budgetedcost", "Money", "Budget Allocated"),
        ("expectedresponse", "Integer", "Expected Response %"),
        ("actualstart", "DateTime", "Actual Start"),
        ("actualend", "DateTime", "Actual End"),
        ("objective", "Memo", "Objective"),
        ("istemplate", "Boolean", "Template"),
    ):
        e.add(_attr(name, kind, label, date_only=name.startswith("actual")))
    e.add(_pick("typecode", "Campaign Type"))
    return e


def systemuser() -> EntityDef:
    e = _entity(
        "systemuser",
        "systemusers",
        "User",
        "Users",
        8,
        primary_name="fullname",
        ownership="BusinessOwned",
    )
    common_columns(e, None, owned=False)
    for name, kind, label in (
        ("fullname", "String", "Full Name"),
        ("firstname", "String", "First Name"),
        ("lastname", "String", "Last Name"),
        ("domainname", "String", "User Name"),
        ("internalemailaddress", "String", "Primary Email"),
        ("title", "String", "Title"),
        ("isdisabled", "Boolean", "Status"),
        ("azureactivedirectoryobjectid", "Uniqueidentifier", "Azure AD Object ID"),
        ("applicationid", "Uniqueidentifier", "Application ID"),
    ):
        e.add(_attr(name, kind, label))
    return e


def loyaltycard() -> EntityDef:
    e = _entity(
        "cr7a3_loyaltycard",
        "cr7a3_loyaltycards",
        "Loyalty Card",
        "Loyalty Cards",
        10001,
        primary_name="cr7a3_name",
        is_custom=True,
        schema_name="cr7a3_LoyaltyCard",
    )
    common_columns(e)
    for name, kind, label in (
        ("cr7a3_name", "String", "Name"),
        ("cr7a3_cardnumber", "String", "Card Number"),
        ("cr7a3_points", "Integer", "Points"),
        ("cr7a3_lifetimepoints", "BigInt", "Lifetime Points"),
        ("cr7a3_balance", "Money", "Balance"),
        ("cr7a3_discountrate", "Decimal", "Discount Rate"),
        ("cr7a3_ratio", "Double", "Redemption Ratio"),
        ("cr7a3_isactive", "Boolean", "Active Card"),
        ("cr7a3_expireson", "DateTime", "Expires On"),
        ("cr7a3_notes", "Memo", "Notes"),
    ):
        e.add(_attr(name, kind, label, date_only=name == "cr7a3_expireson"))
    e.add(_global("cr7a3_tier", "Picklist", "Tier", "cr7a3_tier"))
    e.add(_global("cr7a3_benefits", "MultiSelectPicklist", "Benefits", "cr7a3_benefits"))
    e.add(_attr("cr7a3_contactid", "Lookup", "Card Holder", targets=["contact"]))
    e.add(_attr("cr7a3_customerid", "Customer", "Billed Customer", targets=["account", "contact"]))
    e.alternate_keys.append(["cr7a3_cardnumber"])
    return e


def builtin_schema() -> OrgSchema:
    schema = OrgSchema()
    for make in (account, contact, lead, opportunity, campaign, systemuser, loyaltycard):
        schema.add(make())
    return schema


__all__ = ["ACTIVE_STATES", "OPPORTUNITY_STATES", "Option", "builtin_schema"]
