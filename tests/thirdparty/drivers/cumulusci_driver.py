"""Drives CumulusCI in its own venv: argv[1] is JSON {"org": {...org config...},
"connected_app": {...}, "operation", ...}; prints one JSON document. The org is connected
as `cci org import`/`connect` would leave it: instance URL, tokens, connected app."""

import copy
import csv
import json
import os
import sys

from cumulusci.core.config import (
    BaseProjectConfig,
    OrgConfig,
    ServiceConfig,
    TaskConfig,
    UniversalConfig,
)
from cumulusci.core.keychain import BaseProjectKeychain


def project(args):
    """A project whose keychain holds the connected app, as `cci service connect` leaves it."""
    universal = UniversalConfig()
    repo = {"root": os.getcwd(), "name": "rehearsal", "owner": "crmlink", "branch": "main"}
    config = copy.deepcopy(universal.config)
    config["project"]["package"]["api_version"] = "59.0"
    found = BaseProjectConfig(universal, config=config, repo_info=repo | {"commit": "0" * 40})
    keychain = BaseProjectKeychain(found, None)
    keychain.set_service("connected_app", "sandbox_app", ServiceConfig(args["connected_app"]))
    found.set_keychain(keychain)
    return found


def connect(args):
    """The org as `cci org connect` stores it, refreshed as every task refreshes it."""
    config = project(args)
    org = OrgConfig({**args["org"], "connected_app": "sandbox_app"}, "sandbox", config.keychain)
    org.refresh_oauth_token(config.keychain)
    return config, org


def info(org, args):
    org = org[1]
    return {
        "username": org.username,
        "org_id": org.org_id,
        "user_id": org.user_id,
        "org_type": org.org_type,
        "api_version": org.latest_api_version,
    }


def query(org, args):
    return {"records": org[1].salesforce_client.query_all(args["soql"])["records"]}


def run_task(task_class, org, options):
    config, org = org
    task = task_class(config, TaskConfig({"options": options}), org)
    task()
    return task


def soql_task(org, args):
    from cumulusci.tasks.salesforce.SOQLQuery import SOQLQuery

    options = {"object": args["object"], "query": args["soql"], "result_file": "result.csv"}
    run_task(SOQLQuery, org, options)
    with open("result.csv", newline="") as result:
        return {"rows": list(csv.DictReader(result))}


def extract(org, args):
    from cumulusci.tasks.bulkdata import ExtractData

    options = {"mapping": args["mapping"], "database_url": args["database_url"]}
    run_task(ExtractData, org, options)
    return {"done": True}


def load(org, args):
    from cumulusci.tasks.bulkdata import LoadData

    options = {"mapping": args["mapping"], "database_url": args["database_url"]}
    task = run_task(LoadData, org, options)
    return {"return_values": task.return_values}


OPERATIONS = {"info": info, "query": query, "soql_task": soql_task, "extract": extract}
OPERATIONS["load"] = load


def main():
    args = json.loads(sys.argv[1])
    org = connect(args)
    print(json.dumps(OPERATIONS[args["operation"]](org, args), default=str))


main()
