"""Drives PowerPlatform-Dataverse-Client in its own venv with azure-identity's
ClientSecretCredential against the sandbox's Azure AD: argv[1] is JSON {"url", "authority",
"tenant_id", "client_id", "client_secret", "operation", ...}; prints one JSON document.
requests (the client) and msal (the credential) read the CA file from the environment."""

import json
import sys

from azure.identity import ClientSecretCredential
from PowerPlatform.Dataverse.client import DataverseClient


def plain(record):
    """A Record as a dict (None stays None)."""
    return None if record is None else dict(record)


def credential(args):
    return ClientSecretCredential(
        args["tenant_id"],
        args["client_id"],
        args["client_secret"],
        authority=args["url"],  # the sandbox serves Azure AD's paths under its own host
        disable_instance_discovery=True,  # else msal asks login.microsoftonline.com
    )


def auth(client, cred, args):
    token = cred.get_token(f"{args['url']}/.default")
    first = client.records.list("contact", select=["contactid"], top=1)
    return {"token": token.token, "expires_on": token.expires_on, "rows": len(first)}


def create(client, cred, args):
    record_id = client.records.create("contact", args["record"])
    return {"id": record_id, "record": plain(client.records.retrieve("contact", record_id))}


def query(client, cred, args):
    found = client.records.list("contact", select=args["select"], filter=args["filter"])
    return {"records": [dict(r) for r in found]}


def update(client, cred, args):
    client.records.update("contact", args["id"], args["changes"])
    return {"record": plain(client.records.retrieve("contact", args["id"]))}


def delete(client, cred, args):
    client.records.delete("contact", args["id"])
    return {"record": plain(client.records.retrieve("contact", args["id"]))}


def metadata(client, cred, args):
    info = client.tables.get(args["table"])
    return {"table": dict(info) if info else None, "missing": client.tables.get("nosuchtable")}


def sql(client, cred, args):
    return {"records": [dict(r) for r in client.query.sql(args["sql"])]}


def batch(client, cred, args):
    request = client.batch.new()
    for record in args["records"]:
        request.records.create("contact", record)
    result = request.execute()
    return {
        "ids": [r.entity_id for r in result.responses],
        "codes": [r.status_code for r in result.responses],
    }


def upsert(client, cred, args):
    items = [{"alternate_key": {"emailaddress1": args["email"]}, "record": args["record"]}]
    client.records.upsert("contact", items)
    return {}


def create_table(client, cred, args):
    info = client.tables.create(args["table"], args["columns"])
    return {
        "table": dict(info) if info else None,
        "read_back": dict(client.tables.get(args["table"]) or {}),
    }


OPERATIONS = {
    f.__name__: f
    for f in (auth, create, query, update, delete, metadata, sql, batch, upsert, create_table)
}


def main():
    args = json.loads(sys.argv[1])
    cred = credential(args)
    with DataverseClient(args["url"], cred) as client:
        print(json.dumps(OPERATIONS[args["operation"]](client, cred, args), default=str))


main()
