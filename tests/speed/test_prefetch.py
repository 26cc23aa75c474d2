"""Read ahead: the connector's batches in a thread, a bounded queue, a commit before every
wait for the CRM and every N rows, errors on the consumer's side, early stops."""

from __future__ import annotations

import threading

import pytest

from crmlink.workflow.activities.crm.prefetch import Commits, read_ahead


def test_the_producer_never_runs_more_than_depth_batches_ahead():
    made, taken, most_ahead = [0], [0], [0]
    lock = threading.Lock()

    def batches():
        for n in range(200):
            with lock:
                made[0] += 1
                most_ahead[0] = max(most_ahead[0], made[0] - taken[0])
            yield [n]

    out = []
    for batch in read_ahead(batches(), depth=3):
        out.extend(batch)
        with lock:
            taken[0] += 1
    assert out == list(range(200))
    assert most_ahead[0] <= 3 + 2  # the queue, the one being put, the one being consumed


def test_rows_are_committed_before_the_consumer_waits_for_the_crm():
    crm_answered = threading.Event()
    committed_while_waiting = []

    def batches():
        yield [1]
        # the CRM is "answering" now: the rows of the first batch must be committed
        committed_while_waiting.append(crm_answered.wait(10))
        yield [2]

    commits = Commits(lambda: crm_answered.set(), every=1000)
    seen = []
    for batch in read_ahead(batches(), depth=2, idle=commits.idle):
        seen.extend(batch)
        commits.added(len(batch))
    assert seen == [1, 2]
    assert committed_while_waiting == [True]


def test_commits_every_n_rows_while_batches_keep_coming():
    done = []
    commits = Commits(lambda: done.append("commit"), every=5)
    for _ in range(4):
        commits.added(2)  # 2, 4, 6 → commit, 2
    commits.idle()
    commits.idle()  # nothing pending: no empty commit
    assert done == ["commit", "commit"]


def test_a_read_error_is_raised_on_the_consumer_thread():
    def batches():
        yield [1]
        raise ConnectionError("the CRM went away")

    got = []
    with pytest.raises(ConnectionError, match="went away"):
        for batch in read_ahead(batches(), depth=2):
            got.extend(batch)
    assert got == [1]


def test_stopping_early_closes_the_read_and_ends_the_thread():
    closed = threading.Event()

    def batches():
        try:
            n = 0
            while True:
                n += 1
                yield [n]
        finally:
            closed.set()

    stream = read_ahead(batches(), depth=2)
    assert next(stream) == [1]
    stream.close()
    assert closed.is_set()
    assert not [t for t in threading.enumerate() if t.name == "crmlink-read-ahead"]
