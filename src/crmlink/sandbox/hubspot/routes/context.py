"""`SandboxContext`: what the HubSpot routes are handed (no route imports the app)."""

from __future__ import annotations

from dataclasses import dataclass

from crmlink.sandbox.core.clock import SandboxClock
from crmlink.sandbox.hubspot.models.auth import Portal, TokenService
from crmlink.sandbox.hubspot.models.limits import RateLimits
from crmlink.sandbox.hubspot.models.objects import ObjectRegistry
from crmlink.sandbox.hubspot.models.properties import PropertyCatalog
from crmlink.sandbox.hubspot.models.records import RecordStore
from crmlink.sandbox.hubspot.models.schemas import SchemaService
from crmlink.sandbox.hubspot.routes.http import Authorizer


@dataclass(frozen=True)
class SandboxContext:
    records: RecordStore  # every object type's records (the `records` table)
    catalog: PropertyCatalog  # properties and groups by object type
    objects: ObjectRegistry  # `objects.resolve(segment)` -> ObjectType (404 if unknown)
    auth: Authorizer  # `auth.authorize(request)` (or `auth(request)`): 401 unless allowed
    clock: SandboxClock
    limits: RateLimits  # `limits.hit(caller)` per call, `limits.search(request)` (5/s)
    tokens: TokenService  # OAuth: codes, access and refresh tokens
    portal: Portal  # the account and its credentials
    schemas: SchemaService  # custom objects (`/crm/v3/schemas`)
