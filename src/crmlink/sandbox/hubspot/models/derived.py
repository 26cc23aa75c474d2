"""Calculated properties HubSpot keeps itself: they follow the values they derive from."""

from __future__ import annotations

import datetime as dt

CLOSED_STAGES = {"closedwon": "true", "closedlost": "true"}
DERIVED = ("hs_email_domain", "hs_is_closed", "days_to_close")


def derived_values(object_type: str, props: dict[str, str], created_ms: int) -> dict[str, str]:
    """The calculated values of a record with these stored `props` (whose old calculated
    values are dropped)."""
    for name in DERIVED:  # recomputed from scratch: a cleared source clears them
        props.pop(name, None)
    out: dict[str, str] = {}
    if object_type == "contacts" and props.get("email"):
        out["hs_email_domain"] = props["email"].rsplit("@", 1)[-1]
    if object_type == "deals":
        out["hs_is_closed"] = CLOSED_STAGES.get(props.get("dealstage", ""), "false")
        close = props.get("closedate")
        if close:
            closed = dt.datetime.fromisoformat(close.replace("Z", "+00:00"))
            created = dt.datetime.fromtimestamp(created_ms / 1000, dt.UTC)
            out["days_to_close"] = str(max(0, (closed - created).days))
    return out
