"""describeGlobal and the short object describe (`GET /sobjects/X`), from the catalog.

A describe folder may carry its own `_global.json` (served as is, plus an entry for each
object it lacks); otherwise each entry is taken from the object's full describe, with the
keys Salesforce lists there.
"""

from __future__ import annotations

from crmlink.sandbox.salesforce.models.describes import Catalog, ObjectMeta

# Keys of a describeGlobal entry, taken from an object's full describe.
SUMMARY_KEYS = [
    "activateable",
    "associateEntityType",
    "associateParentEntity",
    "createable",
    "custom",
    "customSetting",
    "deepCloneable",
    "deletable",
    "deprecatedAndHidden",
    "feedEnabled",
    "hasSubtypes",
    "isInterface",
    "isSubtype",
    "keyPrefix",
    "label",
    "labelPlural",
    "layoutable",
    "mergeable",
    "mruEnabled",
    "name",
    "queryable",
    "replicateable",
    "retrieveable",
    "searchable",
    "triggerable",
    "undeletable",
    "updateable",
    "urls",
]


def global_describe(catalog: Catalog) -> dict:
    """The describeGlobal answer: the loaded `_global.json`, else one entry per object."""
    loaded = catalog.global_describe
    if loaded is not None:
        extra = [object_summary(catalog, o) for o in catalog.unlisted()]
        return {**loaded, "sobjects": [*loaded.get("sobjects", []), *extra]} if extra else loaded
    sobjects = [object_summary(catalog, o) for o in catalog.objects()]
    return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects}


def object_summary(catalog: Catalog, obj: ObjectMeta) -> dict:
    """One object's describeGlobal entry."""
    for entry in (catalog.global_describe or {}).get("sobjects", []):
        if entry.get("name") == obj.name:
            return entry
    return {key: obj.raw.get(key) for key in SUMMARY_KEYS}
