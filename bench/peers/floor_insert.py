"""The insert floor: the same rows, already on disk as CSV, inserted with no download: one
`executemany` transaction on SQLite, `COPY` on PostgreSQL (the fastest plain way in)."""

import csv

from loader import Loader, _quote, args, done


def copy_into(loader: Loader, table: str, columns: list, reader) -> int:
    names = ", ".join(_quote(c) for c in columns)
    rows = 0
    with (
        loader.conn.cursor() as cursor,
        cursor.copy(f"COPY {_quote(table)} ({names}) FROM STDIN") as copy,
    ):
        for row in reader:
            copy.write_row([value or None for value in row])
            rows += 1
    return rows


def main() -> None:
    a = args()
    loader = Loader(a["target"], a["table"], a["fields"])
    with open(a["csv"], newline="") as file:
        reader = csv.reader(file)
        next(reader)
        if loader.postgres:
            loader.rows = copy_into(loader, a["table"], a["fields"], reader)
        else:
            loader.load(reader)
    loader.close()
    done(rows=loader.rows)


main()
