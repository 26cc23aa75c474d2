"""Recipients read from the campaign database (SQLite) and written to Contact with
simple-salesforce: `bulk2` insert (`--mode bulk2`) or an sObject Collections loop of 200
(`--mode composite`)."""

import json
import sqlite3
from pathlib import Path

from loader import args, done
from salesforce import connect

COLUMNS = {"email": "Email", "first_name": "FirstName", "last_name": "LastName",
           "phone": "Phone", "company": "Department", "city": "MailingCity"}  # fmt: skip


def recipients(path: str) -> list[dict]:
    with sqlite3.connect(path) as conn:
        names = ", ".join(COLUMNS)
        rows = conn.execute(f"SELECT {names} FROM recipient ORDER BY id").fetchall()
    return [{COLUMNS[c]: v for c, v in zip(COLUMNS, row, strict=True) if v} for row in rows]


def composite(sf, records: list[dict]) -> int:
    created = 0
    for start in range(0, len(records), 200):
        batch = [{"attributes": {"type": "Contact"}, **r} for r in records[start : start + 200]]
        answer = sf.restful(
            "composite/sobjects", method="POST", json={"allOrNone": False, "records": batch}
        )
        created += sum(1 for result in answer if result["success"])
    return created


def bulk2(sf, records: list[dict]) -> int:
    results = sf.bulk2.Contact.insert(records=records, wait=1)
    return sum(int(r["numberRecordsProcessed"]) - int(r["numberRecordsFailed"]) for r in results)


def main() -> None:
    a = args()
    sf = connect(json.loads(Path(a["info"]).read_text()))
    records = recipients(a["database"])
    sent = bulk2(sf, records) if a["mode"] == "bulk2" else composite(sf, records)
    done(rows=sent)


main()
