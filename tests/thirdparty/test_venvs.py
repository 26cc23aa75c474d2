"""The venv harness itself: a venv that cannot be built fails in one sentence, builds are
atomic and safe when two builders race, a builder waits for one already building (xdist
workers build a venv once), and the cache key follows the pins."""

from __future__ import annotations

import threading

import pytest

from tests.thirdparty import venvs
from tests.thirdparty.conftest import venv_of


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CRMLINK_TEST_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "venvs"


def test_an_unbuildable_venv_fails_in_one_sentence(cache, monkeypatch):
    monkeypatch.setitem(venvs.TOOLS, "broken", ("crmlink-no-such-package==0.0.1",))
    monkeypatch.setenv("UV_OFFLINE", "1")  # as on a machine without the package index
    with pytest.raises(venvs.VenvUnavailable) as raised:
        venvs.ensure("broken")
    message = str(raised.value)
    assert message.startswith("could not build the broken virtualenv (crmlink-no-such-package")
    assert "\n" not in message
    final = cache / venvs.venv_key("broken")
    assert list(cache.iterdir()) == [venvs.lock_path(final)]  # the half-built folder is gone
    with pytest.raises(pytest.fail.Exception, match="could not build the broken virtualenv"):
        venv_of({"broken": raised.value}, "broken")


def test_racing_builders_end_with_one_complete_venv(cache, monkeypatch):
    monkeypatch.setitem(venvs.TOOLS, "empty", ())
    found: list[venvs.Venv] = []
    threads = [threading.Thread(target=lambda: found.append(venvs.ensure("empty"))) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 2 and found[0].path == found[1].path
    assert sorted(cache.iterdir()) == sorted([found[0].path, venvs.lock_path(found[0].path)])
    assert (found[0].path / venvs.COMPLETE).exists()
    assert found[0].python.exists()


def test_a_builder_waits_for_the_one_building_and_uses_its_venv(cache, monkeypatch):
    monkeypatch.setitem(venvs.TOOLS, "empty", ())
    built: list[str] = []
    monkeypatch.setattr(venvs, "_build", lambda tool, where: built.append(tool))
    final = cache / venvs.venv_key("empty")
    found: list[venvs.Venv] = []
    waiting = threading.Thread(target=lambda: found.append(venvs.ensure("empty")))
    with venvs.build_lock(final):  # another worker is building it
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive(), "ensure() did not wait for the lock"
        final.mkdir()
        (final / venvs.COMPLETE).write_text("")  # the other worker's venv, complete
    waiting.join()
    assert found == [venvs.Venv("empty", final)]
    assert built == []  # found complete once its turn came: not built twice


def test_the_cache_key_follows_the_pins(monkeypatch):
    before = venvs.venv_key("aiosalesforce")
    monkeypatch.setitem(venvs.TOOLS, "aiosalesforce", ("aiosalesforce==0.6.1",))
    assert venvs.venv_key("aiosalesforce") != before
    assert venvs.venv_key("aiosalesforce").startswith("aiosalesforce-")
