"""Drives dataverse-api in its own venv, authenticated as its README shows (msal's
ConfidentialClientApplication and msal-requests-auth on a requests.Session): argv[1] is JSON
{"url", "authority", "client_id", "client_secret", "operation", ...}; prints one JSON document."""

import json
import sys

from dataverse_api import DataverseClient
from msal import ConfidentialClientApplication
from msal_requests_auth.auth import ClientCredentialAuth
from requests import Session


def client(args):
    app = ConfidentialClientApplication(
        client_id=args["client_id"],
        client_credential=args["client_secret"],
        authority=args["authority"],
        instance_discovery=False,  # else msal asks login.microsoftonline.com about the host
    )
    session = Session()
    session.auth = ClientCredentialAuth(client=app, scopes=[args["url"] + "/.default"])
    return DataverseClient(session=session, environment_url=args["url"])


def entity(dv, args):
    contact = dv.entity("contact")
    return {
        "entity_set_name": contact.entity_set_name,
        "primary_id": contact.primary_id_attr,
        "alternate_keys": contact.alternate_keys,
    }


def create(dv, args):
    responses = dv.entity("contact").create(args["records"], mode=args.get("mode", "individual"))
    return {"statuses": [r.status_code for r in responses]}


def read(dv, args):
    rows = dv.entity("contact").read(select=args["select"], filter=args["filter"])
    return {"rows": rows}


def upsert(dv, args):
    contact = dv.entity("contact")
    responses = contact.upsert(args["records"], altkey_name=args.get("altkey"))
    return {"statuses": [r.status_code for r in responses]}


def delete(dv, args):
    responses = dv.entity("contact").delete(ids=args["ids"])
    return {"statuses": [r.status_code for r in responses]}


def definition(dv, args):
    meta = dv.get_entity_definition("contact")
    return {"definition": meta.model_dump(mode="json", by_alias=True, exclude_none=True)}


OPERATIONS = {f.__name__: f for f in (entity, create, read, upsert, delete, definition)}


def main():
    args = json.loads(sys.argv[1])
    dv = client(args)
    print(json.dumps(OPERATIONS[args["operation"]](dv, args), default=str))


main()
