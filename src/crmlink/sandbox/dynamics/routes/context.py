"""`SandboxContext`: what the Dynamics routes are handed (no route imports the app)."""

from __future__ import annotations

from dataclasses import dataclass

from crmlink.sandbox.dynamics.models.auth.tokens import TokenService
from crmlink.sandbox.dynamics.routes.service import DynamicsService


@dataclass(frozen=True)
class SandboxContext:
    service: DynamicsService  # the Web API over the org's tables
    tokens: TokenService  # Azure AD: tokens issued and checked
