"""The one HTTP boundary of every connector: `HttpClient` (an `httpx.Client` with TLS from
the account's CA bundle, an injectable transport, bounded retries and API-call
accounting), the one map from transport failures to crmlink's error tree, and `url()`,
which puts values into URL paths only as whole, percent-encoded segments.

What reaches the caller (each CRM maps its own error *bodies* in its `errors.py`):

    transport failure                       crmlink error         retried
    ------------------------------------    -------------------   ----------------------
    certificate does not verify (TLS)       UsageError (names     never: a retry fails
                                            --ca-bundle)          the same way
    CA bundle gone / not PEM                UsageError            never (raised at open)
    ConnectError, ConnectTimeout, other     RetryableError        with backoff, when the
    TransportError (timeouts, dropped                             call is idempotent; else
    connections, RemoteProtocolError)                             at once, "in doubt"
    answer 429 / 502 / 503 / 504            RetryableError        with backoff, at least
                                                                  `Retry-After`
    answer with another status >= 400       the CRM's errors.py   as the CRM's map says
"""

from __future__ import annotations

import logging
import random
import re
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import httpx

from crmlink.connectors import json_text
from crmlink.errors import CrmlinkError, RetryableError, UsageError
from crmlink.files import MiB, UserFileError, read_user_file
from crmlink.model import AccountSettings

log = logging.getLogger(__name__)
T = TypeVar("T")
CA_BUNDLE_LIMIT = 10 * MiB
TRANSIENT_STATUS = frozenset({429, 502, 503, 504})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


# -- URLs ---------------------------------------------------------------------------------
def segment(value: str) -> str:
    """`value` as one percent-encoded path segment (`/`, `?`, `%`, spaces… all encoded);
    `.`, `..`, an empty value and control characters are refused."""
    text = str(value)
    if text in ("", ".", ".."):
        raise UsageError(f"{text!r} cannot be a segment of a CRM URL (a name is needed)")
    if _CONTROL.search(text):
        raise UsageError(f"{text!r} holds a control character, which no CRM URL may carry")
    return quote(text, safe="")


def url(base: str, *segments: str, query: Mapping[str, str] | None = None) -> str:
    """`base` (code's own text, e.g. `/services/data/v59.0/sobjects`) followed by each of
    `segments` (values: table names, ids) as one encoded segment, then the query."""
    text = base.rstrip("/") + "".join(f"/{segment(s)}" for s in segments)
    return f"{text}?{urlencode(dict(query), quote_via=quote)}" if query else text


def no_line_breaks(text: str, what: str) -> str:
    """`text` unchanged, or a UsageError when it holds CR or LF (a header or request line
    that would split in two)."""
    if "\r" in text or "\n" in text:
        raise UsageError(f"the {what} {text!r} holds a line break, which HTTP cannot carry")
    return text


# -- TLS ----------------------------------------------------------------------------------
def tls_context(account: AccountSettings) -> ssl.SSLContext:
    """Verification on, always: the account's CA bundle if it has one, else the system's.

    The bundle is read here, once (a regular file of at most 10 MiB), and every problem
    with it is a UsageError naming the account and `--ca-bundle`: never retried."""
    if not account.ca_bundle:
        return ssl.create_default_context()
    try:
        return ca_bundle_context(account.ca_bundle, "the CA bundle")
    except UserFileError as exc:
        raise _bad_bundle(account, exc.problem) from None


def checked_ca_bundle(account: AccountSettings) -> str | None:
    """The account's CA bundle path once it is known to be a readable PEM file of
    certificates (None: the system's CAs); else a UsageError saying how to fix it."""
    tls_context(account)
    return account.ca_bundle or None


def ca_bundle_context(path: str | Path, what: str) -> ssl.SSLContext:
    """A verifying TLS context trusting the certificates of the PEM file `path`, read once;
    a UserFileError (`what path problem: fix`) when it cannot be."""
    data = read_user_file(path, what, CA_BUNDLE_LIMIT).decode("ascii", errors="replace")
    try:
        if not data.strip():  # `cadata=""` would load the system's CAs instead
            raise ValueError("empty")
        context = ssl.create_default_context(cafile=None, capath=None, cadata=data)
        return context
    except (ssl.SSLError, ValueError):
        raise UserFileError(
            what,
            Path(path),
            "is not a PEM file of certificates",
            "give the CRM's CA certificates in PEM (-----BEGIN CERTIFICATE-----)",
        ) from None


def _bad_bundle(account: AccountSettings, problem: str) -> UsageError:
    return UsageError(
        f"the CA bundle {account.ca_bundle} of account {account.name!r} {problem}: fix it "
        f"with `crmlink account edit {account.name} --ca-bundle FILE`",
        account=account.name,
    )


def verification_failure(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification error behind a network error (httpx, requests), if any."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        link = todo.pop()
        if id(link) in seen:
            continue
        seen.add(id(link))
        if isinstance(link, ssl.SSLCertVerificationError):
            return link
        nexts = [link.__cause__, link.__context__, getattr(link, "reason", None), *link.args]
        todo += [n for n in nexts if isinstance(n, BaseException)]
    return None


def untrusted(crm: str, account: str, error: ssl.SSLCertVerificationError) -> UsageError:
    """The sentence for a CRM whose certificate the account's CAs do not verify."""
    reason = error.verify_message or error.reason or "certificate verify failed"
    return UsageError(
        f"the TLS certificate of {crm} could not be verified ({reason}) for account "
        f"{account!r}: give the CA that signed it with `crmlink account edit {account} "
        "--ca-bundle FILE` (or --ca-bundle at `account add`)",
        account=account,
    )


# -- the transport error map and the retry policy ------------------------------------------
def transport_error(
    exc: BaseException, crm: str, account: str, idempotent: bool
) -> tuple[CrmlinkError, bool]:
    """(the crmlink error for a failed exchange, whether a retry may fix it)."""
    failed = verification_failure(exc)
    if failed is not None:  # not transient: a retry would fail the same way
        return untrusted(crm, account, failed), False
    name = type(exc).__name__
    if not idempotent:
        message = (
            f"the connection to {crm} broke during a call that is not safe to repeat "
            f"({name}); its outcome is unknown"
        )
        return RetryableError(message, account=account), False
    return RetryableError(f"the connection to {crm} failed ({name}: {exc})", account=account), True


def retry_after(response: httpx.Response) -> float | None:
    """The `Retry-After` seconds of an answer (None when absent or not a number)."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: full-jitter exponential backoff, at least `Retry-After`."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = min(self.max_delay, self.base_delay * 2**attempt)
        wait = random.uniform(backoff / 2, backoff)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_retry_after))
        return wait


@dataclass
class Retrier:
    """Runs a call until it succeeds or the policy's attempts are spent."""

    crm: str  # named in messages: "Salesforce", "Dataverse"
    account: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep

    def run(self, call: Callable[[], T], idempotent: bool) -> T:
        attempt = 0
        failure: CrmlinkError
        while True:
            try:
                return call()
            except RetryableError as exc:
                failure, wait = exc, exc.retry_after
            except httpx.TransportError as exc:
                error, transient = transport_error(exc, self.crm, self.account, idempotent)
                if not transient:
                    raise error from None
                failure, wait = error, None
            attempt += 1
            if attempt >= self.policy.attempts:
                raise failure
            self.sleep(self.policy.delay(attempt - 1, wait))


# -- the client ---------------------------------------------------------------------------
class HttpClient:
    """One CRM's HTTP layer. Subclasses name the CRM (`crm`), map its error answers
    (`error`), may note what answers tell (`observe`) and log in first (`ready`).

    `transport` replaces the network (unit tests pass `httpx.MockTransport`); `retry` and
    `sleep` may be replaced at any time; `calls` counts the API calls sent.
    """

    crm = "the CRM"

    def __init__(
        self,
        account: AccountSettings,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        base_url: str = "",
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
    ) -> None:
        self.account = account
        self.retry, self.sleep = retry or RetryPolicy(), sleep
        self.tls = tls_context(account)
        self.transport = transport
        self.client = httpx.Client(
            base_url=base_url,
            verify=self.tls,
            timeout=timeout,
            auth=auth,
            headers={"User-Agent": "crmlink", **(headers or {})},
            transport=transport,
        )
        self._calls, self._calls_lock = 0, threading.Lock()

    @property
    def calls(self) -> int:
        """API calls sent so far (result pages download in several threads: counted
        under a lock, since `+= 1` on a shared attribute can lose increments)."""
        return self._calls

    def count_call(self) -> None:
        with self._calls_lock:
            self._calls += 1

    @property
    def api_calls(self) -> int:
        return self.calls

    def request(
        self, method: str, url: str, idempotent: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """One API call, retried while transient; a failed answer raises a crmlink error.
        A `json=` body is encoded by `json_text.dumps` (a Decimal keeps its digits)."""
        self.ready()
        if kwargs.get("json") is not None:
            headers = httpx.Headers(kwargs.get("headers"))
            headers.setdefault("Content-Type", "application/json")
            kwargs["content"], kwargs["headers"] = json_text.dumps(kwargs.pop("json")), headers
        request = self.client.build_request(method, url, **kwargs)
        return self.attempts(lambda: self.checked(request), idempotent)

    def json(
        self, method: str, url: str, idempotent: bool = True, decimals: bool = False, **kwargs: Any
    ) -> Any:
        """The answer's JSON (None for an empty body); `decimals`: fractions as Decimals of
        their text (`json_text.loads`), for pages of records."""
        response = self.request(method, url, idempotent, **kwargs)
        return json_text.loads(response.content, decimals) if response.content else None

    @contextmanager
    def stream(self, method: str, url: str, **kwargs: Any) -> Iterator[httpx.Response]:
        """A response whose body is read as it arrives (retried up to the headers)."""
        self.ready()
        request = self.client.build_request(method, url, **kwargs)
        response = self.attempts(lambda: self.checked(request, stream=True), True)
        try:
            yield response
        finally:
            response.close()

    def close(self) -> None:
        self.client.close()

    # -- hooks ----------------------------------------------------------------------------
    def ready(self) -> None:
        """Runs before each call (Salesforce logs in here, to learn its instance URL)."""

    def observe(self, response: httpx.Response) -> None:
        """Notes what an answer says beyond its body (usage headers)."""

    def error(self, response: httpx.Response, request: httpx.Request) -> CrmlinkError:
        """The crmlink error for an answer >= 400: the CRM's own map."""
        raise NotImplementedError

    # -- internals ------------------------------------------------------------------------
    def send(self, request: httpx.Request, stream: bool = False, **kwargs: Any) -> httpx.Response:
        log.debug("%s %s %s", self.crm, request.method, request.url.path)
        self.count_call()
        return self.client.send(request, stream=stream, **kwargs)

    def checked(self, request: httpx.Request, stream: bool = False) -> httpx.Response:
        response = self.send(request, stream=stream)
        self.observe(response)
        if response.status_code < 400:
            return response
        response.read()
        response.close()
        raise self.error(response, request)

    def attempts(self, call: Callable[[], T], idempotent: bool) -> T:
        return Retrier(self.crm, self.account.name, self.retry, self.sleep).run(call, idempotent)
