"""The concurrency gate and the pacer on their own (no server, a fake monotonic clock)."""

from __future__ import annotations

import asyncio

import pytest

from crmlink.sandbox.core import network
from crmlink.sandbox.core.network import ConcurrencyGate, Pacer, piece_size
from crmlink.sandbox.core.spec import ConcurrencyLimit


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(network, "monotonic", fake.monotonic)
    monkeypatch.setattr(network, "sleep", fake.sleep)
    return fake


def test_the_gate_admits_up_to_the_limit_and_frees_as_requests_end(clock):
    gate, limit = ConcurrencyGate(), ConcurrencyLimit(requests=2)
    with gate.enter("u", limit) as first, gate.enter("u", limit) as second:
        with gate.enter("u", limit) as third:
            assert (first, second, third) == (True, True, False)
        with gate.enter("someone else", limit) as other:
            assert other
    with gate.enter("u", limit) as later:
        assert later


def test_only_requests_running_long_enough_count(clock):
    gate, limit = ConcurrencyGate(), ConcurrencyLimit(requests=1, counted_after_s=20)
    with gate.enter("", limit) as first:
        clock.now += 19
        with gate.enter("", limit) as young:
            assert young  # the first has run 19 s: not yet long-running
        clock.now += 2
        with gate.enter("", limit) as refused:
            assert first and not refused


def test_without_a_limit_every_request_is_admitted(clock):
    gate = ConcurrencyGate()
    with gate.enter("", None) as a, gate.enter("", None) as b:
        assert a and b


def test_the_pacer_spreads_bytes_at_its_rate(clock):
    pacer = Pacer(bytes_per_second=1000)

    async def send_all() -> None:
        for _ in range(4):
            await pacer.wait(500)

    started = clock.now
    asyncio.run(send_all())
    assert clock.now - started == pytest.approx(2.0)  # 2,000 bytes at 1,000 B/s


def test_piece_sizes_stay_between_1_and_64_kib():
    assert piece_size(10) == 1024
    assert piece_size(2_000_000) == 40_000
    assert piece_size(100_000_000) == 65_536
