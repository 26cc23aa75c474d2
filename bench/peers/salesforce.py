"""simple-salesforce against the sandbox, the way its README connects to an org: a token,
then `Salesforce(instance_url=…, session_id=…, session=…)` verifying with the sandbox's CA."""

from __future__ import annotations

from typing import Any

import requests
from simple_salesforce import Salesforce


def connect(info: dict[str, Any]) -> Salesforce:
    session = requests.Session()
    session.trust_env = False
    session.verify = info["ca_bundle"]
    form = {
        "grant_type": "password",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
        "username": info["username"],
        "password": info["password"] + info["security_token"],
    }
    answer = session.post(f"{info['url']}/services/oauth2/token", data=form, timeout=60)
    answer.raise_for_status()
    token = answer.json()["access_token"]
    return Salesforce(instance_url=info["url"], session_id=token, session=session, version="62.0")
