"""The workflow file's model: pydantic, with a discriminated union of activity types.

    name: contacts-from-salesforce        # letters, digits, - and _
    schedule: "*/15 * * * *"              # optional, cron (checked with croniter)
    variables: {since: "2024-01-01"}      # optional, str -> str
    activities:                           # ordered: name -> an activity's config
      import: {type: crm, …, next: [save]}
      save: {type: update, …}

`Workflow` is the checked result: the header, the activities in file order, and the graph
(transitions name existing activities, no cycles, at most one way into an activity).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, create_model, field_validator

from crmlink.workflow.activities import registry
from crmlink.workflow.base import ERRORS, OK, REJECTS
from crmlink.workflow.config_base import ActivityConfig

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,62}$"
TRANSITIONS = {"next": OK, "rejects": REJECTS, "errors": ERRORS}  # YAML key -> output


def _type_of(value: Any) -> str | None:
    if isinstance(value, dict):
        kind = value.get("type")
        return kind if isinstance(kind, str) else None
    return getattr(value, "type", None)


class _Header(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    description: str | None = None
    schedule: str | None = None
    variables: dict[str, str] = Field(default_factory=dict)

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        from croniter import croniter

        if value is not None and not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a cron schedule (e.g. '*/15 * * * *')")
        return value

    @field_validator("variables", mode="before")
    @classmethod
    def _stringify(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v if isinstance(v, str) or v is None else str(v) for k, v in value.items()}
        return value


class WorkflowFile(Protocol):
    """A validated instance of `file_model()` (its fields, which pydantic builds at run
    time from the activity registry)."""

    name: str
    description: str | None
    schedule: str | None
    variables: dict[str, str]
    activities: dict[str, ActivityConfig]


def file_model() -> type[BaseModel]:
    """The pydantic model of a whole file, built from the activity registry."""
    choices = tuple(Annotated[t.config, Tag(name)] for name, t in sorted(registry().items()))
    # a Union of the registered configs, built at run time: no static type can name it
    activity = Annotated[Union[choices], Discriminator(_type_of)]  # type: ignore[valid-type]  # noqa: UP007
    return create_model(
        "WorkflowFile",
        __base__=_Header,
        activities=(dict[Annotated[str, Field(pattern=NAME_PATTERN)], activity], ...),
    )


@dataclass
class Workflow:
    name: str
    activities: dict[str, ActivityConfig]  # in file order
    schedule: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    path: str | None = None
    text: str = ""

    def incoming(self) -> dict[str, list[tuple[str, str]]]:
        """activity -> [(upstream activity, output)] feeding it."""
        into: dict[str, list[tuple[str, str]]] = {name: [] for name in self.activities}
        for name, config in self.activities.items():
            for key, output in TRANSITIONS.items():
                for target in getattr(config, key):
                    into.setdefault(target, []).append((name, output))
        return into

    def starts(self) -> list[str]:
        return [name for name, ups in self.incoming().items() if not ups]

    def order(self) -> list[str]:
        """Activities in dependency order (file order among those ready together)."""
        into = self.incoming()
        done: set[str] = set()
        order: list[str] = []
        while len(order) < len(self.activities):
            ready = [
                n for n in self.activities if n not in done and all(up in done for up, _ in into[n])
            ]
            if not ready:
                raise ValueError("the transitions form a cycle")
            order.append(ready[0])
            done.add(ready[0])
        return order

    def config_hash(self, name: str) -> str:
        dumped = self.activities[name].model_dump(mode="json")
        text = json.dumps(dumped, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def next_due(self, after: dt.datetime) -> dt.datetime | None:
        from croniter import croniter

        if not self.schedule:
            return None
        return croniter(self.schedule, after).get_next(dt.datetime)
