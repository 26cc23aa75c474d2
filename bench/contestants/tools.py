"""Airbyte's and Singer's Salesforce connectors, unpatched, each in its own cached venv
(`tests/thirdparty/venvs.py`), reaching the sandbox's login through the login proxy
(`tests/thirdparty/login_proxy.py`) as the third-party tests do. Their discovered catalogs
are made once per bench run (untimed) and narrowed to the same 23 fields."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from bench import databases
from bench.contestants.jobs import Job, peer
from bench.context import SF_FIELDS, Context

TABLE = "contact"


def _env(ctx: Context, venv: Any, home: Path) -> dict[str, str]:
    from tests.thirdparty.conftest import tool_env

    proxy = ctx.login_proxy
    return tool_env(venv, home, proxy.bundle, HTTPS_PROXY=proxy.url)


def _config(ctx: Context, folder: Path, extra: dict[str, Any]) -> Path:
    info = ctx.sf.info
    config = {"client_id": info["client_id"], "client_secret": info["client_secret"],
              "refresh_token": info["refresh_token"], "start_date": "2000-01-01T00:00:00Z",
              **extra}  # fmt: skip
    path = folder / "config.json"
    path.write_text(json.dumps(config))
    return path


def _discover(command: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} discover failed: {done.stderr.strip()[-400:]}")
    return done.stdout


def _airbyte_setup(ctx: Context) -> tuple[list[str], dict[str, str], Path]:
    folder = ctx.work / "airbyte"
    venv = ctx.venv("airbyte")
    binary = str(venv.bin("source-salesforce"))
    env = _env(ctx, venv, folder / "home")
    config = _config(ctx, folder, {
        "auth_type": "Client", "stream_slice_step": "P10000D", "lookback_window": "PT1S",
        "force_use_bulk_api": True,
        "streams_criteria": [{"criteria": "exacts", "value": "Contact"}],
    })  # fmt: skip
    out = _discover([binary, "discover", "--config", str(config)], env, folder)
    catalog = next(json.loads(line) for line in out.splitlines() if '"CATALOG"' in line)
    stream = next(s for s in catalog["catalog"]["streams"] if s["name"] == "Contact")
    properties = stream["json_schema"]["properties"]
    stream["json_schema"]["properties"] = {f: properties[f] for f in SF_FIELDS}
    entry = {"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "append"}
    configured = folder / "catalog.json"
    configured.write_text(json.dumps({"streams": [entry]}))
    command = [binary, "read", "--config", str(config), "--catalog", str(configured)]
    return command, env, folder


def _singer_setup(ctx: Context) -> tuple[list[str], dict[str, str], Path]:
    folder = ctx.work / "singer"
    venv = ctx.venv("tap_salesforce")
    binary = str(venv.bin("tap-salesforce"))
    env = _env(ctx, venv, folder / "home")
    config = _config(ctx, folder, {"api_type": "BULK", "select_fields_by_default": False})
    catalog = json.loads(_discover([binary, "--config", str(config), "--discover"], env, folder))
    entry = next(s for s in catalog["streams"] if s["stream"] == "Contact")
    for item in entry["metadata"]:
        crumb = item["breadcrumb"]
        if crumb == [] or (len(crumb) == 2 and crumb[1] in SF_FIELDS):
            item["metadata"]["selected"] = True
    properties = folder / "properties.json"
    properties.write_text(json.dumps({"streams": [entry]}))
    return [binary, "--config", str(config), "--properties", str(properties)], env, folder


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _tool_job(ctx: Context, folder: Path, target: databases.Target, tool: str) -> Job:
    cache = f"_{tool}_setup"
    if cache not in ctx.__dict__:
        _folder(ctx.work / ("airbyte" if tool == "airbyte" else "singer"))
        setup = _airbyte_setup if tool == "airbyte" else _singer_setup
        ctx.__dict__[cache] = setup(ctx)
    command, env, cwd = ctx.__dict__[cache]
    arguments = {"target": target.url, "table": TABLE, "fields": SF_FIELDS, "command": command,
                 "env": env, "cwd": str(cwd), "protocol": tool}  # fmt: skip
    return Job(peer("tool_load.py", folder, arguments), folder, ctx.sf_count,
               lambda _: databases.count_rows(target, TABLE))  # fmt: skip


def airbyte_job(ctx: Context, folder: Path, target: databases.Target) -> Job:
    return _tool_job(ctx, folder, target, "airbyte")


def singer_job(ctx: Context, folder: Path, target: databases.Target) -> Job:
    return _tool_job(ctx, folder, target, "singer")
