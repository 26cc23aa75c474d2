"""What every connector's HTTP layer shares: TLS verification, bounded retries with
backoff that honour `Retry-After`, and the rule that a broken call which is not safe to
repeat is reported as in doubt instead of being sent twice.

A CA bundle that is gone or is not PEM, and a certificate that does not verify, are
usage errors naming `--ca-bundle`: retrying cannot fix them."""

from __future__ import annotations

import random
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx

from crmlink.errors import RetryableError, UsageError
from crmlink.model import AccountSettings

T = TypeVar("T")


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


def tls_context(account: AccountSettings) -> ssl.SSLContext:
    """Verification on, always: the account's CA bundle if it has one, else the system's."""
    cafile = checked_ca_bundle(account)
    if cafile is None:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=cafile)


def checked_ca_bundle(account: AccountSettings) -> str | None:
    """The account's CA bundle path once it is known to be a readable PEM file of
    certificates (None: the system's CAs); else a UsageError saying how to fix it."""
    path = account.ca_bundle
    if not path:
        return None
    if not Path(path).is_file():
        raise _bad_bundle(account, "does not exist")
    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, OSError, ValueError):
        raise _bad_bundle(account, "is not a PEM file of certificates") from None
    return path


def _bad_bundle(account: AccountSettings, problem: str) -> UsageError:
    return UsageError(
        f"the CA bundle {account.ca_bundle} of account {account.name!r} {problem}: fix it "
        f"with `crmlink account edit {account.name} --ca-bundle FILE`",
        account=account.name,
    )


def verification_failure(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification error behind a network error (httpx, requests), if any."""
    for link in _causes(exc):
        if isinstance(link, ssl.SSLCertVerificationError):
            return link
    return None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        link = todo.pop()
        if id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        nexts = [link.__cause__, link.__context__, getattr(link, "reason", None), *link.args]
        todo += [n for n in nexts if isinstance(n, BaseException)]


def untrusted(crm: str, account: str, error: ssl.SSLCertVerificationError) -> UsageError:
    """The sentence for a CRM whose certificate the account's CAs do not verify."""
    reason = error.verify_message or error.reason or "certificate verify failed"
    return UsageError(
        f"the TLS certificate of {crm} could not be verified ({reason}) for account "
        f"{account!r}: give the CA that signed it with `crmlink account edit {account} "
        "--ca-bundle FILE` (or --ca-bundle at `account add`)",
        account=account,
    )


@dataclass
class Retrier:
    """Runs a call until it succeeds or the policy's attempts are spent."""

    crm: str  # named in messages: "Salesforce", "Dataverse"
    account: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep

    def run(self, call: Callable[[], T], idempotent: bool) -> T:
        attempt = 0
        while True:
            try:
                return call()
            except RetryableError as exc:
                failure, wait = exc, exc.retry_after
            except httpx.TransportError as exc:
                failed = verification_failure(exc)
                if failed is not None:  # not transient: a retry would fail the same way
                    raise untrusted(self.crm, self.account, failed) from None
                if not idempotent:
                    raise self._in_doubt(exc) from None
                failure, wait = self._network_error(exc), None
            attempt += 1
            if attempt >= self.policy.attempts:
                raise failure
            self.sleep(self.policy.delay(attempt - 1, wait))

    def _in_doubt(self, exc: httpx.TransportError) -> RetryableError:
        return RetryableError(
            f"the connection to {self.crm} broke during a call that is not safe to repeat "
            f"({type(exc).__name__}); its outcome is unknown",
            account=self.account,
        )

    def _network_error(self, exc: httpx.TransportError) -> RetryableError:
        return RetryableError(
            f"the connection to {self.crm} failed ({type(exc).__name__}: {exc})",
            account=self.account,
        )
