"""What every connector's HTTP layer shares: TLS verification, bounded retries with
backoff that honour `Retry-After`, and the rule that a broken call which is not safe to
repeat is reported as in doubt instead of being sent twice."""

from __future__ import annotations

import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

from crmlink.connectors.base import AccountSettings
from crmlink.errors import RetryableError

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
    if account.ca_bundle:
        return ssl.create_default_context(cafile=account.ca_bundle)
    return ssl.create_default_context()


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
