"""`$metadata`: a CSDL (EDMX 4.0) document generated from the loaded entities, plus the
SDK message and metadata sets and the functions the service answers (`csdl_extras`)."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from crmlink.sandbox.dynamics.models.metadata.csdl_extras import (
    function_declarations,
    function_imports,
    message_entity_sets,
    message_entity_type,
    metadata_entity_sets,
    metadata_entity_types,
)
from crmlink.sandbox.dynamics.models.metadata.model import EntityDef, OrgSchema
from crmlink.sandbox.dynamics.models.sdkmessages import message_sets

_EDM = {
    "String": "Edm.String",
    "Memo": "Edm.String",
    "EntityName": "Edm.String",
    "MultiSelectPicklist": "Edm.String",
    "Integer": "Edm.Int32",
    "Picklist": "Edm.Int32",
    "State": "Edm.Int32",
    "Status": "Edm.Int32",
    "BigInt": "Edm.Int64",
    "Double": "Edm.Double",
    "Decimal": "Edm.Decimal",
    "Money": "Edm.Decimal",
    "Boolean": "Edm.Boolean",
    "DateTime": "Edm.DateTimeOffset",
    "Uniqueidentifier": "Edm.Guid",
}


def _entity_type(entity: EntityDef) -> list[str]:
    name = quoteattr(entity.logical_name)
    lines = [f'<EntityType Name={name} BaseType="mscrm.crmbaseentity">']
    lines.append(f"<Key><PropertyRef Name={quoteattr(entity.primary_id)}/></Key>")
    for attr in entity.stored:
        edm = "Edm.Guid" if attr.is_lookup else _EDM.get(attr.attribute_type, "Edm.String")
        if attr.attribute_type == "DateTime" and attr.date_only:
            edm = "Edm.Date"
        lines.append(f"<Property Name={quoteattr(attr.wire_name)} Type={quoteattr(edm)}/>")
    for attr in entity.stored:
        if not attr.is_lookup:
            continue
        for target in attr.targets:
            nav = f"{attr.logical_name}_{target}" if attr.polymorphic else attr.logical_name
            lines.append(
                f"<NavigationProperty Name={quoteattr(nav)} Type={quoteattr('mscrm.' + target)}>"
                f"<ReferentialConstraint Property={quoteattr(attr.wire_name)} "
                f"ReferencedProperty={quoteattr(target + 'id')}/></NavigationProperty>"
            )
    lines.append("</EntityType>")
    return lines


def csdl(schema: OrgSchema) -> str:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
        '<edmx:Reference Uri="http://vocabularies.odata.org/OData.Community.Keys.V1.xml">'
        '<edmx:Include Namespace="OData.Community.Keys.V1" Alias="Keys"/></edmx:Reference>',
        "<edmx:DataServices>",
        '<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" '
        'xmlns="http://docs.oasis-open.org/odata/ns/edm">',
        '<EntityType Name="crmbaseentity" Abstract="true"/>',
    ]
    for entity in schema.entities.values():
        parts += _entity_type(entity)
    sets = message_sets(schema)
    for source in sets.values():
        parts += message_entity_type(source)
    parts += metadata_entity_types()
    parts += function_declarations()
    parts.append('<EntityContainer Name="System">')
    for entity in schema.entities.values():
        parts.append(
            f"<EntitySet Name={quoteattr(entity.entity_set_name)} "
            f"EntityType={quoteattr('Microsoft.Dynamics.CRM.' + entity.logical_name)}/>"
        )
    parts += message_entity_sets(sets)
    parts += metadata_entity_sets()
    parts += function_imports()
    parts += ["</EntityContainer>", "</Schema>", "</edmx:DataServices>", "</edmx:Edmx>"]
    return "\n".join(parts)
