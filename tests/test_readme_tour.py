"""The README's shell blocks run, in order, as a user would type them.

Every ```` ```sh ```` block of README.md is run, top to bottom, in one bash session
(`set -euo pipefail`: the first failing command fails the test) from the repository's
root, with the virtualenv's `crmlink` on PATH and nothing else prepared: the tour starts
its own sandboxes, creates its own accounts and runs the examples. Blocks that need a
real org or are the set-up commands themselves are fenced ```` ```sh norun ````.
So the README cannot rot: a renamed flag, a missing account, an example that no longer
chains fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```\s*$", re.M | re.S)


def shell_blocks(text: str) -> list[str]:
    """The bodies of the ```sh blocks, in order, without the `norun` ones."""
    blocks = []
    for match in FENCE.finditer(text):
        words = match["info"].split()
        if words[:1] == ["sh"] and "norun" not in words:
            blocks.append(match["body"])
    return blocks


def test_the_fence_parser_sees_norun_and_other_languages():
    text = "```sh\necho a\n```\n```sh norun\nmake demo\n```\n```yaml\nx: 1\n```\n"
    assert shell_blocks(text) == ["echo a\n"]


def test_the_readme_has_a_tour():
    blocks = shell_blocks(README.read_text(encoding="utf-8"))
    commands = "\n".join(blocks)
    for step in ("sandbox salesforce", "account add", "wizard", "enum sync", "workflow run"):
        assert f"crmlink {step}" in commands


@pytest.mark.slow
def test_the_readme_tour_runs_as_typed(tmp_path):
    script = "\n".join(shell_blocks(README.read_text(encoding="utf-8")))
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMLINK_")}
    env |= {
        "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        "HOME": str(tmp_path / "user"),  # the tour must not need (or touch) ~/.crmlink
        "TMPDIR": str(tmp_path),
        "NO_COLOR": "1",
    }
    (tmp_path / "user").mkdir()
    prologue = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\nset -x\n"
    done = subprocess.run(
        ["bash", "-c", prologue + script],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    shown = f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-6000:]}"
    assert done.returncode == 0, shown
    assert "Traceback" not in done.stdout + done.stderr, shown
    assert not (tmp_path / "user" / ".crmlink").exists(), "the tour wrote to ~/.crmlink"
