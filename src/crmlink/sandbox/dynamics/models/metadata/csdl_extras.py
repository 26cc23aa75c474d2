"""The parts of `$metadata` beyond the org's tables: the start-up functions with their
response types, and the read-only `sdkmessage` / `sdkmessagefilter` entity types, so the
CSDL declares everything the service document lists."""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from crmlink.sandbox.dynamics.models.sdkmessages import MessageSet

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# function → (parameters as (name, type), response properties as (name, type))
FUNCTIONS: dict[str, tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]] = {
    "WhoAmI": (
        (),
        (("BusinessUnitId", "Edm.Guid"), ("UserId", "Edm.Guid"), ("OrganizationId", "Edm.Guid")),
    ),
    "RetrieveVersion": ((), (("Version", "Edm.String"),)),
    "RetrieveAvailableLanguages": ((), (("LocaleIds", "Collection(Edm.Int32)"),)),
    "RetrieveProvisionedLanguages": (
        (),
        (("RetrieveProvisionedLanguages", "Collection(Edm.Int32)"),),
    ),
    "RetrieveCurrentOrganization": (
        (("AccessType", "mscrm.EndpointAccessType"),),
        (("Detail", "mscrm.OrganizationDetail"),),
    ),
    "RetrieveOrganizationInfo": ((), (("organizationInfo", "mscrm.OrganizationInfo"),)),
}
_COMPLEX = {
    "OrganizationDetail": (
        ("OrganizationId", "Edm.Guid"),
        ("FriendlyName", "Edm.String"),
        ("OrganizationVersion", "Edm.String"),
        ("EnvironmentId", "Edm.String"),
        ("DatacenterId", "Edm.Guid"),
        ("Geo", "Edm.String"),
        ("TenantId", "Edm.String"),
        ("UrlName", "Edm.String"),
        ("UniqueName", "Edm.String"),
        ("Endpoints", "mscrm.EndpointCollection"),
        ("State", "Edm.String"),
        ("SchemaType", "Edm.String"),
        ("OrganizationType", "Edm.String"),
    ),
    "EndpointCollection": (
        ("Count", "Edm.Int32"),
        ("IsReadOnly", "Edm.Boolean"),
        ("Keys", "Collection(Edm.String)"),
        ("Values", "Collection(Edm.String)"),
    ),
    "OrganizationInfo": (
        ("OrganizationId", "Edm.Guid"),
        ("InstanceType", "Edm.String"),
        ("Solutions", "Collection(Edm.String)"),
    ),
}


def _complex(name: str, props: tuple[tuple[str, str], ...]) -> str:
    inner = "".join(f"<Property Name={quoteattr(p)} Type={quoteattr(t)}/>" for p, t in props)
    return f"<ComplexType Name={quoteattr(name)}>{inner}</ComplexType>"


def function_declarations() -> list[str]:
    """Complex types, the EndpointAccessType enum and one `<Function>` per function."""
    lines = [_complex(name, props) for name, props in _COMPLEX.items()]
    lines.append(
        '<EnumType Name="EndpointAccessType"><Member Name="Default" Value="0"/>'
        '<Member Name="Internet" Value="1"/><Member Name="Intranet" Value="2"/></EnumType>'
    )
    for name, (params, props) in FUNCTIONS.items():
        lines.append(_complex(f"{name}Response", props))
        inner = "".join(
            f'<Parameter Name={quoteattr(p)} Type={quoteattr(t)} Nullable="false"/>'
            for p, t in params
        )
        ret = quoteattr(f"mscrm.{name}Response")
        lines.append(
            f'<Function Name={quoteattr(name)}>{inner}<ReturnType Type={ret} Nullable="false"/>'
            "</Function>"
        )
    return lines


def function_imports() -> list[str]:
    return [
        f"<FunctionImport Name={quoteattr(n)} Function={quoteattr('Microsoft.Dynamics.CRM.' + n)}/>"
        for n in FUNCTIONS
    ]


def _edm(name: str, value: object) -> str:
    if isinstance(value, bool):
        return "Edm.Boolean"
    if isinstance(value, int):
        return "Edm.Int32" if name != "versionnumber" else "Edm.Int64"
    if name.endswith("on"):
        return "Edm.DateTimeOffset"
    return "Edm.Guid" if isinstance(value, str) and _GUID.match(value) else "Edm.String"


def message_entity_type(source: MessageSet) -> list[str]:
    """One `<EntityType>` of the SDK message sets, typed from its first row."""
    row = source.rows[0]
    lines = [f'<EntityType Name={quoteattr(source.logical_name)} BaseType="mscrm.crmbaseentity">']
    lines.append(f"<Key><PropertyRef Name={quoteattr(source.primary_id)}/></Key>")
    for name, value in row.items():
        if not name.startswith("@"):
            lines.append(f"<Property Name={quoteattr(name)} Type={quoteattr(_edm(name, value))}/>")
    for nav, (target, many) in source.navigation.items():
        kind = "mscrm.sdkmessagefilter" if target == "sdkmessagefilters" else "mscrm.sdkmessage"
        typed = f"Collection({kind})" if many else kind
        lines.append(f"<NavigationProperty Name={quoteattr(nav)} Type={quoteattr(typed)}/>")
    lines.append("</EntityType>")
    return lines


def message_entity_sets(sets: dict[str, MessageSet]) -> list[str]:
    return [
        f"<EntitySet Name={quoteattr(s.entity_set)} "
        f"EntityType={quoteattr('Microsoft.Dynamics.CRM.' + s.logical_name)}/>"
        for s in sets.values()
    ]


# The metadata entity sets, declared with the key they are addressed by.
METADATA_SETS = {
    "EntityDefinitions": "EntityMetadata",
    "GlobalOptionSetDefinitions": "OptionSetMetadataBase",
    "RelationshipDefinitions": "RelationshipMetadataBase",
}


def metadata_entity_types() -> list[str]:
    return [
        f'<EntityType Name={quoteattr(kind)}><Key><PropertyRef Name="MetadataId"/></Key>'
        '<Property Name="MetadataId" Type="Edm.Guid" Nullable="false"/></EntityType>'
        for kind in METADATA_SETS.values()
    ]


def metadata_entity_sets() -> list[str]:
    return [
        f"<EntitySet Name={quoteattr(name)} "
        f"EntityType={quoteattr('Microsoft.Dynamics.CRM.' + kind)}/>"
        for name, kind in METADATA_SETS.items()
    ]
