"""Settings: home folder, database URL, the secret key and its file."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet

from crmlink.config import Settings
from crmlink.errors import UsageError


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_home_precedence_flag_then_env_then_default(tmp_path):
    env = {"CRMLINK_HOME": str(tmp_path / "env"), "HOME": str(tmp_path)}
    assert Settings.load(tmp_path / "flag", env=env).home == tmp_path / "flag"
    assert Settings.load(None, env=env).home == tmp_path / "env"


def test_default_home_is_dot_crmlink(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Settings.load(None, env={}).home == tmp_path / ".crmlink"


def test_home_is_created_private(tmp_path):
    home = Settings.load(tmp_path / "new" / "home", env={}).home
    assert home.is_dir() and mode(home) == 0o700


def test_home_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="is a file: give a folder with --home"):
        Settings.load(tmp_path / "file", env={})


def test_database_defaults_to_sqlite_in_home(tmp_path):
    settings = Settings.load(tmp_path, env={})
    assert settings.database_url == f"sqlite:///{tmp_path}/crmlink.db"
    url = "postgresql://u@db/x"
    assert Settings.load(tmp_path, env={"CRMLINK_DATABASE_URL": url}).database_url == url


def test_key_file_is_created_0600_on_first_use_only(tmp_path):
    settings = Settings.load(tmp_path, env={})
    assert not settings.key_file.exists()
    key = settings.secret_key()
    assert mode(settings.key_file) == 0o600
    assert settings.secret_key() == key  # read back, not regenerated
    Fernet(key)


@pytest.mark.parametrize("bits", [0o640, 0o604, 0o644])
def test_key_file_readable_by_others_is_refused(tmp_path, bits):
    settings = Settings.load(tmp_path, env={})
    settings.secret_key()
    settings.key_file.chmod(bits)
    with pytest.raises(UsageError) as caught:
        settings.secret_key()
    assert caught.value.message == (
        f"the secret key file {settings.key_file} is readable by others (mode {bits:04o}): "
        f"run `chmod 600 {settings.key_file}`"
    )


def test_key_from_environment_wins_and_writes_no_file(tmp_path):
    key = Fernet.generate_key().decode()
    settings = Settings.load(tmp_path, env={"CRMLINK_SECRET_KEY": key})
    assert settings.secret_key() == key.encode()
    assert not settings.key_file.exists()


def test_bad_key_in_environment_is_refused(tmp_path):
    settings = Settings.load(tmp_path, env={"CRMLINK_SECRET_KEY": "not-a-key"})
    with pytest.raises(UsageError, match="CRMLINK_SECRET_KEY does not hold a Fernet key"):
        settings.secret_key()
