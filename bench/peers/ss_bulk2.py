"""simple-salesforce `bulk2` query, each CSV page parsed with `csv`, `executemany` into the
target: the Bulk 2.0 path a user of simple-salesforce writes."""

import csv
import io
import json
from pathlib import Path

from loader import Loader, args, done
from salesforce import connect


def main() -> None:
    a = args()
    sf = connect(json.loads(Path(a["info"]).read_text()))
    soql = f"SELECT {', '.join(a['fields'])} FROM Contact"
    loader = Loader(a["target"], a["table"], a["fields"])
    for page in sf.bulk2.Contact.query(soql, max_records=50_000):
        reader = csv.reader(io.StringIO(page))
        next(reader)  # the header
        loader.load(reader)
    loader.close()
    done(rows=loader.rows)


main()
