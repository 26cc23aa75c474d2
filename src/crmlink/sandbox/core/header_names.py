"""Response header names spelled as the real CRM spells them on the wire.

Starlette lower-cases every header name it is given and h11 writes names as handed to it,
so without this every answer would read `content-type`, `sforce-locator`. Clients that read
headers case-sensitively (a widely used connector framework does, for Bulk 2.0's
`Sforce-Locator`) then find nothing. `HeaderNamesMiddleware` rewrites the names of
`http.response.start` by a rule, Title-Case (`Content-Type`), plus the table of exceptions
each sandbox declares (`Sforce-NumberOfRecords`, `OData-EntityId`, `x-ms-…` kept lower).
It also writes the `Date` header itself: uvicorn's own one is lower-case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

Message = dict[str, Any]


def title_case(name: str) -> str:
    """`sforce-limit-info` → `Sforce-Limit-Info`."""
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


@dataclass(frozen=True)
class HeaderNames:
    """How one CRM spells its header names: Title-Case unless listed in `exact` (by the
    lower-case name) or starting with one of `lower_prefixes` (kept lower-case)."""

    exact: Mapping[str, str] = field(default_factory=dict)
    lower_prefixes: tuple[str, ...] = ()

    @classmethod
    def of(cls, names: Iterable[str], lower_prefixes: tuple[str, ...] = ()) -> HeaderNames:
        """A table from the names as the CRM writes them."""
        return cls({name.lower(): name for name in names}, lower_prefixes)

    def spell(self, name: str) -> str:
        lower = name.lower()
        if lower in self.exact:
            return self.exact[lower]
        if lower.startswith(self.lower_prefixes):
            return lower
        return title_case(lower)


class HeaderNamesMiddleware:
    """ASGI middleware: respell the response's header names and add `Date`."""

    def __init__(self, app: Any, names: HeaderNames) -> None:
        self.app = app
        self.names = names
        self._cache: dict[bytes, bytes] = {}

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def respelling_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": self._respell(message.get("headers", []))}
            await send(message)

        await self.app(scope, receive, respelling_send)

    def _respell(self, headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        out = [(self._spelled(name), value) for name, value in headers]
        if not any(name.lower() == b"date" for name, _ in out):
            out.insert(0, (b"Date", formatdate(usegmt=True).encode()))
        return out

    def _spelled(self, name: bytes) -> bytes:
        spelled = self._cache.get(name)
        if spelled is None:
            spelled = self.names.spell(name.decode("latin-1")).encode("latin-1")
            self._cache[name] = spelled
        return spelled
