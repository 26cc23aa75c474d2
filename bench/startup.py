"""The start-up cost of the `crmlink` command: wall time of whole subprocesses (median and
min of N interleaved runs), their CPU time (median) and the modules that cost the most to
import.

    .venv/bin/python -m bench.startup                 # 5 runs of each command
    git archive COMMIT src | tar -x -C "$OLD"          # an older crmlink to compare with
    .venv/bin/python -m bench.startup --runs 9 --baseline "$OLD/src"

Commands measured:
- `python -c pass` and `python -c "import typer"`: the interpreter and the CLI framework,
  the floor no `crmlink` command goes under;
- `crmlink --help`;
- `crmlink workflow run` of a one-`query` workflow on an empty SQLite database (no CRM);
- `crmlink workflow run` of a one-activity Salesforce import (Contact) from a sandbox holding
  10 records (the sandbox is its own subprocess; set-up is untimed).

`--baseline SRC` runs every crmlink command a second time with `PYTHONPATH=SRC` (e.g. the
`src/` of `git archive` of an older commit), interleaved, so the ratio comes from one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.cli import compiled_like_an_install
from bench.sandboxes import Sandbox

CRMLINK = [str(Path(sys.executable).with_name("crmlink"))]  # the console script users run
QUERY_WORKFLOW = """name: startup-query
activities:
  select:
    type: query
    table: recipient
"""
IMPORT_WORKFLOW = """name: startup-import
activities:
  read:
    type: crm
    operation: import
    account: sfdc
    object: Contact
    fields: [FirstName, LastName, Email]
"""


@dataclass
class Command:
    name: str
    argv: list[str]
    env: dict[str, str]
    times: list[float] = field(default_factory=list)  # wall seconds
    cpu: list[float] = field(default_factory=list)  # user + system: steadier on a busy machine


def _env(home: Path, pythonpath: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRMLINK_", "PYTHON"))}
    env["CRMLINK_HOME"] = str(home)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(
    argv: Sequence[str], env: dict[str, str], importtime: bool = False
) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds and stderr of one run of `argv`."""
    if importtime:
        env = {**env, "PYTHONPROFILEIMPORTTIME": "1"}
    cpu, started = _children_cpu(), time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    seconds, cpu = time.perf_counter() - started, _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return seconds, cpu, done.stderr


def _crmlink_cmd(home: Path, *args: str) -> None:
    _run([*CRMLINK, *args], _env(home))


def _commands(work: Path, sandbox: Sandbox, baseline: str | None) -> list[Command]:
    home = work / "home"
    query, sf_import = work / "query.yaml", work / "import.yaml"
    query.write_text(QUERY_WORKFLOW)
    sf_import.write_text(IMPORT_WORKFLOW)
    _crmlink_cmd(home, "account", "add", "sfdc", "--from-sandbox", str(sandbox.state_dir))
    py = sys.executable
    commands = [
        Command("python -c pass", [py, "-c", "pass"], _env(home)),
        Command("python -c 'import typer'", [py, "-c", "import typer"], _env(home)),
    ]
    crmlink = {
        "crmlink --help": ["--help"],
        "workflow run (query, SQLite)": ["workflow", "run", str(query), "--json"],
        "workflow run (sf import, 10 rows)": ["workflow", "run", str(sf_import), "--json"],
    }
    for label, args in crmlink.items():
        commands.append(Command(label, [*CRMLINK, *args], _env(home)))
        if baseline:
            commands.append(Command(f"{label} [baseline]", [*CRMLINK, *args], _env(home, baseline)))
    for command in commands:  # a warm-up: page cache, .pyc files, the database migrated
        _run(command.argv, command.env)
    return commands


def _imports(stderr: str) -> tuple[float, dict[str, float]]:
    """Total import milliseconds and the self time per top-level package, from -X importtime."""
    per_package: dict[str, float] = defaultdict(float)
    total = 0.0
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        package = name.strip().split(".")[0]
        per_package[package] += int(own) / 1000
        if name.startswith(" ") and not name[1:].startswith(" "):  # a top-level import
            total += int(cumulative) / 1000
    return total, per_package


def _report(commands: list[Command], runs: int, top: int) -> None:
    width = max(len(c.name) for c in commands)
    print(f"\nwhole subprocesses, {runs} interleaved runs each; imports: one -X importtime run")
    print(f"{'command'.ljust(width)}  median s  min s  cpu s  imports ms  top imports (self ms)")
    for command in commands:
        *_, stderr = _run(command.argv, command.env, importtime=True)
        total, packages = _imports(stderr)
        biggest = sorted(packages.items(), key=lambda item: -item[1])[:top]
        shown = ", ".join(f"{name} {ms:.0f}" for name, ms in biggest)
        median, least = statistics.median(command.times), min(command.times)
        cpu = statistics.median(command.cpu)
        print(
            f"{command.name.ljust(width)}  {median:8.3f}  {least:5.3f}  {cpu:5.3f}  "
            f"{total:10.0f}  {shown}"
        )
    by_name = {c.name: c for c in commands}
    for now in commands:
        before = by_name.get(f"{now.name} [baseline]")
        if before is not None:
            ratios = (
                statistics.median(before.times) / statistics.median(now.times),
                min(before.times) / min(now.times),
                statistics.median(before.cpu) / statistics.median(now.cpu),
            )
            shown = ", ".join(
                f"{r:.2f}x {w}" for r, w in zip(ratios, ("median", "min", "cpu"), strict=True)
            )
            print(f"baseline / now, {now.name}: {shown}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of every command (default 5)")
    parser.add_argument("--top", type=int, default=6, help="packages listed per command")
    parser.add_argument("--baseline", help="a crmlink src/ folder to compare with (PYTHONPATH)")
    options = parser.parse_args(argv)
    compiled_like_an_install()
    if options.baseline:
        compiled_like_an_install(Path(options.baseline))
    with tempfile.TemporaryDirectory(prefix="crmlink-startup-") as folder:
        work = Path(folder)
        sandbox = Sandbox("salesforce", work / "sf", records=10).start()
        try:
            commands = _commands(work, sandbox, options.baseline)
            for _ in range(options.runs):
                for command in commands:
                    seconds, cpu, _ = _run(command.argv, command.env)
                    command.times.append(seconds)
                    command.cpu.append(cpu)
            _report(commands, options.runs, options.top)
        finally:
            sandbox.stop()


if __name__ == "__main__":
    main()
