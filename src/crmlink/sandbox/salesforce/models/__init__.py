"""The Salesforce org's state and domain rules, no HTTP (moto's `models.py`).

The org's records (`org`), metadata (`describes`), sessions (`auth`), SOQL (`soql`,
`queries`), change windows (`changes`), the API quota and Bulk jobs (`bulk`). Routes call
these and render their `SalesforceError`s (`errors.py`).
"""
