"""The plan pytest-xdist shares the suite by (tests/xdist_plan.py): its tables name real
paths, a group folder is one unit, a split file's tests are units of their own, and the
scheduler hands the units out longest first."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from xdist.remote import Producer

from tests import xdist_plan

ROOT = Path(__file__).resolve().parents[1]
SCALE = "tests/hubspot/test_incremental_scale.py"


@pytest.mark.parametrize("path", [*xdist_plan.GROUPS, *xdist_plan.SPLIT, *xdist_plan.FIRST])
def test_every_path_the_plan_names_is_there(path: str) -> None:
    found = ROOT / path
    assert found.is_dir() if path.endswith("/") else found.is_file(), path


def test_a_group_folder_is_one_unit_a_split_file_one_per_test_else_a_file() -> None:
    group = "tests/sandbox_network/"
    assert xdist_plan.unit(f"{group}test_profile.py::test_a") == group
    assert xdist_plan.unit(f"{group}x/test_b.py::test_b[1]") == group
    assert xdist_plan.unit(f"{SCALE}::test_s[sqlite]") == f"{SCALE}::test_s[sqlite]"
    assert xdist_plan.unit("tests/test_cli.py::test_c[x::y]") == "tests/test_cli.py"


def test_listed_units_rank_in_their_order_the_rest_after_them() -> None:
    ranks = [
        xdist_plan.rank(nodeid)
        for nodeid in (
            f"{SCALE}::test_s[sqlite]",
            "tests/sandbox_network/test_profile.py::test_a",
            "tests/test_cli.py::test_c",
        )
    ]
    assert ranks == sorted(ranks) and ranks[-1] == len(xdist_plan.FIRST)
    assert xdist_plan.rank("tests/sandbox_network_x/test_x.py::t") == len(xdist_plan.FIRST)


def fake_config(options: dict[str, Any], **attributes: Any) -> pytest.Config:
    """What the scheduler reads of a config: `getvalue(name)` and `option`."""
    return cast(pytest.Config, SimpleNamespace(getvalue=options.get, **attributes))


class Node:
    """A stand-in for xdist's WorkerController: records the test indexes it is sent."""

    def __init__(self, name: str) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.sent: list[int] = []
        self.shutting_down = False

    def send_runtest_some(self, indexes: list[int]) -> None:
        self.sent += indexes

    def shutdown(self) -> None:
        self.shutting_down = True


def test_the_scheduler_keeps_groups_together_splits_split_files_and_starts_first_units() -> None:
    collection = [
        f"{SCALE}::test_s[sqlite]",
        f"{SCALE}::test_s[postgresql]",
        "tests/sandbox_network/test_profile.py::test_a",
        "tests/sandbox_network/test_profile.py::test_b",
        "tests/sandbox_network/test_bulk_time.py::test_c",
        "tests/test_cli.py::test_d",
        "tests/test_cli.py::test_e",
        "tests/test_docs.py::test_f",
    ]
    collection.sort(key=xdist_plan.rank)  # as the workers sort it
    options = {"dist": "loadfile", "tx": ["3*popen"]}
    config = fake_config(options, option=SimpleNamespace(loadscopereorder=True))
    scheduler = xdist_plan.pytest_xdist_make_scheduler(config=config, log=Producer("test"))
    assert scheduler is not None
    nodes = [Node("gw0"), Node("gw1"), Node("gw2")]
    for node in nodes:
        scheduler.add_node(node)
        scheduler.add_node_collection(node, collection)
    scheduler.schedule()
    got = [[collection[i] for i in node.sent] for node in nodes]
    # the scale file's tests first, on two workers; the whole group folder on the third
    assert got[0][0] == f"{SCALE}::test_s[sqlite]"
    assert got[1][0] == f"{SCALE}::test_s[postgresql]"
    assert got[2][:3] == [n for n in collection if n.startswith("tests/sandbox_network/")]
    cli = [n for n in collection if n.startswith("tests/test_cli.py")]
    assert sorted(sum(n in g for n in cli) for g in got) == [0, 0, 2]  # one file, one worker
    assert sorted(sum(got, [])) == sorted(collection)


def test_other_dist_modes_keep_xdist_s_own_scheduler() -> None:
    config = fake_config({"dist": "load"})
    assert xdist_plan.pytest_xdist_make_scheduler(config=config, log=Producer("test")) is None
