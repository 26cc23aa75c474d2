"""The benchmark's rendering and planning on made-up results (no sandbox, no timing): the
bench stays importable, its summary takes the median and min of the rounds, a contestant
that lost rows is reported failed, and the floor is the slower of its two halves."""

from __future__ import annotations

import json
from pathlib import Path

from bench import results
from bench.cli import compiled_like_an_install, host_line, parse
from bench.contestants.plan import selected
from bench.results import Measurement


def run(contestant: str, seconds: float, **changes: object) -> Measurement:
    fields: dict = dict(scenario="sf import", contestant=contestant, target="sqlite",
                        profile="loopback", round=1, expected=1000, rows=1000, seconds=seconds,
                        api_calls=7, peak_rss_mb=50.0)  # fmt: skip
    return Measurement(**{**fields, **changes})


def by_name(summaries: list[results.Summary]) -> dict[str, results.Summary]:
    return {s.contestant: s for s in summaries}


def test_summary_takes_the_median_and_the_min_of_the_rounds():
    rounds = [run("crmlink", s, round=i) for i, s in enumerate((4.0, 1.0, 2.0), 1)]
    (summary,) = results.summarize(rounds)
    assert (summary.median_s, summary.min_s, summary.runs) == (2.0, 1.0, 3)
    assert summary.rows_per_s == 500.0
    assert summary.status == "ok"


def test_a_contestant_that_lost_rows_is_failed_not_fast():
    lossy = run("peer", 0.1, rows=999)
    summary = by_name(results.summarize([lossy]))["peer"]
    assert summary.status == "FAILED 1/1"
    assert summary.errors == ["999 rows, expected 1,000"]
    assert "FAILED 1/1" in results.table([summary])


def test_the_floor_is_the_slower_of_download_and_insert():
    download = run("floor: download only", 3.0, target="-")
    insert = run("floor: insert only", 2.0)
    floor = by_name(results.summarize([download, insert]))["floor (max of the two)"]
    assert (floor.median_s, floor.target) == (3.0, "sqlite")


def test_the_table_has_a_header_a_rule_and_one_line_per_summary():
    summaries = results.summarize([run("crmlink", 1.0), run("peer", 2.0)])
    lines = results.table(summaries).splitlines()
    assert len(lines) == 2 + len(summaries)
    assert lines[0].startswith("| scenario") and set(lines[1]) <= {"|", "-", " "}
    assert "1,000" in lines[2]


def test_the_json_document_holds_the_summary_and_every_run(tmp_path):
    doc = results.document([run("crmlink", 1.0), run("crmlink", 3.0, round=2)], {"rows": 1000},
                           "2026-12-01T00:00:00+00:00")  # fmt: skip
    path = tmp_path / "out" / "latest.json"
    results.write_json(doc, path)
    loaded = json.loads(path.read_text())
    assert [r["round"] for r in loaded["runs"]] == [1, 2]
    assert loaded["summary"][0]["median_s"] == 2.0
    assert loaded["machine"]["cpus"] >= 1


def test_quick_is_small_one_round_loopback_and_only_filters():
    options = parse(["--quick", "--only", "dv export"])
    assert (options.rows, options.rounds, options.profiles) == (100_000, 1, ("loopback",))
    assert parse([]).profiles == ("loopback", "wan")
    chosen = selected(options.only)
    assert chosen and {c.scenario for c in chosen} == {"dv export"}


def test_quick_leaves_the_slow_tools_out_unless_named():
    names = {c.name for c in selected((), quick=True)}
    assert "crmlink" in names and not any("airbyte" in n for n in names)
    assert {c.name for c in selected(("airbyte",), quick=True)} == {"airbyte-source-salesforce"}
    assert any("airbyte" in c.name for c in selected(()))


def test_notes_list_each_reported_plan_once():
    plan = "bulk2: 1,000 rows"
    runs = [run("crmlink", 1.0, note=plan), run("crmlink", 2.0, round=2, note=plan), run("x", 1)]
    assert results.notes(runs) == [f"sf import / crmlink [sqlite, loopback]: {plan}"]


def test_a_results_file_names_no_folder_of_the_machine():
    from bench.cli import _json_value
    from bench.context import ROOT

    assert _json_value(ROOT / "bench" / "results" / "latest.json") == "bench/results/latest.json"
    assert _json_value(Path("/elsewhere/x.json")) == "/elsewhere/x.json"


def test_the_sources_are_byte_compiled_as_an_install_would_have_them(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "mod.py").write_text("VALUE = 1\n")
    compiled_like_an_install(package)
    assert list((package / "sub" / "__pycache__").glob("mod.*.pyc"))
    assert list((package / "__pycache__").glob("__init__.*.pyc"))


def test_the_host_is_named_with_its_loop_time_for_comparing_runs():
    machine = results.machine()
    assert machine["loop_ns"] > 0 and machine["cpu"]
    line = host_line(machine)
    assert f"loop {machine['loop_ns']} ns" in line and f"{machine['cpus']} CPUs" in line
