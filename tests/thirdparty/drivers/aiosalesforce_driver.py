"""Drives aiosalesforce in its own venv: argv[1] is JSON {"base_url", "auth", "operation",
...}; prints one JSON document. httpx reads the proxy and the CA file from the environment."""

import asyncio
import json
import sys

import httpx
from aiosalesforce import ClientCredentialsFlow, Salesforce, SoapLogin


def auth(args):
    if args["auth"] == "soap":
        return SoapLogin(args["username"], args["password"], args["security_token"])
    return ClientCredentialsFlow(args["client_id"], args["client_secret"])


async def query(sf, args):
    return {"records": [r async for r in sf.query(args["soql"])]}


async def crud(sf, args):
    created = await sf.sobject.create("Contact", args["record"])
    before = await sf.sobject.get("Contact", created)
    await sf.sobject.update("Contact", created, args["change"])
    after = await sf.sobject.get("Contact", created)
    await sf.sobject.delete("Contact", created)
    return {"id": created, "before": before, "after": after}


async def upsert(sf, args):
    """Upsert by an external id field, twice: created, then updated."""
    first = await sf.sobject.upsert("Contact", args["key"], "External_Id__c", args["record"])
    second = await sf.sobject.upsert("Contact", args["key"], "External_Id__c", args["change"])
    return {"first": [first.id, first.created], "second": [second.id, second.created]}


async def composite(sf, args):
    # str(): a Reference is a str subclass that orjson and f-strings render without its
    # "@{...}" wrapping (aiosalesforce 0.6.2); only str() gives Salesforce's reference syntax
    async with sf.composite(all_or_none=True) as request:
        account = request.sobject.create("Account", {"Name": args["account"]})
        contact = request.sobject.create(
            "Contact", {"LastName": args["contact"], "AccountId": str(account.reference.id)}
        )
        fetched = request.sobject.get("Contact", str(contact.reference.id)) if args["get"] else None
    record = fetched.record if fetched else None
    return {"account": account.id, "contact": contact.id, "fetched": record}


async def batch(sf, args):
    async with sf.composite.batch(halt_on_error=True) as request:
        counted = request.query(args["soql"])
        created = request.sobject.create("Contact", {"LastName": args["contact"]})
    return {"records": counted.records, "created": created.id}


async def bulk_insert(sf, args):
    """Bulk API 2.0 ingest: job, CSV upload, close, poll, results."""
    result = await sf.bulk_v2.insert("Contact", args["records"])
    states = [job.state for job in result.jobs]
    return {
        "states": states,
        "successful": result.successful_results,
        "failed": result.failed_results,
    }


async def main():
    args = json.loads(sys.argv[1])
    async with httpx.AsyncClient(timeout=60) as client:
        sf = Salesforce(client, args["base_url"], auth(args), version="59.0")
        operations = {"query": query, "crud": crud, "composite": composite, "batch": batch}
        operations |= {"bulk_insert": bulk_insert, "upsert": upsert}
        print(json.dumps(await operations[args["operation"]](sf, args), default=str))


asyncio.run(main())
