"""Azure AD answering 503 while msal discovers the tenant is a crmlink RetryableError,
retried by the connector like any busy answer (msal raises its own MsalServiceError,
which crossed the HTTP boundary as it was and was never retried)."""

from __future__ import annotations

import ssl
import time

import httpx
import pytest

from crmlink.errors import RetryableError
from crmlink.sandbox.dynamics.app import DynamicsSandbox
from tests.connectors.conftest import set_faults
from tests.connectors.test_dynamics_support import dv_connector


@pytest.fixture
def dataverse(tmp_path):
    sandbox = DynamicsSandbox(state_dir=tmp_path / "dv", records=5, seed=1)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def test_discovery_503_is_retryable_and_retried(dataverse):
    with dv_connector(dataverse) as connector:
        set_faults(dataverse, "503=1")
        with pytest.raises(RetryableError, match="Azure AD answered badly"):
            connector.identity()
        set_faults(dataverse, "503=0.5,seed=3")  # some discovery and token calls fail
        assert connector.identity().org_id


@pytest.mark.parametrize(("kind", "status"), [("503", 503), ("429", 429)])
def test_azure_ad_routes_answer_busy_in_the_oauth_shape(dataverse, kind, status):
    """A fault on the token endpoint is an OAuth 2.0 error (`error` a string, as msal
    reads it), never the Web API's `{"error": {"code", "message"}}`; the API keeps its own."""
    set_faults(dataverse, f"{kind}=1")
    tenant = dataverse.credentials()["tenant_id"]
    with httpx.Client(verify=ssl.create_default_context(cafile=dataverse.tls.ca_bundle)) as client:
        token = client.post(f"{dataverse.url}/{tenant}/oauth2/v2.0/token", data={})
        api = client.get(f"{dataverse.url}/api/data/v9.2/contacts")
    assert token.status_code == status and api.status_code == status
    assert token.json()["error"] == "temporarily_unavailable"
    assert token.json()["error_codes"] == [90033]
    assert isinstance(api.json()["error"], dict)
    if status == 429:
        assert token.headers["Retry-After"].isdigit()


def test_a_login_waits_out_msal_replaying_a_busy_answer(dataverse):
    """msal answers a login from its cache, without asking Azure AD, for a busy answer's
    Retry-After. Retries in that window all got the one cached error and spent the
    policy's attempts at once: a login now waits the window out."""
    with dv_connector(dataverse) as connector:
        connector.identity()  # tenant discovered, a token in hand
        set_faults(dataverse, "429=1,retry_after=2")
        asked = time.monotonic()  # the busy answer comes after this
        with pytest.raises(RetryableError, match="Azure AD refused"):
            connector.http.tokens.token(fresh=True)
        set_faults(dataverse, "")
        token = connector.http.tokens.token(fresh=True)  # asks Azure AD again
        # not before the window ends: msal's, in whole seconds, ends 1 to 2 s after the
        # answer, so over 1 s after the ask (timed from before it: a slow host's time
        # between the answer and this login does not count against the wait)
        assert token and time.monotonic() - asked > 1
        assert connector.identity().org_id
