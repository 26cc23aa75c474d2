"""A fresh clone is enough: nothing reads files from outside the repository, and the
recorded responses in tests/reference/ are all accounted for in their README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.reference import REFERENCE, reference_path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("src", "tests", "bench", "docs", "examples", ".ci")
SKIPPED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
# Built from two halves so that this file does not match itself.
OUTSIDE_FOLDER = "../" + "shared"
FROM_THIS_FILE = re.compile(
    r"Path\(__file__\)(?:\.resolve\(\)|\.absolute\(\))?"
    r"(?:\.parents\[(?P<index>\d+)\]|(?P<chain>(?:\.parent\b)+))"
)


def _files() -> list[Path]:
    """Every text file under the scanned folders, build and cache folders left out."""
    found = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            relative = path.relative_to(ROOT)
            if any(p in SKIPPED_DIRS or p.endswith(".egg-info") for p in relative.parts):
                continue
            if path.is_file() and b"\0" not in path.read_bytes()[:8192]:
                found.append(path)
    return found


def _levels_up_allowed(relative: Path) -> int:
    """How many folders up a file may climb (`parents[i]` climbs i + 1) and stay inside what
    ships with it: the repository for tests/ and bench/, the `crmlink` package for src/
    (installed, it sits alone in site-packages)."""
    to_root = len(relative.parts)  # tests/x.py: parents[1], two folders up, is the root
    return to_root - 2 if relative.parts[0] == "src" else to_root


def _climbs_out(text: str, relative: Path) -> list[str]:
    """The `Path(__file__)…parents[i]` / `.parent.parent…` in `text` (the file at `relative`)
    that lead outside what ships with the file."""
    allowed = _levels_up_allowed(relative)
    out = []
    for match in FROM_THIS_FILE.finditer(text):
        index = match["index"]
        climbed = int(index) + 1 if index is not None else match["chain"].count(".parent")
        if climbed > allowed:
            line = text.count("\n", 0, match.start()) + 1
            out.append(f"{relative.as_posix()}:{line}: {match[0]} leaves the repository")
    return out


def test_scan_sees_the_reference_helpers():
    """The scans cover the files they are meant to (a typo in SCANNED would pass them)."""
    scanned = {p.relative_to(ROOT).as_posix() for p in _files()}
    assert {"tests/reference.py", "src/crmlink/__init__.py", ".ci/run"} <= scanned


def test_no_file_reads_the_shared_folder_beside_the_repository():
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in _files()
        for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE_FOLDER in line
    ]
    assert not offenders, f"these lines reach {OUTSIDE_FOLDER} outside the repository: {offenders}"


def test_no_module_climbs_out_of_the_repository_from_its_own_path():
    offenders = [
        problem
        for p in _files()
        if p.suffix == ".py"
        for problem in _climbs_out(p.read_text(encoding="utf-8"), p.relative_to(ROOT))
    ]
    assert not offenders, offenders


@pytest.mark.parametrize(
    ("text", "where", "leaves"),
    [
        ("HERE.resolve().parents[1] / 'README.md'", "tests/x.py", False),
        ("HERE.resolve().parents[2] / 'beside-the-repo'", "tests/x.py", True),
        ("HERE.parent.parent", "tests/x.py", False),
        ("HERE.parent.parent.parent", "tests/x.py", True),
        ("HERE.parents[3] / 'examples'", "tests/workflow/crm/x.py", False),
        ("HERE.parent / 'metadata'", "src/crmlink/sandbox/x.py", False),
        ("HERE.parents[1] / 'docs'", "src/crmlink/sandbox/x.py", False),
        ("HERE.parents[2] / 'docs'", "src/crmlink/sandbox/x.py", True),
    ],
)
def test_the_climb_check_tells_inside_from_outside(text, where, leaves):
    """tests/ may climb to the repository root; src/crmlink modules only to the package.
    (HERE stands for the real expression, which would make this very file an offender.)"""
    assert bool(_climbs_out(text.replace("HERE", "Path(__file__)"), Path(where))) is leaves


def _reference_files() -> list[str]:
    return sorted(
        p.relative_to(REFERENCE).as_posix()
        for p in REFERENCE.rglob("*")
        if p.is_file() and p.name != "README.md" and "__pycache__" not in p.parts
    )


def _listed() -> set[str]:
    """The files the README's tables name (first column)."""
    text = (REFERENCE / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| ((?:salesforce|dynamics)/\S+) \|", text, re.MULTILINE))


def test_every_recorded_file_is_listed_with_its_source_in_the_readme():
    files = _reference_files()
    assert files, "tests/reference/ holds no recorded responses"
    unlisted = sorted(set(files) - _listed())
    assert not unlisted, f"tests/reference/README.md does not say where these come from: {unlisted}"


def test_the_readme_lists_no_file_that_is_not_there():
    missing = sorted(_listed() - set(_reference_files()))
    assert not missing, f"tests/reference/README.md lists files that are not there: {missing}"


def test_a_missing_recorded_file_fails_naming_it():
    with pytest.raises(AssertionError, match=r"tests/reference/salesforce/restforce/nope\.json"):
        reference_path("salesforce", "restforce", "nope.json")
