"""What the wheel and the sdist carry, read from pyproject.toml and MANIFEST.in (nothing is
built here: `.ci/wheel-smoke` builds and installs the wheel)."""

from __future__ import annotations

import ast
import fnmatch
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Test support (it imports pytest); the wheel ships it, crmlink never imports it at run time.
TEST_ONLY = ROOT / "src" / "crmlink" / "testing"
# Modules that come with a declared dependency rather than being one.
COMES_WITH = {"pydantic_core": "pydantic"}


def _dist_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime_imports() -> dict[str, str]:
    """Third-party top-level modules imported by src/crmlink -> one file importing each."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "src" / "crmlink").rglob("*.py")):
        if TEST_ONLY in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "crmlink" and top not in sys.stdlib_module_names:
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_module_crmlink_imports_at_run_time_is_a_declared_dependency():
    declared = {
        _dist_name(re.match(r"[A-Za-z0-9._-]+", r)[0]) for r in PYPROJECT["project"]["dependencies"]
    }
    providers = packages_distributions()
    missing = {
        module: where
        for module, where in _runtime_imports().items()
        if not {_dist_name(d) for d in providers.get(module, [])} & declared
        and COMES_WITH.get(module) not in declared
    }
    assert not missing, f"imported by src/crmlink but not in [project].dependencies: {missing}"


def test_the_wheel_installs_every_example_and_doc_under_share_crmlink():
    data_files = PYPROJECT["tool"]["setuptools"]["data-files"]
    for folder, pattern in (("examples", "*.yaml"), ("docs", "*.md")):
        shipped = {p for glob in data_files[f"share/crmlink/{folder}"] for p in ROOT.glob(glob)}
        assert set((ROOT / folder).glob(pattern)) <= shipped and shipped, folder


def _in_sdist(relative: str, manifest: list[list[str]]) -> bool:
    """Whether a MANIFEST.in `include` / `recursive-include` line takes the file."""
    for command, *args in manifest:
        if command == "include" and any(fnmatch.fnmatch(relative, a) for a in args):
            return True
        under, patterns = args[0].rstrip("/") + "/", args[1:]
        if (
            command == "recursive-include"
            and relative.startswith(under)
            and any(fnmatch.fnmatch(Path(relative).name, a) for a in patterns)
        ):
            return True
    return False


def test_the_sdist_carries_the_licence_examples_docs_and_recorded_responses():
    manifest = [
        line.split()
        for line in (ROOT / "MANIFEST.in").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    wanted = ["LICENSE", "README.md", "Makefile", ".ci/run", ".ci/wheel-smoke"] + [
        p.relative_to(ROOT).as_posix()
        for folder in ("examples", "docs", "tests/reference")
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    left_out = [name for name in wanted if not _in_sdist(name, manifest)]
    assert not left_out, f"MANIFEST.in leaves these out of the sdist: {left_out}"


def test_the_licence_is_mit_and_ships_with_the_wheel():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Copyright (c) 2026 the crmlink authors" in text
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
