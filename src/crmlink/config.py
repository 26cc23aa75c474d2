"""Where crmlink keeps its things: the home folder, the database URL and the secret key.

home          --home  >  CRMLINK_HOME  >  ~/.crmlink        (created with mode 0700)
database      CRMLINK_DATABASE_URL  >  sqlite:///<home>/crmlink.db
secret key    CRMLINK_SECRET_KEY (a Fernet key)  >  <home>/secret.key  (created 0600 on
              first use; a key file that others can read is refused)
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from crmlink.errors import UsageError

HOME_ENV = "CRMLINK_HOME"
DATABASE_ENV = "CRMLINK_DATABASE_URL"
SECRET_KEY_ENV = "CRMLINK_SECRET_KEY"
DEFAULT_HOME = "~/.crmlink"
KEY_FILE = "secret.key"
DATABASE_FILE = "crmlink.db"


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    secret_key_env: str | None = None  # CRMLINK_SECRET_KEY, when set

    @classmethod
    def load(cls, home: Path | str | None = None, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings (`home` is `--home`; `env` defaults to os.environ)."""
        env = os.environ if env is None else env
        folder = _home_folder(home or env.get(HOME_ENV) or DEFAULT_HOME)
        url = env.get(DATABASE_ENV) or f"sqlite:///{folder / DATABASE_FILE}"
        return cls(home=folder, database_url=url, secret_key_env=env.get(SECRET_KEY_ENV) or None)

    @property
    def key_file(self) -> Path:
        return self.home / KEY_FILE

    def secret_key(self) -> bytes:
        """The Fernet key: from CRMLINK_SECRET_KEY, else the key file (created if missing)."""
        if self.secret_key_env:
            return _checked_key(self.secret_key_env.encode(), f"{SECRET_KEY_ENV}")
        return load_key_file(self.key_file)


def _home_folder(value: Path | str) -> Path:
    folder = Path(value).expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"the crmlink home {folder} is a file: give a folder with --home")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the crmlink home {folder} ({exc.strerror}): "
            f"give a writable folder with --home or {HOME_ENV}"
        ) from None
    return folder


def load_key_file(path: Path) -> bytes:
    """Read the key file, refusing one that others may read; create it (0600) if missing."""
    if not path.exists():
        return _create_key_file(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise UsageError(
            f"the secret key file {path} is readable by others (mode {mode:04o}): "
            f"run `chmod 600 {path}`"
        )
    return _checked_key(path.read_bytes().strip(), f"the key file {path}")


def _create_key_file(path: Path) -> bytes:
    from cryptography.fernet import Fernet  # here: only commands that use secrets pay for it

    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return load_key_file(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


def _checked_key(key: bytes, origin: str) -> bytes:
    from cryptography.fernet import Fernet

    try:
        Fernet(key)
    except ValueError:
        raise UsageError(
            f'{origin} does not hold a Fernet key: make one with `python -c "from '
            'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`'
        ) from None
    return key
