"""Inserts as CreateMultiple (`connectors/dynamics/write.py`): one call a chunk, a refused
chunk sent again as `$batch` for its per-row answers (nothing created twice), a table
without the message written by `$batch`, an answer in doubt never resent."""

from __future__ import annotations

import uuid

import httpx
import pytest

from crmlink.errors import NotFoundError, RetryableError
from crmlink.model import WriteMode
from crmlink.sandbox.dynamics.app import DynamicsSandbox
from tests.conftest import tls
from tests.connectors.conftest import set_faults
from tests.connectors.test_dynamics_support import RetryPolicy, dv_connector, rows_of


@pytest.fixture
def box(tmp_path):
    sandbox = DynamicsSandbox(state_dir=tmp_path / "dv", records=0, seed=3)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _stats(sandbox) -> dict[str, int]:
    url = f"{sandbox.url}/__sandbox__/stats"
    return httpx.get(url, verify=tls(sandbox)).json()["by_endpoint"]


def _clear(sandbox) -> None:
    httpx.delete(f"{sandbox.url}/__sandbox__/stats", verify=tls(sandbox)).raise_for_status()


def _rows(mark: str, n: int) -> list[dict]:
    return [{"lastname": f"{mark}-{i}", "emailaddress1": f"{mark}.{i}@ex.com"} for i in range(n)]


def _lastnames(connector, mark: str) -> list[str]:
    rows = rows_of(connector, "contact", ["lastname"])
    return sorted(r["lastname"] for r in rows if r["lastname"].startswith(mark))


def test_clean_chunks_are_one_create_multiple_each_with_ids_in_order(box):
    mark = uuid.uuid4().hex[:8]
    rows = _rows(mark, 50)
    with dv_connector(box, batch_size=10) as connector:
        connector.entity("contact")
        _clear(box)
        results = list(connector.write("contact", rows, WriteMode.INSERT))
        calls = _stats(box)
        found = rows_of(
            connector, "contact", ["contactid", "lastname"], ids=[r.id for r in results]
        )
    assert calls.get("POST contacts") == 5 and "POST $batch" not in calls
    assert [r.index for r in results] == list(range(50))
    assert all(r.success and r.created for r in results)
    by_id = {row["contactid"]: row["lastname"] for row in found}
    assert [by_id[r.id] for r in results] == [row["lastname"] for row in rows]


def test_a_refused_chunk_is_sent_as_batch_and_nothing_is_created_twice(box):
    mark = uuid.uuid4().hex[:8]
    rows = _rows(mark, 30)
    rows[13]["gendercode"] = "99"  # not an option: CreateMultiple refuses its whole chunk
    rows[25]["gendercode"] = "no"  # refused before sending
    with dv_connector(box, batch_size=10) as connector:
        connector.entity("contact")
        _clear(box)
        results = list(connector.write("contact", rows, WriteMode.INSERT))
        calls = _stats(box)
        stored = _lastnames(connector, mark)
    assert calls.get("POST contacts") == 3 and calls.get("POST $batch") == 1
    assert [r.index for r in results] == list(range(30))
    assert [r.success for r in results] == [i not in (13, 25) for i in range(30)]
    assert "99" in results[13].error.message and results[25].error.code == "INVALID_VALUE"
    assert stored == sorted(f"{mark}-{i}" for i in range(30) if i not in (13, 25))


def test_a_table_without_create_multiple_is_written_by_batch(box, monkeypatch):
    mark = uuid.uuid4().hex[:8]
    with dv_connector(box, batch_size=10) as connector:
        json = connector.http.json
        asked: list[str] = []

        def no_message(method, url, *args, **kwargs):
            if url.endswith("CreateMultiple"):
                asked.append(url)
                if url.startswith("contacts/"):
                    raise NotFoundError("Resource not found for the segment 'CreateMultiple'.")
            return json(method, url, *args, **kwargs)

        monkeypatch.setattr(connector.http, "json", no_message)
        results = list(connector.write("contact", _rows(mark, 25), WriteMode.INSERT))
        assert connector.writer.no_multiple == {"contacts"}
        first = len(asked)  # chunks run at once: those of the first flight may all ask
        again = list(connector.write("contact", _rows(mark + "b", 10), WriteMode.INSERT))
        assert len(asked) == first  # the table is known to have no CreateMultiple
        other = [{"name": f"{mark}-account"}]
        assert all(r.success for r in connector.write("account", other, WriteMode.INSERT))
        assert asked[-1].startswith("accounts/")  # another table still uses it
        stored = _lastnames(connector, mark)
    assert all(r.success for r in results + again) and len(stored) == 35


def test_an_answer_in_doubt_is_raised_never_resent(box):
    mark = uuid.uuid4().hex[:8]
    once = RetryPolicy(attempts=1, base_delay=0.01, max_delay=0.01)
    with dv_connector(box, batch_size=10, retry=once) as connector:
        connector.entity("contact")
        _clear(box)
        set_faults(box, "drop=1")
        try:
            with pytest.raises(RetryableError):
                list(connector.write("contact", _rows(mark, 10), WriteMode.INSERT))
        finally:
            set_faults(box, "drop=0")
        calls = _stats(box)
        stored = _lastnames(connector, mark)
    assert calls.get("POST contacts") == 1 and "POST $batch" not in calls
    assert len(stored) in (0, 10)  # all or nothing, never twice
