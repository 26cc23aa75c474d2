"""Recipients (SQLite) written to Dataverse contacts: PowerPlatform-Dataverse-Client's
`records.create` with a list (CreateMultiple, 1,000 a call; `--mode client`) or a plain
`requests` loop, one POST per record (`--mode requests`)."""

import json
import sqlite3
from pathlib import Path

from loader import args, done

COLUMNS = {"email": "emailaddress1", "first_name": "firstname", "last_name": "lastname",
           "phone": "telephone1", "city": "address1_city"}  # fmt: skip


def recipients(path: str) -> list:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM recipient ORDER BY id").fetchall()
    return [{COLUMNS[c]: v for c, v in zip(COLUMNS, row, strict=True) if v} for row in rows]


def by_client(info: dict, records: list) -> int:
    from azure.identity import ClientSecretCredential
    from PowerPlatform.Dataverse.client import DataverseClient

    credential = ClientSecretCredential(
        info["tenant_id"], info["client_id"], info["client_secret"],
        authority=info["url"], disable_instance_discovery=True,
    )  # fmt: skip
    created = 0
    with DataverseClient(info["url"], credential) as client:
        for start in range(0, len(records), 1000):
            created += len(client.records.create("contact", records[start : start + 1000]))
    return created


def by_requests(info: dict, records: list) -> int:
    import requests

    created = 0
    with requests.Session() as session:
        session.verify = info["ca_bundle"]
        form = {"grant_type": "client_credentials", "client_id": info["client_id"],
                "client_secret": info["client_secret"], "scope": f"{info['url']}/.default"}  # fmt: skip
        token = session.post(f"{info['authority']}/oauth2/v2.0/token", data=form, timeout=60)
        session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        url = f"{info['url']}/api/data/v9.2/contacts"
        for record in records:
            created += session.post(url, json=record, timeout=60).status_code == 204
    return created


def main() -> None:
    a = args()
    info = json.loads(Path(a["info"]).read_text())
    records = recipients(a["database"])
    created = by_client(info, records) if a["mode"] == "client" else by_requests(info, records)
    done(rows=created)


main()
