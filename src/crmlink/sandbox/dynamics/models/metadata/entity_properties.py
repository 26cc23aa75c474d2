"""The EntityDefinitions properties beyond names: flags, managed properties, privileges.

The Web API answers every property of `EntityMetadata` for every entity; a client that
reads `IsAuditEnabled.Value` or `CanCreateAttributes.CanBeChanged` fails on a null. The
values follow a recorded `EntityDefinitions(LogicalName='contact')` from a real org
(tests/reference/dynamics/terraform-provider-power-platform); the property set is the same
for every entity. Managed properties are `{"Value", "CanBeChanged",
"ManagedPropertyLogicalName"}`.
"""

from __future__ import annotations

from typing import Any

from crmlink.sandbox.dynamics.models.metadata.model import EntityDef, metadata_id

# name → (Value, CanBeChanged, ManagedPropertyLogicalName), in the Web API's order
MANAGED: dict[str, tuple[bool, bool, str]] = {
    "IsAuditEnabled": (False, True, "canmodifyauditsettings"),
    "IsValidForQueue": (False, True, "canmodifyqueuesettings"),
    "IsConnectionsEnabled": (True, True, "canmodifyconnectionsettings"),
    "IsCustomizable": (True, False, "iscustomizable"),
    "IsRenameable": (True, False, "isrenameable"),
    "IsMappable": (True, False, "ismappable"),
    "IsDuplicateDetectionEnabled": (True, True, "canmodifyduplicatedetectionsettings"),
    "CanCreateAttributes": (True, False, "cancreateattributes"),
    "CanCreateForms": (True, False, "cancreateforms"),
    "CanCreateViews": (True, False, "cancreateviews"),
    "CanCreateCharts": (True, False, "cancreatecharts"),
    "CanBeRelatedEntityInRelationship": (True, False, "canberelatedentityinrelationship"),
    "CanBePrimaryEntityInRelationship": (True, False, "canbeprimaryentityinrelationship"),
    "CanBeInManyToMany": (True, False, "canbeinmanytomany"),
    "CanBeInCustomEntityAssociation": (True, False, "canbeincustomentityassociation"),
    "CanEnableSyncToExternalSearchIndex": (True, True, "canenablesynctoexternalsearchindex"),
    "CanModifyAdditionalSettings": (True, True, "canmodifyadditionalsettings"),
    "CanChangeHierarchicalRelationship": (True, True, "canchangehierarchicalrelationship"),
    "CanChangeTrackingBeEnabled": (True, True, "canchangetrackingbeenabled"),
    "IsMailMergeEnabled": (True, True, "canmodifymailmergesettings"),
    "IsVisibleInMobile": (True, True, "canmodifymobilevisibility"),
    "IsVisibleInMobileClient": (True, True, "canmodifymobileclientvisibility"),
    "IsReadOnlyInMobileClient": (False, True, "canmodifymobileclientreadonly"),
    "IsOfflineInMobileClient": (True, True, "canmodifymobileclientoffline"),
}

# Plain properties every entity answers, with the values of an ordinary user-owned table.
FLAGS: dict[str, Any] = {
    "ActivityTypeMask": 0,
    "AutoRouteToOwnerQueue": False,
    "CanTriggerWorkflow": True,
    "EntityHelpUrlEnabled": False,
    "EntityHelpUrl": None,
    "IsDocumentManagementEnabled": False,
    "IsOneNoteIntegrationEnabled": False,
    "IsInteractionCentricEnabled": False,
    "IsKnowledgeManagementEnabled": False,
    "IsSLAEnabled": False,
    "IsBPFEntity": False,
    "IsDocumentRecommendationsEnabled": False,
    "IsMSTeamsIntegrationEnabled": False,
    "SettingOf": None,
    "DataProviderId": None,
    "DataSourceId": None,
    "AutoCreateAccessTeams": False,
    "IsRetrieveAuditEnabled": False,
    "IsRetrieveMultipleAuditEnabled": False,
    "IsArchivalEnabled": False,
    "IsRetentionEnabled": False,
    "ClusterMode": "Local",  # answered by newer orgs only (2 of the 4 recordings)
    "IsAvailableOffline": True,
    "IsChildEntity": False,
    "IsAIRUpdated": False,
    "IconLargeName": None,
    "IconMediumName": None,
    "IconSmallName": None,
    "IconVectorName": None,
    "IsBusinessProcessEnabled": True,
    "SyncToExternalSearchIndex": False,
    "IsImportable": True,
    "IsEnabledForCharts": True,
    "IsEnabledForTrace": False,
    "DaysSinceRecordLastModified": 0,
    "MobileOfflineFilters": "",
    "IsReadingPaneEnabled": True,
    "IsQuickCreateEnabled": True,
    "RecurrenceBaseEntityLogicalName": None,
    "IsStateModelAware": True,
    "EnforceStateTransitions": False,
    "ExternalName": None,
    "EntityColor": "#005088",
    "ExternalCollectionName": None,
    "IsEnabledForExternalChannels": False,
    "UsesBusinessDataLabelTable": False,
    "HasFeedback": False,
    "IsSolutionAware": False,
    "CreatedOn": "1900-01-01T00:00:00Z",
    "ModifiedOn": "2024-01-01T00:00:00Z",
    "HasEmailAddresses": False,
    "OwnerId": None,
    "OwnerIdType": 8,
    "OwningBusinessUnit": None,
    "HasChanged": None,
    "Settings": [],
}

_PRIVILEGES = ("Create", "Read", "Write", "Delete", "Assign", "Share", "Append", "AppendTo")


def managed(name: str, value: bool, can_change: bool) -> dict[str, Any]:
    """One managed property in the wire shape."""
    return {"Value": value, "CanBeChanged": can_change, "ManagedPropertyLogicalName": name}


def managed_properties(entity: EntityDef) -> dict[str, dict[str, Any]]:
    """Every managed property; a custom table's customisation settings can be changed."""
    out = {}
    for prop, (value, can_change, logical) in MANAGED.items():
        out[prop] = managed(logical, value, can_change or entity.is_custom)
    return out


def privileges(entity: EntityDef) -> list[dict[str, Any]]:
    """The entity's eight privileges (`prvCreateContact`, …), ids stable per name."""
    owned = entity.ownership == "UserOwned"
    return [
        {
            "CanBeBasic": owned,
            "CanBeDeep": owned,
            "CanBeGlobal": True,
            "CanBeLocal": owned,
            "CanBeEntityReference": False,
            "CanBeParentEntityReference": False,
            "CanBeRecordFilter": False,
            "Name": f"prv{kind}{entity.schema_name}",
            "PrivilegeId": metadata_id("privilege", entity.logical_name, kind),
            "PrivilegeType": kind,
        }
        for kind in _PRIVILEGES
    ]


def entity_properties(entity: EntityDef) -> dict[str, Any]:
    """The flags, managed properties and privileges of a built-in entity."""
    body = dict(FLAGS)
    body["ReportViewName"] = f"Filtered{entity.schema_name}"
    body["HasEmailAddresses"] = "emailaddress1" in entity.attributes
    body["IsStateModelAware"] = "statecode" in entity.attributes
    body.update(managed_properties(entity))
    body["Privileges"] = privileges(entity)
    body["Settings"] = []
    return body


def fill_managed(body: dict[str, Any], entity: EntityDef) -> dict[str, Any]:
    """A loaded entity's JSON with the managed properties its dump left out or null
    (RetrieveMetadataChanges answers them null unless asked for)."""
    for prop, value in managed_properties(entity).items():
        if body.get(prop) is None:
            body[prop] = value
    return body
