"""How pytest-xdist shares the suite among its workers (`make test`: `-n N --dist loadfile`).

`--dist loadfile` keeps each file's tests together on one worker: module fixtures are set
up once and tests that build on one another stay in order. This plan refines it:

    GROUPS   folders whose files share an expensive session fixture: one unit, so one worker
             seeds it
    SPLIT    files of long, independent tests: each test is a unit of its own
    FIRST    the units that take longest, started first (longest first keeps the last
             worker's tail short); the rest follow in collection order

The figures behind the tables come from a parallel run's `--durations`; a stale table makes
the schedule slower, never a test wrong. Without xdist (`pytest -q FILE`) nothing changes.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from xdist.remote import Producer
    from xdist.scheduler import Scheduling

GROUPS = ("tests/sandbox_network/",)  # sf_big: 20,000 records, seeded once
# Long, independent tests: on one worker each, the two scale reads (180 s apiece in a loaded
# parallel run) and the three crash matrices (130 s apiece) would be the schedule's tail;
# apart, each worker seeds its own big sandbox (5-11 s), which is cheaper.
SPLIT = (
    "tests/hubspot/test_incremental_scale.py",
    "tests/reliability/test_crash_workflow.py",
)
# Longest first, by a `-n 4 --durations=0` run (seconds, on a loaded machine); 20 s and more.
FIRST = (
    "tests/test_readme_tour.py",  # 236, one test
    "tests/hubspot/test_incremental_scale.py",  # 183 + 171
    "tests/reliability/test_crash_workflow.py",  # 3 x 130
    "tests/reliability/test_fault_matrix_dynamics.py",  # 144
    "tests/thirdparty/test_airbyte.py",  # 142
    "tests/connectors/test_hubspot_read_sandbox.py",  # 122
    "tests/web/test_accessibility.py",  # 120
    "tests/catalog/test_cli_account.py",  # 115
    "tests/reliability/test_fault_matrix_sf.py",  # 114
    "tests/hostile/test_meaning.py",  # 87
    "tests/sandbox_network/",  # 64
    "tests/thirdparty/test_cumulusci.py",  # 61
    "tests/reliability/test_crash_wizard.py",  # 60
    "tests/reliability/test_crash_enums.py",  # 54
    "tests/hostile/test_databases.py",  # 54
    "tests/hostile/test_cli_args.py",  # 48
    "tests/workflow/test_sqlite_concurrency.py",  # 40
    "tests/catalog/test_migrations.py",  # 40
    "tests/web/test_screenshots.py",  # 37
    "tests/connectors/test_hubspot_read.py",  # 36
    "tests/hostile/test_limits.py",  # 35
    "tests/thirdparty/test_tap_salesforce.py",  # 35
    "tests/hubspot/test_workflows.py",  # 32
)


def unit(nodeid: str) -> str:
    """The unit of work a test belongs to: its group folder, itself, or its file."""
    path = nodeid.split("::", 1)[0]
    for folder in GROUPS:
        if path.startswith(folder):
            return folder
    return nodeid if path in SPLIT else path


def rank(nodeid: str) -> int:
    """Where a test's unit comes in FIRST (units not listed: after all of them)."""
    path = nodeid.split("::", 1)[0]
    for index, prefix in enumerate(FIRST):
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return index
    return len(FIRST)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Workers collect, and the scheduler queues units in the order they first appear; every
    # worker sorts alike (a stable sort), so their collections stay identical.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: rank(item.nodeid))


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> Scheduling | None:
    """`--dist loadfile`, by this plan's units, in this plan's order."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class PlannedScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit(nodeid)

    config.option.loadscopereorder = False  # the plan orders the units, not their test counts
    return PlannedScheduling(config, log)
