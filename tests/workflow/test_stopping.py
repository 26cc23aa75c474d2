"""A stop whose `KeyboardInterrupt` is lost (raised in a finalizer, where Python only
prints "Exception ignored") still stops the run, at the engine's next safe point, and the
lost raise is not printed. Before `stopping`, such a run went on and exited 0."""

from __future__ import annotations

import gc
import signal

import pytest
from sqlalchemy import select

from crmlink.workflow import stopping
from crmlink.workflow.engine import run_workflow
from crmlink.workflow.observer import Observer
from crmlink.workflow.tables import activity_runs, workflow_runs
from tests.workflow.conftest import add_recipients


class _SignalledInAFinalizer:
    """Raises SIGTERM from `__del__`: the handler runs there, so its raise is lost."""

    def __del__(self) -> None:
        signal.raise_signal(signal.SIGTERM)


def _lose_a_stop() -> None:
    _SignalledInAFinalizer()  # made and collected at once: __del__ runs here
    gc.collect()


def test_a_stop_lost_in_a_finalizer_is_quiet_and_raised_at_the_next_check(monkeypatch):
    seen: list[type] = []
    monkeypatch.setattr("sys.unraisablehook", lambda info: seen.append(info.exc_type))
    with stopping.on_signals():
        _lose_a_stop()  # no KeyboardInterrupt reaches here
        with pytest.raises(KeyboardInterrupt):
            stopping.check()
    assert seen == []  # not printed: the note stops the run instead
    stopping.check()  # the note ends with the block
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_other_unraisable_errors_still_reach_the_hook_before(monkeypatch):
    seen: list[type] = []
    monkeypatch.setattr("sys.unraisablehook", lambda info: seen.append(info.exc_type))

    class Broken:
        def __del__(self) -> None:
            raise ValueError("a real bug")

    with stopping.on_signals():
        Broken()
        gc.collect()
    assert seen == [ValueError]


class _LosesAStopIn(Observer):
    def __init__(self, activity: str) -> None:
        self.activity = activity

    def activity_started(self, name: str, type_: str) -> None:
        if name == self.activity:
            _lose_a_stop()


def test_a_run_whose_stop_was_lost_stops_at_the_next_activity_and_resumes(database, write):
    add_recipients(database, [{"email": "a@x.com"}, {"email": "b@x.com"}])
    path = write(
        "s.yaml",
        """
        name: s
        activities:
          q: {type: query, table: recipient, fields: [email], next: dd}
          dd: {type: dedup, keys: [email]}
    """,
    )
    with stopping.on_signals(), pytest.raises(KeyboardInterrupt):
        run_workflow(database, path, observer=_LosesAStopIn("q"))
    with database.connect() as conn:
        run = conn.execute(select(workflow_runs.c.status, workflow_runs.c.error)).one()
        done = conn.execute(select(activity_runs.c.activity, activity_runs.c.status)).all()
    assert tuple(run) == ("failed", "interrupted")
    assert [tuple(a) for a in done] == [("q", "succeeded")]  # dd never started

    again = run_workflow(database, path)
    assert again.status == "succeeded"
    assert {a.name: a.rows_out for a in again.activities}["dd"] == 2
