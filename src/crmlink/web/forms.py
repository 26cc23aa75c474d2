"""Form fields to library values: an account's settings and secrets as the CLI gives them.

Secrets come in `secret_<name>` fields (password inputs); an empty field means "not given"
(kept on edit) except for a secret the CRM allows empty. No secret is ever echoed back:
`safe_values` drops them before a form is shown again.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from crmlink.catalog.accounts import EDITABLE, AccountInput, auth_rule
from crmlink.catalog.secrets import secret_fields
from crmlink.connectors.registry import spec_for

SECRET_PREFIX = "secret_"
TEXT_SETTINGS = tuple(key for key in EDITABLE if key != "sandbox")


async def form_values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def safe_values(values: dict[str, str]) -> dict[str, str]:
    """`values` without secrets and CSRF token: what may be shown again in a form."""
    return {k: v for k, v in values.items() if not k.startswith((SECRET_PREFIX, "csrf"))}


def account_input(values: dict[str, str]) -> AccountInput:
    def text(key: str) -> str | None:
        return values.get(key, "").strip() or None

    return AccountInput(
        name=values.get("name", "").strip(),
        type=values.get("type", "").strip(),
        url=values.get("url", "").strip(),
        auth=values.get("auth", "").strip(),
        username=text("username"),
        client_id=text("client_id"),
        api_version=text("api_version"),
        sandbox=values.get("sandbox") == "on",
        ca_bundle=text("ca_bundle"),
        private_key=text("private_key"),
        tenant_id=text("tenant_id"),
    )


def account_changes(values: dict[str, str]) -> dict[str, Any]:
    """The edit form's settings, as `AccountStore.edit` takes them."""
    changes: dict[str, Any] = {key: values.get(key, "").strip() or None for key in TEXT_SETTINGS}
    changes["sandbox"] = values.get("sandbox") == "on"
    return changes


def given_secrets(values: dict[str, str], crm_type: str, auth: str, new: bool) -> dict[str, str]:
    """The secrets typed in; on a new account, the needed ones the CRM allows empty too."""
    secrets = {
        name: values[SECRET_PREFIX + name]
        for name in secret_fields()
        if values.get(SECRET_PREFIX + name)
    }
    if new:
        rule = auth_rule(crm_type, auth)
        for name in rule.secrets():
            if name not in secrets and name in spec_for(crm_type).empty_secrets:
                secrets[name] = ""
    return secrets
