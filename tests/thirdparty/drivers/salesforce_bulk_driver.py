"""Drives salesforce-bulk (Bulk API 1.0) in its own venv: argv[1] is JSON
{"url", "session_id" (or "username", "password",
"security_token"), "operation", ...}; prints one JSON document."""

import json
import sys

from salesforce_bulk import CsvDictsAdapter, SalesforceBulk
from salesforce_bulk.util import IteratorBytesIO


def query(bulk, args):
    job = bulk.create_query_job(args["object"], contentType=args.get("content_type", "CSV"))
    batch = bulk.query(job, args["soql"])
    bulk.close_job(job)
    bulk.wait_for_batch(job, batch, timeout=120, sleep_interval=1)
    rows = []
    for result in bulk.get_all_results_for_query_batch(batch, job):
        if args.get("content_type") == "JSON":
            rows.extend(json.load(IteratorBytesIO(result)))
        else:
            import csv
            import io

            text = IteratorBytesIO(result).read().decode("utf-8")
            rows.extend(csv.DictReader(io.StringIO(text)))
    return {"job": job, "state": bulk.batch_state(batch, job), "rows": rows}


def write(bulk, args):
    create = getattr(bulk, f"create_{args['operation']}_job")
    keys = (args["external_id"],) if args["operation"] == "upsert" else ()
    job = create(args["object"], *keys, contentType="CSV")
    batch = bulk.post_batch(job, CsvDictsAdapter(iter(args["records"])))
    bulk.close_job(job)
    bulk.wait_for_batch(job, batch, timeout=120, sleep_interval=1)
    results = [r._asdict() for r in bulk.get_batch_results(batch, job)]
    return {"job": job, "state": bulk.batch_state(batch, job), "results": results}


def connect(args):
    """With a session id and the instance URL, or by the library's own SOAP login."""
    if "session_id" in args:
        return SalesforceBulk(sessionId=args["session_id"], host=args["url"], API_version="59.0")
    return SalesforceBulk(
        username=args["username"],
        password=args["password"],
        security_token=args["security_token"],
        API_version="59.0",
    )


def main():
    args = json.loads(sys.argv[1])
    bulk = connect(args)
    run = query if args["operation"] == "query" else write
    print(json.dumps(run(bulk, args)))


main()
