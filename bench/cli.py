"""`python -m bench`: every contestant, interleaved, `--rounds` times, on each profile; a
table on stdout, JSON in bench/results/latest.json and a PNG chart beside it."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import results
from bench.contestants.jobs import Contestant
from bench.contestants.plan import selected
from bench.context import ROOT, Context, Options

RESULTS = ROOT / "bench" / "results"


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    quick = "100,000 rows, one round, loopback only"
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--rows", type=int, help="Salesforce contacts (default 1,000,000)")
    parser.add_argument("--rounds", type=int, help="runs of each contestant (default 3)")
    only = "only the contestants whose scenario/name/db contains this (repeatable)"
    parser.add_argument("--only", action="append", default=[], help=only)
    parser.add_argument("--profile", choices=["loopback", "wan", "both"])
    parser.add_argument("--state-root", type=Path, default=Path("/tmp/crmlink-bench"),
                        help="keeps the seeded orgs between runs")  # fmt: skip
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    limit = "seconds a contestant may run before it is killed and failed (300 quick, else 1800)"
    parser.add_argument("--timeout", type=float, help=limit)
    a = parser.parse_args(argv)
    profile = a.profile or ("loopback" if a.quick else "both")
    return Options(
        rows=a.rows or (100_000 if a.quick else 1_000_000),
        rounds=a.rounds or (1 if a.quick else 3),
        profiles=("loopback", "wan") if profile == "both" else (profile,),
        only=tuple(a.only),
        quick=a.quick,
        timeout=a.timeout or (300 if a.quick else 1800),
        state_root=a.state_root,
        out=a.out,
    )


def _progress(m: results.Measurement) -> None:
    state = "ok" if m.ok else f"FAILED ({m.error or f'{m.rows:,} of {m.expected:,} rows'})"
    print(
        f"  [{m.profile} r{m.round}] {m.scenario} / {m.contestant} [{m.target}]: "
        f"{m.seconds:.2f}s, {m.api_calls} calls, {m.peak_rss_mb:.0f} MB, {state}",
        file=sys.stderr, flush=True,
    )  # fmt: skip


def run_all(
    ctx: Context, contestants: list[Contestant], save: Callable[[list[results.Measurement]], None]
) -> list[results.Measurement]:
    """Profile by profile, round by round, every contestant once a round (interleaved);
    `save` after each, so a long run stopped halfway keeps what it measured."""
    found: list[results.Measurement] = []
    for profile in ctx.options.profiles:
        for round_ in range(1, ctx.options.rounds + 1):
            for contestant in contestants:
                found += _one(ctx, contestant, profile, round_)
                save(found)
    return found


def _one(ctx: Context, c: Contestant, profile: str, round_: int) -> list[results.Measurement]:
    _apply_profile(ctx, profile)
    try:
        measured = c.run(ctx, profile, round_)
    except Exception as exc:  # a contestant that cannot even be set up is a failed run
        measured = [results.Measurement(c.scenario, c.name, c.target, profile, round_, 0, 0,
                                        0.0, 0, 0.0, error=f"set-up: {exc}"[:300])]  # fmt: skip
    for m in measured:
        _progress(m)
    return measured


def _apply_profile(ctx: Context, profile: str) -> None:
    """Every sandbox on the round's profile (one started later gets it at its start)."""
    ctx.profile = profile
    for sandbox in ctx.all_started():
        if not sandbox.healthy():
            print(f"  the {sandbox.crm} sandbox ({sandbox.state_dir.name}) hung: restarted",
                  file=sys.stderr, flush=True)  # fmt: skip
            sandbox.restart()
        sandbox.set_profile(profile)


def chart(json_path: Path, png_path: Path) -> str:
    """The PNG, drawn in the bench's own venv (matplotlib); a sentence if it could not be."""
    try:
        from tests.thirdparty import venvs

        venvs.TOOLS.setdefault("bench_chart", ("matplotlib==3.11.2",))
        python = str(venvs.ensure("bench_chart").python)
    except Exception as exc:
        return f"no chart: the matplotlib venv could not be built ({exc})"
    script = str(ROOT / "bench" / "chart.py")
    done = subprocess.run([python, script, str(json_path), str(png_path)], capture_output=True,
                          text=True)  # fmt: skip
    return f"chart: {png_path}" if done.returncode == 0 else f"no chart: {done.stderr[-300:]}"


def compiled_like_an_install(folder: Path | None = None) -> None:
    """Byte-compile crmlink's sources, as `pip install` of the wheel does: the bench runs
    the editable install in `.venv`, whose modules are compiled on first import and cached
    only when Python may write `__pycache__` (not under PYTHONDONTWRITEBYTECODE, which some
    machines set), so every timed `crmlink` command would pay about 0.15 s of compiling
    that no installed crmlink does. The peers' libraries were compiled by pip already.
    `folder`: another crmlink source tree instead (a baseline)."""
    import compileall

    import crmlink

    compileall.compile_dir(folder or Path(crmlink.__file__).parent, quiet=1)


def host_line(machine: dict[str, object]) -> str:
    """The host in one line: what a reader needs to compare runs of different days."""
    return (
        f"host: {machine['cpu']}, {machine['cpus']} CPUs, Python {machine['python']}, "
        f"loop {machine['loop_ns']} ns a step (compare seconds only at about the same)"
    )


def main(argv: list[str] | None = None) -> None:
    options = parse(argv)
    compiled_like_an_install()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    clock = time.perf_counter()
    contestants = selected(options.only, options.quick)
    if not contestants:
        raise SystemExit(f"no contestant matches {', '.join(options.only)}")

    def save(measured: list[results.Measurement]) -> dict[str, object]:
        doc = results.document(measured, _options_json(options), started)
        doc["seconds"] = round(time.perf_counter() - clock, 1)
        results.write_json(doc, options.out)
        return doc

    with tempfile.TemporaryDirectory(prefix="crmlink-bench-") as work:
        ctx = Context(options, Path(work))
        try:
            measured = run_all(ctx, contestants, save)
        finally:
            ctx.close()
    doc = save(measured)
    print(results.table(results.summarize(measured)))
    for line in results.notes(measured):
        print(f"- {line}")
    print(f"\n{len(measured)} runs in {doc['seconds']:.0f} s; JSON: {options.out}")
    print(host_line(results.machine()))
    print(chart(options.out, options.out.with_suffix(".png")))


def _options_json(options: Options) -> dict[str, object]:
    """The options as JSON; paths inside the repository relative to it (a results file
    names no folder of the machine it was made on)."""
    return json.loads(json.dumps(options.__dict__, default=_json_value))


def _json_value(value: object) -> str:
    if isinstance(value, Path) and value.resolve().is_relative_to(ROOT):
        return value.resolve().relative_to(ROOT).as_posix()
    return str(value)
