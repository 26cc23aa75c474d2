"""Dataverse contacts into SQLite with `executemany`: PowerPlatform-Dataverse-Client's paged
`records.get` (`--mode client`, run in its own venv) or a plain `requests` loop following
`@odata.nextLink` (`--mode requests`)."""

import json
from pathlib import Path

from dataverse import credential, session
from loader import Loader, args, done

PAGE = 5000


def client_pages(info: dict, fields: list):
    from PowerPlatform.Dataverse.client import DataverseClient

    with DataverseClient(info["url"], credential(info)) as client:
        for page in client.records.get("contact", select=fields, page_size=PAGE):
            yield [dict(record) for record in page]


def requests_pages(info: dict, fields: list):
    with session(info) as s:
        s.headers["Prefer"] = f"odata.maxpagesize={PAGE}"
        url = f"{info['url']}/api/data/v9.2/contacts?$select={','.join(fields)}"
        while url:
            body = s.get(url, timeout=300).json()
            yield body["value"]
            url = body.get("@odata.nextLink")


def main() -> None:
    a = args()
    info = json.loads(Path(a["info"]).read_text())
    fields = a["fields"]
    pages = client_pages(info, fields) if a["mode"] == "client" else requests_pages(info, fields)
    loader = Loader(a["target"], a["table"], fields)
    for page in pages:
        loader.load([None if r.get(f) is None else str(r[f]) for f in fields] for r in page)
    loader.close()
    done(rows=loader.rows)


main()
