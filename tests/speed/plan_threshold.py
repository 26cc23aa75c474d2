"""Measure the read planner's thresholds (not a test): the seconds and API calls of one
read of N Contacts (14 fields) by each API — one REST chain, Id ranges at once, a Bulk
2.0 job — on the sandbox's loopback or WAN profile; prints one JSON line per read.

    .venv/bin/python -m tests.speed.plan_threshold --net loopback --sizes 10000,50000,200000
    .venv/bin/python -m tests.speed.plan_threshold --net wan --sizes 10000,50000,200000

The first N rows are chosen by Id (`Id < the N-th Id`, the sandbox's Ids are dense), from
an org of max(sizes) Contacts kept in /tmp/crmlink-speed-<max> between runs.

WAN figures behind `Thresholds.ranges_slow` (2026-12-01, 2-core machine shared with other
work, load 6-9; seconds / API calls; bulk-ranges with 25,000-row jobs, 50,000-row pages,
6 streams, before the first range became a quarter wide):

    rows      rest-ranges   bulk-ranges
    20,000    8.3 / 15      7.6 / 19
    50,000    8.8 / 30      12.5 / 27   (10,000-row jobs, 8 streams: 9.0 / 33)
    100,000   14.2 / 54     13.2 / 36   (10,000-row jobs, 8 streams: 11.5 / 53)
    200,000   27.9 / 105    17.1 / 54

Up to about 50,000 rows a job's processing (2 s per 10,000 records) costs what parallel
REST pages save; above it Bulk jobs over ranges win, by more as rows grow (CSV is a third
of REST's JSON), with fewer calls.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from crmlink.connectors.salesforce import SalesforceConnector
from crmlink.connectors.salesforce.planner import Thresholds
from crmlink.connectors.salesforce.ranges import id_text, number
from crmlink.filters import ast
from tests.speed.measure_import import FIELDS, account, start_sandbox

APIS = ("rest", "rest-ranges", "bulk", "bulk-ranges")


def lowest_id(info: dict) -> str:
    with SalesforceConnector(account(info), plan_limits=Thresholds(force="rest")) as opened:
        batches = opened.read("Contact", ["Id"], order=None)
        batch = next(iter(batches))
        getattr(batches, "close", lambda: None)()  # the rest is not read
        return min(row["Id"] for row in batch)


def read_once(info: dict, api: str, below: str, limits: Thresholds) -> dict:
    with SalesforceConnector(account(info), plan_limits=replace(limits, force=api)) as opened:
        opened.describe("Contact")
        where = ast.Comparison("Id", ast.Op.LT, ast.String(below))
        started, rows = time.perf_counter(), 0
        for batch in opened.read("Contact", FIELDS, where=where):
            rows += len(batch)
        took = time.perf_counter() - started
        plan = opened.last_read_plan
        assert plan is not None
        figures = {"api": api, "rows": rows, "seconds": round(took, 2), "calls": plan.calls}
        return figures | {"ranges": plan.ranges}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--net", default="loopback", choices=["loopback", "wan"])
    parser.add_argument("--sizes", default="10000,50000,200000")
    parser.add_argument("--apis", default=",".join(APIS))
    parser.add_argument("--skip-rest-above", type=int, default=100_000)
    parser.add_argument("--rows-per-job", type=int, default=Thresholds.rows_per_job)
    parser.add_argument("--streams", type=int, default=Thresholds.streams)
    args = parser.parse_args()
    limits = Thresholds(rows_per_job=args.rows_per_job, streams=args.streams)
    sizes = [int(s) for s in args.sizes.split(",")]
    state = Path(f"/tmp/crmlink-speed-{max(sizes)}")
    proc, info = start_sandbox(max(sizes), state, args.net)
    try:
        first = number(lowest_id(info))
        for size in sizes:
            for api in args.apis.split(","):
                if api == "rest" and size > args.skip_rest_above:
                    continue
                figures = read_once(info, api, id_text(first + size), limits)
                print(json.dumps({"net": args.net, "size": size, **figures}), flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
