"""msal, unchanged, acquiring tokens from the sandbox's Azure AD endpoints."""

from __future__ import annotations

from pathlib import Path

import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes


class _Loopback(requests.Session):
    """msal's user-realm lookup drops the authority's port; send it to the sandbox."""

    def __init__(self, base: str, ca: str) -> None:
        super().__init__()
        self.base, self.verify = base, ca

    def request(self, method, url, *args, **kwargs):
        if url.startswith("https://127.0.0.1/"):
            url = self.base + url[len("https://127.0.0.1") :]
        kwargs["verify"] = self.verify
        return super().request(method, url, *args, **kwargs)


def _app(sandbox, credential, public=False):
    info = sandbox.info()
    http = _Loopback(info["url"], info["ca_bundle"])
    kwargs = {"authority": info["authority"], "instance_discovery": False, "http_client": http}
    if public:
        return msal.PublicClientApplication(info["client_id"], **kwargs)
    return msal.ConfidentialClientApplication(
        info["client_id"], client_credential=credential, **kwargs
    )


def test_msal_client_secret(dv_sandbox):
    info = dv_sandbox.info()
    result = _app(dv_sandbox, info["client_secret"]).acquire_token_for_client(
        [f"{info['url']}/.default"]
    )
    assert result.get("token_type") == "Bearer", result


def test_msal_certificate(dv_sandbox):
    info = dv_sandbox.info()
    with open(info["certificate"], "rb") as fh:
        cert = x509.load_pem_x509_certificate(fh.read())
    credential = {
        "private_key": Path(info["private_key"]).read_text(),
        "thumbprint": cert.fingerprint(hashes.SHA1()).hex(),  # noqa: S303
    }
    result = _app(dv_sandbox, credential).acquire_token_for_client([f"{info['url']}/.default"])
    assert result.get("token_type") == "Bearer", result


def test_msal_certificate_rejected_with_other_key(dv_sandbox, tmp_path):
    from crmlink.sandbox.core.tls import ensure_client_keypair

    other = ensure_client_keypair(tmp_path, "someone else")
    info = dv_sandbox.info()
    cert = x509.load_pem_x509_certificate(other.certificate.read_bytes())
    credential = {
        "private_key": other.private_key.read_text(),
        "thumbprint": cert.fingerprint(hashes.SHA1()).hex(),
    }  # noqa: S303
    result = _app(dv_sandbox, credential).acquire_token_for_client([f"{info['url']}/.default"])
    assert result["error"] == "invalid_client" and 700027 in result["error_codes"]


def test_msal_password(dv_sandbox):
    info = dv_sandbox.info()
    app = _app(dv_sandbox, None, public=True)
    result = app.acquire_token_by_username_password(
        info["username"], info["password"], scopes=[f"{info['url']}/user_impersonation"]
    )
    assert result.get("token_type") == "Bearer", result


def test_msal_wrong_password(dv_sandbox):
    info = dv_sandbox.info()
    app = _app(dv_sandbox, None, public=True)
    result = app.acquire_token_by_username_password(
        info["username"], "nope", scopes=[f"{info['url']}/user_impersonation"]
    )
    assert result["error"] == "invalid_grant" and 50126 in result["error_codes"]
