"""What every request of `crmlink web` reaches: the settings, the database, the stores."""

from __future__ import annotations

from dataclasses import dataclass, field

from crmlink.catalog.accounts import AccountStore
from crmlink.catalog.secrets import SecretCipher
from crmlink.catalog.users import UserStore
from crmlink.config import Settings
from crmlink.db import Database
from crmlink.web.security import RateLimit, SessionStore


@dataclass
class WebState:
    """One console: its campaign database and whether it is served over TLS."""

    settings: Settings
    database: Database
    tls: bool = False
    sessions: SessionStore = field(init=False)
    sign_ins: RateLimit = field(default_factory=RateLimit)

    def __post_init__(self) -> None:
        self.sessions = SessionStore(self.database)

    def accounts(self) -> AccountStore:
        return AccountStore(self.database, SecretCipher(self.settings.secret_key))

    def users(self) -> UserStore:
        return UserStore(self.database)
