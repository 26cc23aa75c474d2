"""Recipients (SQLite) written to Dataverse contacts: PowerPlatform-Dataverse-Client's
`records.create` with a list (CreateMultiple, 1,000 a call; `--mode client`) or a plain
`requests` loop, one POST per record (`--mode requests`)."""

import json
import sqlite3
from pathlib import Path

from dataverse import credential, session
from loader import args, done

COLUMNS = {
    "email": "emailaddress1",
    "first_name": "firstname",
    "last_name": "lastname",
    "phone": "telephone1",
    "city": "address1_city",
}


def recipients(path: str) -> list:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM recipient ORDER BY id").fetchall()
    return [{COLUMNS[c]: v for c, v in zip(COLUMNS, row, strict=True) if v} for row in rows]


def by_client(info: dict, records: list) -> int:
    from PowerPlatform.Dataverse.client import DataverseClient

    created = 0
    with DataverseClient(info["url"], credential(info)) as client:
        for start in range(0, len(records), 1000):
            created += len(client.records.create("contact", records[start : start + 1000]))
    return created


def by_requests(info: dict, records: list) -> int:
    created = 0
    with session(info) as s:
        url = f"{info['url']}/api/data/v9.2/contacts"
        for record in records:
            created += s.post(url, json=record, timeout=60).status_code == 204
    return created


def main() -> None:
    a = args()
    info = json.loads(Path(a["info"]).read_text())
    records = recipients(a["database"])
    created = by_client(info, records) if a["mode"] == "client" else by_requests(info, records)
    done(rows=created)


main()
