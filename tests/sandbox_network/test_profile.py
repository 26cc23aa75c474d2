"""The profile as text: parsed and validated in the fault spec, set from --profile and at
run time through /__sandbox__/faults, shown by GET."""

from __future__ import annotations

from typing import get_args

import httpx
import pytest
import typer
from typer.testing import CliRunner

from crmlink.cli import sandbox as cli_sandbox
from crmlink.sandbox.core.faults import FaultSpec, FaultSpecError
from crmlink.sandbox.core.network import PROFILES, limit_in_force
from crmlink.sandbox.core.spec import ConcurrencyLimit, SandboxSpec
from crmlink.sandbox.salesforce.spec import CONCURRENCY as SF_LIMIT
from tests.sandbox_network.helpers import set_faults, verify


def test_the_spec_accepts_exactly_the_profiles_defined():
    assert set(get_args(FaultSpec.model_fields["profile"].annotation)) == set(PROFILES)


def test_loopback_adds_nothing():
    spec = FaultSpec.parse("")
    assert (spec.profile, spec.rtt_ms, spec.bandwidth_kbps, spec.bulk_s_per_10k) == (
        "loopback",
        0,
        0,
        0.0,
    )
    assert limit_in_force(spec, SF_LIMIT) is None


def test_wan_sets_its_figures_and_each_is_overridable():
    wan = FaultSpec.parse("profile=wan")
    figures = PROFILES["wan"]
    assert (wan.rtt_ms, wan.bandwidth_kbps, wan.bulk_s_per_10k) == (
        figures.rtt_ms,
        figures.bandwidth_kbps,
        figures.bulk_s_per_10k,
    )
    tuned = FaultSpec.parse("profile=wan,rtt_ms=5,bandwidth_kbps=0,bulk_s_per_10k=0.5")
    assert (tuned.rtt_ms, tuned.bandwidth_kbps, tuned.bulk_s_per_10k) == (5, 0, 0.5)


def test_wan_puts_the_crms_limit_in_force_and_concurrency_overrides_it():
    assert limit_in_force(FaultSpec.parse("profile=wan"), SF_LIMIT) == SF_LIMIT
    four = limit_in_force(FaultSpec.parse("profile=wan,concurrency=4,long_running_s=0"), SF_LIMIT)
    assert four == ConcurrencyLimit(4, 0.0, "org", SF_LIMIT.source)
    assert limit_in_force(FaultSpec.parse("profile=wan,concurrency=0"), SF_LIMIT) is None
    # an explicit limit holds under loopback too
    assert limit_in_force(FaultSpec.parse("concurrency=3"), SF_LIMIT).requests == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("profile=moon", "fault 'profile': Input should be 'loopback' or 'wan'"),
        ("rtt_ms=-1", "fault 'rtt_ms': Input should be greater than or equal to 0"),
        (
            "bandwidth_kbps=fast",
            "fault 'bandwidth_kbps': Input should be a valid integer, "
            "unable to parse string as an integer",
        ),
        ("concurrency=-2", "fault 'concurrency': Input should be greater than or equal to 0"),
        (
            "bulk_s_per_10k=x",
            "fault 'bulk_s_per_10k': Input should be a valid number, "
            "unable to parse string as a number",
        ),
        ("rtt_ms", "fault 'rtt_ms' needs a value, as in latency=50"),
    ],
)
def test_a_bad_figure_is_one_sentence(text, message):
    with pytest.raises(FaultSpecError) as caught:
        FaultSpec.parse(text)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_profile_set_and_shown_through_the_control_api(sf_fresh):
    shown = set_faults(sf_fresh, "profile=wan,rtt_ms=0,concurrency=4")
    assert shown["profile"] == "wan"
    assert (shown["rtt_ms"], shown["bandwidth_kbps"], shown["concurrency"]) == (0, 16_000, 4)
    again = httpx.get(f"{sf_fresh.url}/__sandbox__/faults", verify=verify(sf_fresh)).json()
    assert again == shown
    bad = httpx.put(
        f"{sf_fresh.url}/__sandbox__/faults", content="profile=moon", verify=verify(sf_fresh)
    )
    assert bad.status_code == 400
    assert bad.json() == {"error": "fault 'profile': Input should be 'loopback' or 'wan'"}
    assert set_faults(sf_fresh, "")["profile"] == "loopback"


def _cli_with_fake_sandbox(monkeypatch) -> tuple[typer.Typer, dict]:
    """A typer app with the command the CLI builds for a spec whose factory records its
    arguments (and `_serve` building the sandbox at once, serving nothing)."""
    made: dict = {}
    spec = SandboxSpec(name="fake", help="A fake.", factory=lambda **v: made.update(v))
    monkeypatch.setattr(cli_sandbox, "_serve", lambda make, records: make())
    app = typer.Typer()
    app.command("fake")(cli_sandbox._command(spec))
    app.command("other")(lambda: None)  # two commands: `fake` stays a subcommand
    return app, made


@pytest.mark.parametrize(
    ("args", "faults", "rtt_ms"),
    [
        ([], None, 0),
        (["--profile", "wan"], "profile=wan", PROFILES["wan"].rtt_ms),
        (["--profile", "wan", "--faults", "rtt_ms=5"], "profile=wan,rtt_ms=5", 5),
        (["--profile", "loopback", "--faults", "latency=5"], "latency=5", 0),
    ],
)
def test_cli_profile_reaches_the_sandbox_in_its_faults(monkeypatch, args, faults, rtt_ms):
    app, made = _cli_with_fake_sandbox(monkeypatch)
    result = CliRunner().invoke(app, ["fake", *args])
    assert result.exit_code == 0, result.output
    assert made["faults"] == faults
    assert FaultSpec.parse(faults).rtt_ms == rtt_ms


def test_cli_refuses_an_unknown_profile(monkeypatch):
    app, made = _cli_with_fake_sandbox(monkeypatch)
    result = CliRunner().invoke(app, ["fake", "--profile", "moon"])
    assert result.exit_code == 2
    assert "moon" in result.output
    assert made == {}


def test_sandbox_help_names_the_crms_limit():
    from crmlink.cli import app

    result = CliRunner().invoke(app, ["sandbox", "dynamics", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--profile" in result.output
    assert "52 concurrent requests per user" in result.output
