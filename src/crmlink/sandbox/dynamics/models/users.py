"""The environment's system users: the admin (password logins) and the application user
(client-credential logins), whose ids own and stamp the records."""

from __future__ import annotations

ADMIN_USER_ID = "3f1b2c4d-0000-4000-8000-000000000001"
APP_USER_ID = "3f1b2c4d-0000-4000-8000-000000000002"
SYSTEM_USERS = (
    (ADMIN_USER_ID, "Sandbox", "Admin"),
    (APP_USER_ID, "# crmlink", "application user"),
)
