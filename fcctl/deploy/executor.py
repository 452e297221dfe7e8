"""The executor: applies a Plan through FcClient, concurrently, and reports each function.

Per function, in order: write the function (create or update, with code when it changed) → its
tags (UntagResources, TagResources) → its triggers → wait until FC says the update finished
(``lastUpdateStatus``; see :mod:`fcctl.deploy.waiters`) → alias descriptions (UpdateAlias with
``description`` only) → provision configs (PutProvisionConfig of LATEST and existing aliases). One failed function never hides the
others' results. Progress is reported as :mod:`fcctl.deploy.events` objects; actions are the
:mod:`fcctl.deploy.kinds` enums, dispatched exhaustively (an unknown one raises ``ValueError``).

No poll when the write already answers a settled state: when Create/UpdateFunction's response
carries ``lastUpdateStatus: Successful`` (and, for a custom container, ``state: Active``), deploy
does not call GetFunction. A change that writes no function configuration (tags or triggers
only) polls only when FC was still applying an earlier update.

Convergence rules (a rerun after any failure or a SIGKILL must converge):

* ``FunctionAlreadyExists`` on create (a previous run created it, or a dropped connection hid
  our own success) → observe again, re-plan that function, apply the update if one is needed.
* an "update busy" answer on update (``fcfacts.UPDATE_BUSY_CODES``: 409 ConcurrentUpdateError,
  412 PreconditionFailed) → wait for the running update, then send ours again (bounded by the
  deadline and ``waiters.MAX_CONFLICT_RETRIES``).
* ``TriggerAlreadyExists`` on create → update it instead; ``TriggerNotFound`` on delete → done.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from fcctl import cancel, errors
from fcctl.deploy import planner
from fcctl.deploy.events import (AliasWriting, Failed, FunctionWriting, OnEvent,
                                 ProvisionWriting, Settled, TagsWriting, TriggerWriting, Waiting,
                                 WaitFor)
from fcctl.deploy.kinds import Action, AliasOp, Outcome, ProvisionOp, TriggerOp, unknown
from fcctl.deploy.waiters import (Clock, UpdateFailed, update_settled, update_when_free,
                                  wait_for_update)

DEFAULT_CONCURRENCY = 8

if TYPE_CHECKING:  # pragma: no cover
    from fcctl.cloud.api import FcApi


def needs_wait(written: dict | None, action: planner.FunctionAction) -> bool:
    """Whether deploy must poll GetFunction after the writes of ``action``: not when the
    Create/UpdateFunction response already says settled (raises UpdateFailed when it says
    Failed); when nothing about the function was written (``{}``), only if FC was still applying
    an earlier update (``action.pending``)."""
    if written is None:
        return False
    if not written:
        return action.pending is not None
    return not update_settled(written, action.container)


@dataclass
class FunctionResult:
    """Outcome of one function; ``duration_s`` in seconds; ``error`` is the error's JSON form
    when not ok."""

    name: str
    action: Action
    outcome: Outcome = Outcome.OK
    duration_s: float = 0.0
    error: dict | None = None
    message: str | None = None
    last_update_status: str | None = None
    state: str | None = None
    changes: list[dict] = field(default_factory=list)
    triggers: list[dict] = field(default_factory=list)
    aliases: list[dict] = field(default_factory=list)
    provisions: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    urls: list[dict] = field(default_factory=list)  # HTTP trigger URLs (fcctl.deploy.urls)

    def to_dict(self) -> dict:
        return {
            "functionName": self.name,
            "action": self.action,
            "outcome": self.outcome,
            "durationSeconds": round(self.duration_s, 3),
            "lastUpdateStatus": self.last_update_status,
            "state": self.state,
            "changes": self.changes,
            "triggers": self.triggers,
            "aliases": self.aliases,
            "provisionConfigs": self.provisions,
            "urls": self.urls,
            "warnings": self.warnings,
            "error": self.error,
        }


@dataclass
class ExecOptions:
    """``wait``: wait for lastUpdateStatus; ``timeout_s``: bound on the whole run's waits
    (seconds, ``None`` = none); ``concurrency``: functions applied at once."""

    wait: bool = True
    timeout_s: float | None = 600.0
    concurrency: int = DEFAULT_CONCURRENCY
    clock: Clock = field(default_factory=Clock)
    poll_interval_s: float = 0.5


class Executor:
    """Applies a plan. ``client_for(region)`` returns the FcClient of a region;
    ``packages`` maps function name → CodePackage (or an OSS ``code`` dict);
    ``desired`` maps name → :class:`planner.Desired` (for re-planning after conflicts);
    ``progress(event)`` receives each step as a :mod:`fcctl.deploy.events` event."""

    def __init__(self, client_for: Callable[[str | None], FcApi], packages: dict, desired: dict,
                 options: ExecOptions, progress: OnEvent | None = None) -> None:
        self.client_for = client_for
        self.packages = packages
        self.desired = desired
        self.options = options
        self.progress: OnEvent = progress or (lambda event: None)
        self.deadline = (
            options.clock.now() + options.timeout_s if options.timeout_s is not None else None
        )

    def run(self, plan: planner.Plan) -> list[FunctionResult]:
        """Apply every action; results in plan (spec) order. On Ctrl-C the workers stop at
        their next step and ``KeyboardInterrupt`` propagates (exit 130); a rerun converges."""
        return cancel.map_concurrently(self._apply, plan.functions, self.options.concurrency)

    # --- one function ---------------------------------------------------------------------
    def _apply(self, action: planner.FunctionAction) -> FunctionResult:
        started = time.monotonic()
        result = FunctionResult(
            name=action.name, action=action.action,
            changes=[c.to_dict() for c in action.changes],
            triggers=[t.to_dict() for t in action.triggers],
            aliases=[a.to_dict() for a in action.aliases],
            provisions=[p.to_dict() for p in action.provisions],
            warnings=list(action.warnings),
        )
        if action.action is Action.NOOP and not (action.pending and self.options.wait):
            self.progress(Settled(action.name, Action.NOOP, waited=False, pending=action.pending))
            result.duration_s = time.monotonic() - started
            return result
        client = self.client_for(action.region)
        try:
            cancel.check()
            final = self._write(client, action)
            if self.options.wait and needs_wait(final, action):
                final = self._wait(client, action.name, action.container,
                                   known_pending=bool(final))
            if final is not None:
                result.last_update_status = final.get("lastUpdateStatus")
                result.state = final.get("state")
            self._apply_aliases(client, action)
            result.outcome = Outcome.OK
            self.progress(Settled(action.name, action.action))
        except errors.WaitTimeout as exc:
            result.outcome = Outcome.TIMEOUT
            result.error = exc.to_dict()
            result.message = exc.message
            self.progress(Failed(action.name, Outcome.TIMEOUT, exc.message))
        except UpdateFailed as exc:
            result.outcome = Outcome.FAILED
            result.last_update_status = "Failed"
            result.error = exc.to_dict()
            result.message = str(exc)
            self.progress(Failed(action.name, Outcome.FAILED, str(exc)))
        except errors.FcctlError as exc:
            result.outcome = Outcome.FAILED
            result.error = exc.to_dict()
            result.message = str(exc)
            self.progress(Failed(action.name, Outcome.FAILED, str(exc)))
        result.duration_s = time.monotonic() - started
        return result

    def _code(self, name: str) -> dict | None:
        pkg = self.packages.get(name)
        if pkg is None:
            return None
        return pkg.wire() if hasattr(pkg, "wire") else dict(pkg)

    def _write(self, client: FcApi, action: planner.FunctionAction) -> dict | None:
        """Create or update the function, its tags and its triggers; returns the Function of
        the write's response (``{}`` when nothing about the function was written)."""
        fn: dict | None = None
        if action.action is Action.NOOP:  # unchanged, but FC is still applying an earlier update
            self.progress(Waiting(action.name, WaitFor.EARLIER_UPDATE, action.pending))
            return {}
        if action.action is Action.CREATE:
            body = dict(action.body or {})
            code = self._code(action.name) if action.send_code else None
            if code is not None:
                body["code"] = code
            self.progress(FunctionWriting(action.name, Action.CREATE))
            try:
                fn = client.create_function(body)
            except errors.ApiError as exc:
                if exc.code != "FunctionAlreadyExists":
                    raise
                return self._replan_and_update(client, action)
        elif action.action is Action.UPDATE:
            if action.body is not None or action.send_code:
                fn = self._update(client, action)
        else:
            unknown("plan action", action.action)
        self._apply_tags(client, action, fn)
        self._apply_triggers(client, action)
        return fn if fn is not None else {}

    def _apply_tags(self, client: FcApi, action: planner.FunctionAction, fn: dict | None) -> None:
        """UntagResources for removed keys, then TagResources for new or changed values."""
        if not (action.tags_remove or action.tags_set):
            return
        arn = action.arn or (fn or {}).get("functionArn")
        if not arn:
            arn = (client.get_function(action.name, missing_ok=False) or {}).get("functionArn")
        assert isinstance(arn, str)  # FC's Function always carries its functionArn
        if action.tags_remove:
            self.progress(TagsWriting(action.name, tuple(action.tags_remove), remove=True))
            client.untag_function(arn, list(action.tags_remove), name=action.name)
        if action.tags_set:
            self.progress(TagsWriting(action.name, tuple(k for k, _ in action.tags_set)))
            client.tag_function(arn, dict(action.tags_set), name=action.name)

    def _update(self, client: FcApi, action: planner.FunctionAction) -> dict:
        body = dict(action.body or {})
        if action.send_code:
            code = self._code(action.name)
            if code is not None:
                body["code"] = code
        self.progress(FunctionWriting(action.name, Action.UPDATE,
                                      tuple(sorted(k for k in body if k != "code")),
                                      code="code" in body))
        return update_when_free(
            client, action.name, body,
            on_busy=lambda: self.progress(Waiting(action.name, WaitFor.RUNNING_UPDATE)),
            wait=lambda: self._wait(client, action.name, action.container, quiet=True),
        )

    def _replan_and_update(self, client: FcApi, action: planner.FunctionAction) -> dict | None:
        want = self.desired[action.name]
        live = planner.Live(client.get_function(action.name),
                            tuple(client.list_triggers(action.name)) if want.manage_triggers else ())
        again = planner.plan_function(want, live)
        if again.action is Action.NOOP:
            return live.function or {}
        if again.action is Action.CREATE:  # deleted in between: try once more from scratch
            return self._write(client, again)
        fn = self._update(client, again) if (again.body is not None or again.send_code) else {}
        self._apply_tags(client, again, live.function)
        self._apply_triggers(client, again)
        return fn or {}

    def _apply_triggers(self, client: FcApi, action: planner.FunctionAction) -> None:
        """Deletes first (FC allows one HTTP trigger per qualifier: a renamed one must go before
        its successor is created), then creates and updates."""
        for t in action.triggers:
            if not isinstance(t.action, TriggerOp):
                unknown("trigger action", t.action)
        for t in action.triggers:
            if t.action in (TriggerOp.DELETE, TriggerOp.REPLACE):
                self.progress(TriggerWriting(action.name, t.name, TriggerOp.DELETE))
                try:
                    client.delete_trigger(action.name, t.name)
                except errors.ApiError as exc:
                    if exc.code != "TriggerNotFound":
                        raise
        for t in action.triggers:
            if t.action in (TriggerOp.CREATE, TriggerOp.REPLACE):
                self.progress(TriggerWriting(action.name, t.name, TriggerOp.CREATE))
                assert t.body is not None  # the planner gives every created trigger its body
                try:
                    client.create_trigger(action.name, t.body)
                except errors.ApiError as exc:
                    if exc.code != "TriggerAlreadyExists":
                        raise
                    body = {k: v for k, v in t.body.items()
                            if k not in ("triggerName", "triggerType", "sourceArn")}
                    client.update_trigger(action.name, t.name, body)
            elif t.action is TriggerOp.UPDATE:
                self.progress(TriggerWriting(action.name, t.name, TriggerOp.UPDATE))
                assert t.body is not None  # the planner gives every updated trigger its body
                client.update_trigger(action.name, t.name, t.body)

    def _apply_aliases(self, client: FcApi, action: planner.FunctionAction) -> None:
        """UpdateAlias (description only: the version and weights are `fcctl release`'s), then
        PutProvisionConfig of LATEST and each existing alias. A pending alias is not written."""
        for a in action.aliases:
            if a.action is AliasOp.PENDING:
                continue
            if a.action is AliasOp.UPDATE:
                self.progress(AliasWriting(action.name, a.name))
                assert a.body is not None  # the planner gives every update its body
                client.update_alias(action.name, a.name, {"description": a.body["description"]})
            else:
                unknown("alias action", a.action)
        for p in action.provisions:
            if p.action not in (ProvisionOp.CREATE, ProvisionOp.UPDATE):
                unknown("provision action", p.action)
            assert p.body is not None  # the planner gives every provision action its body
            self.progress(ProvisionWriting(action.name, p.qualifier, p.action,
                                           p.body.get("defaultTarget")))
            client.put_provision_config(action.name, dict(p.body), p.qualifier)

    def _wait(self, client: FcApi, name: str, container: bool, quiet: bool = False,
              known_pending: bool = False) -> dict:
        if not quiet:
            self.progress(Waiting(name, WaitFor.LAST_UPDATE_STATUS))
        return wait_for_update(
            lambda: client.get_function(name),
            name=name, container=container, deadline=self.deadline,
            clock=self.options.clock, interval_s=self.options.poll_interval_s,
            known_pending=known_pending,
        )
