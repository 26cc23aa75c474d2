"""CRM search (`POST /crm/v3/objects/{objectType}/search`): the request checked
(`request.py`), compiled to SQL with every value bound (`compile.py`) and run over the
`records` table (`run.py`). The secondly limit is `models/limits.py`'s (`search()`)."""
