"""Faults on demand: latency, 503s, 429s, quota exhaustion, short-lived tokens, dropped
connections, failed bulk jobs and late commits.

A spec is written `latency=50,503=0.1,429=0.05,limit=0.01,drop=0.02,token_lifetime=60,
bulk_fail=1,late_commit=5,retry_after=2,seed=7` (shares are 0..1, times in ms for
latency and in seconds otherwise). It is set from `--faults` and changed at run time
through `PUT /__sandbox__/faults`. The HTTP-level faults are applied by `FaultMiddleware`;
the others are read by the sandbox's own models (auth, bulk jobs, writes).

The same spec carries the network profile (`core.network`): `profile=wan` and its figures,
each overridable (`rtt_ms=…,bandwidth_kbps=…,bulk_s_per_10k=…,concurrency=…,
long_running_s=…`). A figure left out takes the profile's value, so `GET` shows those in
force; `concurrency` and `long_running_s` left out (null) mean the CRM's documented ones.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from crmlink.sandbox.core.network import ADMIN_PREFIX, PROFILES

_ALIASES = {
    "latency": "latency_ms",
    "503": "error_503",
    "429": "error_429",
    "limit": "limit_exceeded",
}


class FaultSpecError(ValueError):
    """A fault spec that cannot be understood."""


class FaultSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latency_ms: int = Field(default=0, ge=0, le=60_000)
    error_503: float = Field(default=0.0, ge=0, le=1)
    error_429: float = Field(default=0.0, ge=0, le=1)
    limit_exceeded: float = Field(default=0.0, ge=0, le=1)
    retry_after: int = Field(default=1, ge=0, le=3600)
    drop: float = Field(default=0.0, ge=0, le=1)
    token_lifetime: int | None = Field(default=None, ge=1)
    bulk_fail: float = Field(default=0.0, ge=0, le=1)
    late_commit: float = Field(default=0.0, ge=0, le=3600)
    seed: int = 0
    # the network profile (core.network); None: the profile's figure
    profile: Literal["loopback", "wan"] = "loopback"
    rtt_ms: int | None = Field(default=None, ge=0, le=60_000)
    bandwidth_kbps: int | None = Field(default=None, ge=0)  # per stream; 0: no cap
    bulk_s_per_10k: float | None = Field(default=None, ge=0, le=3600)
    concurrency: int | None = Field(default=None, ge=0)  # None: the CRM's; 0: no limit
    long_running_s: float | None = Field(default=None, ge=0, le=3600)

    @model_validator(mode="after")
    def _profile_figures(self) -> FaultSpec:
        """Fill the figures left out from the profile, so the spec shows those in force."""
        profile = PROFILES[self.profile]
        for name in ("rtt_ms", "bandwidth_kbps", "bulk_s_per_10k"):
            if getattr(self, name) is None:
                setattr(self, name, getattr(profile, name))
        return self

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        """Parse `key=value,key=value`; an empty text means no faults."""
        values: dict[str, str] = {}
        for part in (text or "").split(","):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            if not sep:
                raise FaultSpecError(f"fault {part.strip()!r} needs a value, as in latency=50")
            key = key.strip()
            values[_ALIASES.get(key, key)] = value.strip()
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise FaultSpecError(_first_error(exc)) from None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    return f"fault {key!r}: {err['msg']}"


class FaultInjector:
    """The faults in force, with a seeded random source so a run can be repeated."""

    def __init__(self, spec: FaultSpec | None = None) -> None:
        self._lock = threading.Lock()
        self.set(spec or FaultSpec())

    def set(self, spec: FaultSpec) -> None:
        with self._lock:
            self.spec = spec
            self._random = random.Random(spec.seed)

    def roll(self, share: float) -> bool:
        if share <= 0:
            return False
        with self._lock:
            return self._random.random() < share

    def pick_http_error(self) -> str | None:
        """One of '503', '429', 'limit', or None for a normal answer."""
        spec = self.spec
        for kind, share in (("503", spec.error_503), ("429", spec.error_429)):
            if self.roll(share):
                return kind
        return "limit" if self.roll(spec.limit_exceeded) else None


class _DroppedConnection(Exception):
    """Raised mid-body so the server closes the connection, as a network cut would."""


class FaultMiddleware:
    """ASGI middleware: counts calls, adds latency, answers errors, cuts bodies short.

    `render_error(kind, spec, path)` returns the CRM's own response for '503', '429' or
    'limit' (the path: a CRM whose login service answers in another shape than its API).
    `classify(method, path)` names the endpoint for the call counters.
    """

    def __init__(self, app, injector: FaultInjector, stats, classify, render_error) -> None:
        self.app = app
        self.injector = injector
        self.stats = stats
        self.classify: Callable[[str, str], str] = classify
        self.render_error = render_error

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        self.stats.count(self.classify(scope["method"], scope["path"]))
        spec = self.injector.spec
        if spec.latency_ms:
            await asyncio.sleep(spec.latency_ms / 1000)
        kind = self.injector.pick_http_error()
        if kind is not None:
            await self.render_error(kind, spec, scope["path"])(scope, receive, send)
            return
        if self.injector.roll(spec.drop):
            send = _cut_after_first_half(send)
        try:
            await self.app(scope, receive, send)
        except _DroppedConnection:
            raise RuntimeError("sandbox fault: connection dropped mid-body") from None


def _cut_after_first_half(send):
    async def cutting_send(message) -> None:
        if message["type"] != "http.response.body":
            await send(message)
            return
        body = message.get("body", b"")
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )
        raise _DroppedConnection

    return cutting_send
