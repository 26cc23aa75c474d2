"""The Dataverse environment's state and domain rules, no HTTP (moto's `models.py`).

Metadata (`metadata`: entities, attributes, option sets), the org's SQLite tables and
writes (`data`), OData query options and `$filter` (`odata`), Azure AD identities and
tokens (`auth`), service-protection limits (`limits`) and pending late commits
(`late_commits`). Routes call these and render their `DataverseError`s (`errors.py`).
"""
