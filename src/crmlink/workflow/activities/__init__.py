"""The activities a workflow can run: type name → (config class, builder).

    registry()                      the types, built-in ones registered on first use
    register(name, config, build)   add a type (tests register test-only types this way)
    unregister(name)

`query`, `update` and `dedup` are built in; `crm` is registered when its package is
importable. The workflow file's `activities` are validated with a pydantic discriminated
union on `type` built from this registry (`crmlink.workflow.model`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

from crmlink.workflow.base import Activity
from crmlink.workflow.config_base import ActivityConfig


@dataclass(frozen=True)
class ActivityType:
    name: str
    config: type[ActivityConfig]
    build: Callable[[ActivityConfig], Activity]


_REGISTRY: dict[str, ActivityType] = {}
_BROKEN: dict[str, str] = {}  # type name -> why its module did not import
_LOADED = False

C = TypeVar("C", bound=ActivityConfig)


def register(name: str, config: type[C], build: Callable[[C], Activity]) -> None:
    """Add the type `name`; `build` is only ever given configs of class `config`."""
    _REGISTRY[name] = ActivityType(name, config, cast(Callable[[ActivityConfig], Activity], build))


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def registry() -> dict[str, ActivityType]:
    global _LOADED
    if not _LOADED:
        _LOADED = True
        _load_builtin()
    return dict(_REGISTRY)


def _load_builtin() -> None:
    from crmlink.workflow.activities.dedup import DedupConfig, build_dedup
    from crmlink.workflow.activities.query import QueryConfig, build_query
    from crmlink.workflow.activities.update import UpdateConfig, build_update

    register("query", QueryConfig, build_query)
    register("update", UpdateConfig, build_update)
    register("dedup", DedupConfig, build_dedup)
    try:
        from crmlink.workflow.activities.crm import CrmActivityConfig, build_crm_activity
    except ModuleNotFoundError as exc:  # the crm activity is not there yet
        if not (exc.name or "").startswith("crmlink.workflow.activities.crm"):
            raise
    except ImportError as exc:  # the package exists but does not import (yet)
        _BROKEN["crm"] = str(exc)
    else:
        register("crm", CrmActivityConfig, build_crm_activity)


def broken(name: str) -> str | None:
    """Why the activity type `name` is unavailable, when its module failed to import."""
    registry()
    return _BROKEN.get(name)


def build(config: ActivityConfig) -> Activity:
    return registry()[config.type].build(config)
