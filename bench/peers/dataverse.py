"""A `requests` session with a Dataverse token (client credentials), for the plain loops."""

import requests


def session(info: dict) -> requests.Session:
    s = requests.Session()
    s.verify = info["ca_bundle"]
    form = {
        "grant_type": "client_credentials",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
        "scope": f"{info['url']}/.default",
    }
    token = s.post(f"{info['authority']}/oauth2/v2.0/token", data=form, timeout=60)
    token.raise_for_status()
    s.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return s


def credential(info: dict):
    """azure-identity's client-secret credential against the sandbox's Azure AD."""
    from azure.identity import ClientSecretCredential

    return ClientSecretCredential(
        info["tenant_id"],
        info["client_id"],
        info["client_secret"],
        authority=info["url"],  # the sandbox serves Azure AD's paths under its own host
        disable_instance_discovery=True,  # else msal asks login.microsoftonline.com
    )
