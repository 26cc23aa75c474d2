"""The engine: run a workflow's activities in dependency order, passing populations.

    run_workflow(database, "file.yaml" | "registered-name", {"var": "value"}) -> RunRecord

Each activity runs once its upstream activity has finished and handed it a population
(start activities get None). Its outputs (`ok`, `rejects`, `errors`) go to the activities
its transitions name. Everything is recorded (`crmlink.workflow.records`); reject rows are
kept in `run_rejects`; working tables are dropped when the run succeeds and kept when it
fails, so `run_workflow` on the same workflow resumes it (skipping what succeeded).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from crmlink.connectors.base import Connector
from crmlink.db import Database
from crmlink.errors import RetryableError, UsageError
from crmlink.workflow import preflight, steps, stopping
from crmlink.workflow.activities import build
from crmlink.workflow.base import ERRORS, ActivityResult, Population
from crmlink.workflow.config_base import ActivityConfig
from crmlink.workflow.context import ActivityContext, RunSession
from crmlink.workflow.loader import load_file, load_text
from crmlink.workflow.model import Workflow
from crmlink.workflow.observer import Observer
from crmlink.workflow.records import RunRecord, load_run
from crmlink.workflow.runs import Claim, claim
from crmlink.workflow.tables import workflow_runs, workflows
from crmlink.workflow.variables import substitute

if TYPE_CHECKING:
    from crmlink.config import Settings

MAX_BACKOFF = 60.0


def resolve(database: Database, target: str | Path) -> Workflow:
    """A workflow from a YAML file, else a registered one, else the one of the last run
    by that name (a workflow run from a file: `workflow run NAME` resumes it)."""
    path = Path(target)
    if path.is_file() or path.suffix in (".yaml", ".yml"):
        return load_file(path)
    with database.connect() as conn:
        row = conn.execute(select(workflows).where(workflows.c.name == str(target))).first()
        if row is None:  # run from a file, not registered: the definition of its last run
            runs = workflow_runs.c
            last = select(runs.definition, runs.path, runs.workflow.label("name"))
            last = last.where(runs.workflow == str(target)).order_by(runs.id.desc()).limit(1)
            row = conn.execute(last).first()
    if row is None:
        raise UsageError(
            f"no workflow file or registered workflow named {str(target)!r}: "
            "give a YAML file, or see `crmlink workflow list`",
            workflow=str(target),
        )
    return load_text(row.definition, row.path or row.name)


def run_workflow(  # noqa: PLR0913 - the public entry point: options are keyword-only
    database: Database,
    target: str | Path | Workflow,
    variables: dict[str, str] | None = None,
    *,
    fresh: bool = False,
    observer: Observer | None = None,
    settings: Settings | None = None,
    open_connector: Callable[[str], Connector] | None = None,
    retry_delay: float = 1.0,
    on_claim: Callable[[Claim], None] | None = None,
) -> RunRecord:
    """Run (or resume) a workflow; return its record. A bad file raises a UsageError."""
    workflow = target if isinstance(target, Workflow) else resolve(database, target)
    claimed = claim(database, workflow, dict(variables or {}), fresh)
    if on_claim:
        on_claim(claimed)
    opener = open_connector or _account_opener(database, settings)
    runner = _Runner(database, workflow, claimed, observer or Observer(), opener, retry_delay)
    return runner.run()


def _account_opener(database: Database, settings: Settings | None) -> Callable[[str], Connector]:
    def open_(account: str) -> Connector:
        from crmlink.catalog.accounts import AccountStore
        from crmlink.catalog.secrets import SecretCipher
        from crmlink.config import Settings
        from crmlink.connectors.registry import open_connector

        chosen = settings or Settings.load()
        store = AccountStore(database, SecretCipher(chosen.secret_key))
        return open_connector(store.settings(account))

    return open_


class _Runner:
    def __init__(
        self,
        database: Database,
        workflow: Workflow,
        claimed: Claim,
        observer: Observer,
        opener: Callable[[str], Connector],
        retry_delay: float,
    ) -> None:
        self.workflow, self.claimed, self.retry_delay = workflow, claimed, retry_delay
        with database.connect() as conn:
            run = conn.execute(select(workflow_runs).where(workflow_runs.c.id == claimed.run_id))
            row = run.mappings().one()
        self.variables = steps.loads(row["variables"])
        self.session = RunSession(
            database, workflow.name, claimed.run_id, row["started_at"], observer, opener
        )
        self.outputs: dict[str, dict[str, Population]] = {}
        self.reused: set[str] = set()
        self.previous = steps.previous_activities(self.session.conn, claimed.run_id)
        self.incoming = workflow.incoming()

    def run(self) -> RunRecord:
        session = self.session
        try:
            self._begin()
            preflight.check(self.workflow, self.session, self.variables)
            failed = None
            for position, name in enumerate(self.workflow.order()):
                failed = self._step(position, name)
                if failed:
                    break
            steps.finish(session, self.workflow.name, failed)
        except BaseException as exc:  # Ctrl-C, a bug in the engine: record, then re-raise
            session.rollback()
            steps.interrupt(session, exc)
            steps.finish(session, self.workflow.name, exc)
            raise
        finally:
            session.close()
        with session.database.connect() as conn:
            return load_run(conn, session.run_id)

    def _begin(self) -> None:
        if self.claimed.abandoned:
            steps.drop_tables(self.session.conn, self.claimed.abandoned)
        verb = "resumed" if self.claimed.resumed else "started"
        self.session.log(None, f"run {self.session.run_id} of {self.workflow.name!r} {verb}")
        self.session.commit()

    def _step(self, position: int, name: str) -> BaseException | None:
        """Run one activity; return the exception that stops the run, if any."""
        stopping.check()
        config = self.workflow.activities[name]
        fed, source = self._input(name)
        hash_ = self.workflow.config_hash(name)
        if not fed:
            steps.save(self.session, name, position, config, hash_, status="skipped")
            self.session.commit()
            return None
        if self._reuse(name, hash_):
            return None
        return self._attempts(position, name, config, hash_, source)

    def _input(self, name: str) -> tuple[bool, Population | None]:
        ups = self.incoming[name]
        if not ups:
            return True, None
        upstream, output = ups[0]
        population = self.outputs.get(upstream, {}).get(output)
        return population is not None, population

    def _reuse(self, name: str, hash_: str) -> bool:
        previous = self.previous.get(name)
        upstream_reused = all(up in self.reused for up, _ in self.incoming[name])
        if not (previous and previous["status"] == "succeeded" and upstream_reused):
            return False
        if previous["config_hash"] != hash_:
            return False
        outputs = steps.reflect_outputs(self.session.conn, previous)
        if outputs is None:
            return False
        self.outputs[name], self.reused = outputs, self.reused | {name}
        self.variables.update(steps.loads(previous["variables"]))
        self.session.log(name, f"activity {name!r} succeeded in an earlier attempt: not rerun")
        return True

    def _attempts(
        self,
        position: int,
        name: str,
        config: ActivityConfig,
        hash_: str,
        source: Population | None,
    ) -> BaseException | None:
        session, tries = self.session, config.retries + 1
        steps.save(session, name, position, config, hash_, status="running", started=True)
        session.observer.activity_started(name, config.type)
        session.commit()
        for attempt in range(1, tries + 1):
            try:
                self._attempt(position, name, config, hash_, source, attempt)
                return None
            except Exception as exc:  # noqa: BLE001 - recorded, then handled by on_error
                session.rollback()
                error = exc
                session.log(name, f"attempt {attempt} failed: {steps.describe(exc)}", "error")
                if attempt < tries and not isinstance(exc, UsageError):
                    time.sleep(self._backoff(attempt, exc))
                    continue
                break
        return self._failed(position, name, config, hash_, source, error, attempt)

    def _backoff(self, attempt: int, exc: Exception) -> float:
        delay = min(self.retry_delay * 2 ** (attempt - 1), MAX_BACKOFF)
        if isinstance(exc, RetryableError) and exc.retry_after:
            delay = max(delay, min(exc.retry_after, MAX_BACKOFF))
        return delay

    def _attempt(
        self,
        position: int,
        name: str,
        config: ActivityConfig,
        hash_: str,
        source: Population | None,
        attempt: int,
    ) -> None:
        session = self.session
        ctx = ActivityContext(session, name, dict(self.variables))
        before = session.api_calls()
        activity = build(substitute(config, self.variables, name))
        result: ActivityResult = activity.run(ctx, source)
        spent = session.api_calls() - before
        steps.keep_rejects(session, name, result)
        counts = steps.counts(result, source, spent)
        steps.save(
            session, name, position, config, hash_, status="succeeded", ended=True,
            attempts=attempt, outputs=result.outputs, variables=result.variables, **counts,
        )  # fmt: skip
        session.commit()
        self.outputs[name] = result.outputs
        self.variables.update(result.variables)
        session.observer.activity_finished(steps.record_of(session, name))

    def _failed(
        self,
        position: int,
        name: str,
        config: ActivityConfig,
        hash_: str,
        source: Population | None,
        error: Exception,
        attempt: int,
    ) -> BaseException | None:
        session = self.session
        outputs = {}
        if config.on_error == "continue" and config.errors:
            outputs = {ERRORS: steps.error_population(session, name, source, error)}
        steps.save(
            session, name, position, config, hash_, status="failed", ended=True,
            attempts=attempt, error=steps.describe(error), outputs=outputs,
            rows_in=source.count if source else 0,
        )  # fmt: skip
        session.commit()
        session.observer.activity_finished(steps.record_of(session, name))
        if config.on_error == "continue":
            self.outputs[name] = outputs
            session.log(name, f"activity {name!r} failed; on_error: continue", "warning")
            return None
        return error
