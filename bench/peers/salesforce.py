"""simple-salesforce against the sandbox, the way its README connects to an org: a token,
then `Salesforce(instance_url=…, session_id=…, session=…)` verifying with the sandbox's CA."""

from __future__ import annotations

from typing import Any

import requests
from sf_login import password_form
from simple_salesforce import Salesforce


def connect(info: dict[str, Any]) -> Salesforce:
    session = requests.Session()
    session.trust_env = False
    session.verify = info["ca_bundle"]
    answer = session.post(
        f"{info['url']}/services/oauth2/token", data=password_form(info), timeout=60
    )
    answer.raise_for_status()
    token = answer.json()["access_token"]
    return Salesforce(instance_url=info["url"], session_id=token, session=session, version="62.0")
