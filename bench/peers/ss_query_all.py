"""simple-salesforce `query_all_iter` (REST pages of 2,000), `executemany` into the target."""

import json
from pathlib import Path

from loader import Loader, args, done
from salesforce import connect


def main() -> None:
    a = args()
    sf = connect(json.loads(Path(a["info"]).read_text()))
    fields = a["fields"]
    soql = f"SELECT {', '.join(fields)} FROM Contact"
    loader = Loader(a["target"], a["table"], fields)
    records = sf.query_all_iter(soql)
    loader.load([None if r[f] is None else str(r[f]) for f in fields] for r in records)
    loader.close()
    done(rows=loader.rows)


main()
