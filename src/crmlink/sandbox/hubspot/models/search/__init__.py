"""CRM search (`POST /crm/v3/objects/{objectType}/search`): the request checked
(`request.py`), compiled to SQL with every value bound (`compile.py`), run over the
`records` table (`run.py`), and the per-portal secondly limit (`limiter.py`)."""
