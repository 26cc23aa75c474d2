"""A third-party tool's records piped into the target: the tool runs as a child process (so
its memory counts with the loader's), its stdout read line by line; `RECORD` messages
(Airbyte: `record.data`; Singer: `record`) become rows of the named fields."""

import json
import subprocess

from loader import Loader, args, done


def values(message: dict, protocol: str) -> dict | None:
    if message.get("type") != "RECORD":
        return None
    return message["record"]["data"] if protocol == "airbyte" else message["record"]


def records(process: subprocess.Popen, protocol: str, fields: list):
    for line in process.stdout:
        if not line.startswith(b"{"):
            continue
        data = values(json.loads(line), protocol)
        if data is not None:
            yield [None if data.get(f) is None else str(data[f]) for f in fields]


def main() -> None:
    a = args()
    loader = Loader(a["target"], a["table"], a["fields"])
    process = subprocess.Popen(
        a["command"], env=a["env"], cwd=a["cwd"], stdout=subprocess.PIPE, bufsize=1 << 20
    )
    loader.load(records(process, a["protocol"], a["fields"]))
    code = process.wait()
    process.stdout.close()
    loader.close()
    if code != 0:
        raise SystemExit(f"{a['command'][0]} exited {code}")
    done(rows=loader.rows)


main()
