"""Commits while an import reads ahead: a queue empty for a moment (the download a little
behind the inserts) costs no commit; a real wait for the CRM still commits first."""

from __future__ import annotations

import threading

from crmlink.workflow.activities.crm.prefetch import IDLE_AFTER, Commits, read_ahead


def test_short_gaps_between_batches_cost_no_commit():
    gap = threading.Event()

    def batches():
        for n in range(20):
            gap.wait(IDLE_AFTER / 10)  # never set: a short pause before each batch
            yield [n]

    made = []
    commits = Commits(lambda: made.append("commit"), every=1000)
    for batch in read_ahead(batches(), depth=2, idle=commits.idle):
        commits.added(len(batch))
    # each wait is a tenth of IDLE_AFTER (a commit per batch before it); a loaded machine
    # may stretch a few of them past it
    assert len(made) < 10


def test_a_long_wait_commits_the_rows_inserted_before_it():
    committed = threading.Event()
    seen_committed = []

    def batches():
        yield [1]
        seen_committed.append(committed.wait(10))  # the CRM answers only after a commit
        yield [2]

    commits = Commits(committed.set, every=1000)
    for batch in read_ahead(batches(), depth=2, idle=commits.idle):
        commits.added(len(batch))
    assert seen_committed == [True]
