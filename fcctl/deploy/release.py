"""``fcctl release``: publish a version from LATEST and move an alias to it — at once, as a
canary (``additionalVersionWeight``), or in steps probed between them with automatic rollback.

Phases, each a FC call sequence visible through the API only (works the same on FC and on the
emulator):

1. **settle** — wait until LATEST's ``lastUpdateStatus`` is not InProgress (a version published
   during an update would freeze a half-applied configuration); Failed → exit 1.
2. **compare** — GetFunction of LATEST vs GetFunction ``qualifier=<alias's version>``: the fields
   fcctl manages (``deploy.fields.live_comparable``; the rollout marker ignored) and
   ``codeChecksum``. Nothing differs → nothing is published (FC versions are immutable; an
   empty one would only add noise), exit 0.
3. **publish** — PublishFunctionVersion with a description naming the previous version
   (``fcfacts.RELEASE_PREVIOUS_MARK``): that is where ``--rollback`` finds "previous", since FC
   keeps no alias history.
4. **move** — UpdateAlias (CreateAlias when missing). ``--canary P``: ``versionId`` stays the old
   version, ``additionalVersionWeight = {new: P/100}``. ``--steps``: each step is a canary weight,
   probed (``--probe-count`` invocations through the alias) before the next; 100 = promote.
5. **ready** — when the alias has a provision config, wait until its ``current`` reaches
   ``target``/``defaultTarget`` and report how long that took.

A failing probe (``X-Fc-Error-Type`` or non-2xx) of the new version over ``--max-error-rate``
rolls the alias back to the old version (weights cleared), exit 1, naming each failing response.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from fcctl import errors, fcfacts
from fcctl.deploy.kinds import Outcome
from fcctl.deploy.waiters import Clock, wait_for_update

if TYPE_CHECKING:  # pragma: no cover
    from fcctl.cloud.api import FcApi


@dataclass
class ReleaseResult:
    name: str
    alias: str
    action: str = "release"
    outcome: Outcome = Outcome.OK
    previous_version: str | None = None
    new_version: str | None = None
    published: bool = False
    alias_after: dict | None = None
    differences: list[str] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    provision_ready_s: float | None = None
    message: str | None = None
    error: dict | None = None
    interrupted: bool = False
    exit_override: int | None = None  # rollout --alias refusing LATEST's differences: 2
    rollout_id: str | None = None
    instances_before: list[str] = field(default_factory=list)
    drained: list[str] = field(default_factory=list)
    still_active: dict[str, str] = field(default_factory=dict)

    def document(self) -> dict:
        doc = self._document()
        if self.action == "rollout":
            doc.update({"command": "rollout", "rolloutId": self.rollout_id,
                        "instancesBefore": self.instances_before,
                        "drainedInstances": self.drained,
                        "stillActiveInstances": sorted(self.still_active),
                        "stillActiveStatus": self.still_active})
        return doc

    def _document(self) -> dict:
        return {
            "command": "release", "ok": self.outcome is Outcome.OK,
            "functionName": self.name, "aliasName": self.alias, "action": self.action,
            "outcome": self.outcome, "published": self.published,
            "previousVersion": self.previous_version, "newVersion": self.new_version,
            "alias": self.alias_after, "differences": self.differences, "steps": self.steps,
            "failedProbes": self.failures,
            "provisionReadySeconds": None if self.provision_ready_s is None
            else round(self.provision_ready_s, 3),
            "interrupted": self.interrupted, "message": self.message, "error": self.error,
        }

    def exit_code(self) -> int:
        if self.exit_override is not None:
            return self.exit_override
        if self.interrupted:
            return errors.EXIT_INTERRUPTED
        if self.outcome is Outcome.FAILED:
            return errors.EXIT_FAILED
        if self.outcome is Outcome.TIMEOUT:
            return errors.EXIT_TIMEOUT
        return errors.EXIT_OK


def parse_steps(text: str) -> list[int]:
    """``"10,50,100"`` → ``[10, 50, 100]``: increasing percentages 1..100 ending at 100."""
    try:
        steps = [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise errors.UsageError(f"--steps {text}: give percentages such as 10,50,100") from None
    if not steps or steps[-1] != 100 or any(not 0 < s <= 100 for s in steps) or \
            any(a >= b for a, b in zip(steps, steps[1:])) or any(not p.strip() for p in
                                                                  text.split(",")):
        raise errors.UsageError(f"--steps {text}: increasing percentages in 1..100, ending at 100")
    if len(steps) < 2:
        raise errors.UsageError(
            f"--steps {text}: give at least one probed step below 100 (e.g. 10,100); to move the "
            "alias at once, release without --steps")
    return steps


def git_sha() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def differences(latest: dict, version: dict) -> list[str]:
    """Field paths where LATEST's configuration differs from a version's (managed fields and
    ``codeChecksum``; the rollout marker ignored)."""
    from fcctl.deploy.fields import live_comparable

    a, b = live_comparable(latest), live_comparable(version)
    out = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    if latest.get("codeChecksum") != version.get("codeChecksum"):
        out.append("codeChecksum")
    return out


def previous_of(description: str | None) -> str | None:
    """The previous version recorded in a version's description by fcctl release."""
    mark = fcfacts.RELEASE_PREVIOUS_MARK
    text = description or ""
    if mark not in text:
        return None
    rest = text.split(mark, 1)[1].strip().split()
    return rest[0].rstrip(";,") if rest and rest[0].rstrip(";,").isdigit() else None


def _same_as_newest(client: FcApi, name: str, latest: dict, old: str | None) -> str | None:
    """The newest published version when LATEST does not differ from it (and it is not the
    alias's own): releasing again after ``--rollback`` moves the alias back to it instead of
    publishing an identical version."""
    ids = [int(v) for v in _version_ids(client, name) if v.isdigit()]
    if not ids or str(max(ids)) == old:
        return None
    newest = str(max(ids))
    have = client.get_function(name, qualifier=newest)
    return newest if have and not differences(latest, have) else None


def _version_ids(client: FcApi, name: str) -> dict[str, dict]:
    return {str(v.get("versionId")): v for v in client.list_versions(name)}


def run_release(
    client: FcApi, name: str, alias: str, *,
    canary: int | None = None, steps: list[int] | None = None, interval_s: float = 0.0,
    probe_count: int = 5, payload: bytes = b"", max_error_rate: float = 0.0,
    promote: bool = False, rollback: bool = False, description: str | None = None,
    timeout_s: float = 600.0, clock: Clock | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> ReleaseResult:
    """One release of ``name`` through ``alias``; FC-side failures are in the result."""
    clock = clock or Clock()
    deadline = clock.now() + timeout_s
    result = ReleaseResult(name=name, alias=alias)
    try:
        current = client.get_alias(name, alias)
        if rollback or promote:
            result.action = "rollback" if rollback else "promote"
            if current is None:
                raise errors.OperationFailed(f"alias {alias} of function {name} does not exist",
                                             hint="run fcctl release without --promote/--rollback")
            (_rollback if rollback else _promote)(client, name, alias, current, result, progress)
            _wait_provision(client, name, alias, result, deadline, clock, progress)
            return result
        fn = client.get_function(name, missing_ok=False)
        assert fn is not None
        if fn.get("lastUpdateStatus") == fcfacts.UPDATE_IN_PROGRESS:
            progress(f"{name}: LATEST is InProgress; waiting before publishing")
        fn = wait_for_update(lambda: client.get_function(name), name=name,
                             container=fn.get("runtime") == fcfacts.CONTAINER_RUNTIME,
                             deadline=deadline, clock=clock)
        old = str(current["versionId"]) if current else None
        result.previous_version = old
        if current and current.get("additionalVersionWeight"):
            raise errors.OperationFailed(
                f"alias {alias} has a canary running "
                f"(additionalVersionWeight {current['additionalVersionWeight']})",
                hint="finish it with --promote or --rollback first")
        if old is not None:
            have = client.get_function(name, qualifier=old)
            result.differences = differences(fn, have or {})
            if not result.differences:
                result.action, result.message = "noop", (
                    f"LATEST does not differ from version {old} of alias {alias}: "
                    f"nothing published")
                result.alias_after = current
                progress(f"{name}: {result.message}")
                return result
        reuse = _same_as_newest(client, name, fn, old)
        if reuse is not None:  # e.g. a release after --rollback: that version exists already
            new = result.new_version = reuse
            progress(f"{name}: LATEST is version {new} already (published before): no new "
                     f"version")
        else:
            sha = git_sha()
            desc = description or ("fcctl release" + (f" git {sha}" if sha else "")
                                   + (f"; {fcfacts.RELEASE_PREVIOUS_MARK} {old}" if old else ""))
            new = str(client.publish_version(name, desc)["versionId"])
            result.published, result.new_version = True, new
            progress(f"{name}: published version {new}")
        if current is None:
            result.action = "release"
            result.alias_after = client.create_alias(name, {"aliasName": alias, "versionId": new})
            progress(f"{name}: created alias {alias} → version {new}")
        elif canary is not None and canary < 100:
            result.action = "canary"
            result.alias_after = _weights(client, name, alias, old, new, canary, current)
            progress(f"{name}: alias {alias}: {canary}% to version {new}, rest on {old}")
        elif steps:
            result.action = "steps"
            _walk(client, name, alias, old, new, steps, interval_s, probe_count, payload,
                  max_error_rate, result, clock, progress)
        else:
            result.action = "release"
            result.alias_after = _move(
                client, name, alias, {"versionId": new, "additionalVersionWeight": {}}, current)
            progress(f"{name}: alias {alias} → version {new}")
        if result.outcome is Outcome.OK:
            try:
                _wait_provision(client, name, alias, result, deadline, clock, progress)
            except errors.OperationFailed as exc:
                if old is None or old == new or result.action == "canary":
                    raise
                # the new version cannot keep the alias's minimum instances: the alias goes
                # back to the old version, whose instances FC keeps until the new ones run
                result.alias_after = client.update_alias(
                    name, alias, {"versionId": old, "additionalVersionWeight": {}})
                progress(f"{name}: alias {alias} rolled back to version {old}")
                raise errors.OperationFailed(
                    f"{exc.message}; alias {alias} rolled back to version {old} (version {new} "
                    f"stays published)", hint=exc.hint) from None
    except errors.WaitTimeout as exc:
        result.outcome, result.message, result.error = Outcome.TIMEOUT, exc.message, exc.to_dict()
    except errors.FcctlError as exc:
        result.outcome, result.message, result.error = Outcome.FAILED, str(exc), exc.to_dict()
    return result


def _weights(client, name, alias, old, new, percent, expect: dict | None = None) -> dict:
    return _move(client, name, alias, {"versionId": old,
                                       "additionalVersionWeight": {new: percent / 100}}, expect)


def _shape(doc: dict | None) -> tuple[str, dict[str, float]]:
    doc = doc or {}
    return (str(doc.get("versionId")),
            {str(k): round(float(v), 6) for k, v in (doc.get("additionalVersionWeight") or {}).items()})


def _move(client, name, alias, body: dict, expect: dict | None) -> dict:
    """UpdateAlias, after checking that the alias is still as this release left it
    (``expect``): FC's UpdateAlias has no precondition, so two releases at once would otherwise
    both report success while only the last one is live (policy
    ``fcfacts.RELEASE_ALIAS_GUARD``)."""
    if expect is not None:
        now = client.get_alias(name, alias)
        if _shape(now) != _shape(expect):
            version, weights = _shape(now)
            raise errors.OperationFailed(
                f"alias {alias} changed while this release ran (now version {version}"
                + (f", weights {weights}" if weights else "") + "): another release or a person "
                "moved it; this release changed nothing more",
                hint=f"look at the alias (fcctl get {name}) and release again")
    return client.update_alias(name, alias, body)


def _walk(client, name, alias, old, new, steps, interval_s, probe_count, payload,
          max_error_rate, result: ReleaseResult, clock: Clock, progress) -> None:
    expect: dict | None = {"versionId": old, "additionalVersionWeight": {}}
    try:
        for pct in steps:
            if pct == 100:
                result.alias_after = _move(
                    client, name, alias, {"versionId": new, "additionalVersionWeight": {}}, expect)
                result.steps.append({"percent": 100, "status": "promoted"})
                progress(f"{name}: alias {alias} → version {new} (100%)")
                return
            result.alias_after = expect = _weights(client, name, alias, old, new, pct, expect)
            progress(f"{name}: step {pct}% to version {new}")
            if interval_s:
                clock.sleep(interval_s)
            # at pct %, reaching probe_count probes of the new version takes ~100/pct tries each
            attempts = min(fcfacts.RELEASE_MAX_PROBE_ATTEMPTS,
                           probe_count * 3 * max(1, -(-100 // pct)))
            counted, failed, sent = _probe(client, name, alias, new, probe_count, payload,
                                           attempts)
            rate = (len(failed) / counted) if counted else 0.0
            result.steps.append({"percent": pct, "probes": sent, "countedForNew": counted,
                                 "failed": len(failed), "errorRate": round(rate, 4)})
            unverified = counted == 0
            if unverified or (failed and rate > max_error_rate):
                result.failures = failed
                result.alias_after = _move(
                    client, name, alias, {"versionId": old, "additionalVersionWeight": {}}, expect)
                result.steps[-1]["status"] = "rolledBack"
                result.outcome = Outcome.FAILED
                named = "; ".join(f"request {f['requestId']}: {f['errorType']}" for f in failed)
                if unverified:
                    result.message = (f"step {pct}%: none of {sent} probe(s) reached version "
                                      f"{new}, so it is unverified. Alias {alias} rolled back to "
                                      f"version {old}")
                else:
                    result.message = (f"step {pct}%: {len(failed)} of {counted} probe(s) of "
                                      f"version {new} failed (error rate {rate:.0%} > "
                                      f"{max_error_rate:.0%}): {named}. Alias {alias} rolled "
                                      f"back to version {old}")
                progress(f"{name}: {result.message}")
                return
            result.steps[-1]["status"] = "ok"
    except KeyboardInterrupt:
        # Defined state on Ctrl-C: the canary is withdrawn, the alias serves the old version only.
        result.alias_after = client.update_alias(
            name, alias, {"versionId": old, "additionalVersionWeight": {}})
        result.interrupted, result.outcome = True, Outcome.FAILED
        result.message = (f"interrupted: alias {alias} set back to version {old} (no weights); "
                          f"version {new} stays published")


def _probe(client, name, alias, new, count, payload,
           attempts: int | None = None) -> tuple[int, list[dict], int]:
    """Invoke through the alias until ``count`` probes reached the new version (at most
    ``attempts`` invocations) → ``(counted, failed, sent)``. A probe counts for the new version
    when FC's ``X-Fc-Invocation-Service-Version`` names it, or when the header is absent (policy
    ``fcfacts.RELEASE_PROBE_ATTRIBUTION``)."""
    counted, failed, sent = 0, [], 0
    while counted < count and sent < (attempts or count):
        sent += 1
        inv = client.invoke_function(name, payload, qualifier=alias)
        served = inv.headers.get(fcfacts.INVOKE_VERSION_HEADER)
        if served is not None and str(served) != new:
            continue
        counted += 1
        if inv.error_type or not 200 <= inv.status < 300:
            failed.append({"requestId": inv.request_id, "status": inv.status,
                           "errorType": inv.error_type or f"HTTP {inv.status}",
                           "version": served})
    return counted, failed, sent


def _promote(client, name, alias, current, result: ReleaseResult, progress) -> None:
    weights = current.get("additionalVersionWeight") or {}
    result.previous_version = str(current["versionId"])
    if not weights:
        result.alias_after = current
        result.message = f"alias {alias} has no canary running: nothing to promote"
        return
    new = max(weights, key=lambda v: weights[v])
    if new not in _version_ids(client, name):
        raise errors.OperationFailed(f"canary version {new} of alias {alias} no longer exists",
                                     hint="run fcctl release --rollback")
    result.new_version = new
    result.alias_after = client.update_alias(name, alias,
                                             {"versionId": new, "additionalVersionWeight": {}})
    progress(f"{name}: alias {alias} → version {new} (promoted)")


def _rollback(client, name, alias, current, result: ReleaseResult, progress) -> None:
    main = str(current["versionId"])
    weights = current.get("additionalVersionWeight") or {}
    versions = _version_ids(client, name)
    if weights:  # a canary runs: previous = the alias's main version
        target = main
        result.previous_version = next(iter(weights))
    else:
        doc = versions.get(main)
        recorded = previous_of(doc.get("description") if doc else None)
        result.previous_version = main
        if recorded is None:
            raise errors.OperationFailed(
                f"alias {alias} → version {main}: no previous version recorded (fcctl release "
                f"writes '{fcfacts.RELEASE_PREVIOUS_MARK} N' in the version's description)",
                hint=f"point the alias yourself: fcctl release is not the one that published "
                     f"version {main}")
        target = recorded
    if target not in versions:
        raise errors.OperationFailed(
            f"rollback target version {target} of function {name} does not exist (deleted?); "
            f"alias {alias} left on version {main}")
    result.new_version = target
    result.alias_after = client.update_alias(name, alias,
                                             {"versionId": target, "additionalVersionWeight": {}})
    progress(f"{name}: alias {alias} → version {target} (rolled back)")


def _wait_provision(client, name, alias, result: ReleaseResult, deadline, clock: Clock,
                    progress) -> None:
    """When the alias has minimum instances, wait until ``current`` reaches the target."""
    started = clock.now()
    while True:
        cfg = client.get_provision_config(name, alias) or {}
        target = cfg.get("target", cfg.get("defaultTarget")) or 0
        if not target:
            return
        if cfg.get("currentError"):  # FC could not start them (a failing Initializer...)
            raise errors.OperationFailed(
                f"alias {alias}: minimum instances {cfg.get('current') or 0}/{target} ready; FC "
                f"reports: {cfg['currentError']}",
                hint=f"see the Initializer's log: fcctl logs {name} --hooks")
        if (cfg.get("current") or 0) >= target:
            result.provision_ready_s = clock.now() - started
            progress(f"{name}: {target} minimum instance(s) of alias {alias} ready in "
                     f"{result.provision_ready_s:.1f}s")
            return
        if clock.now() >= deadline:
            raise errors.WaitTimeout(
                f"alias {alias}: minimum instances {cfg.get('current') or 0}/{target} ready at "
                f"--timeout", pending=[name])
        clock.sleep(1.0)


def rollout_alias(
    client: FcApi, name: str, alias: str, *, steps: list[int] | None = None,
    interval_s: float = 0.0, probe_count: int = 5, payload: bytes = b"",
    max_error_rate: float = 0.0, timeout_s: float = 600.0, clock: Clock | None = None,
    poll_interval_s: float = 0.5, progress: Callable[[str], None] = lambda line: None,
) -> ReleaseResult:
    """``fcctl rollout NAME --alias ALIAS``: replace every instance serving the alias (minimum
    instances included) without releasing anything else of LATEST.

    1. LATEST must not differ from the alias's version except in the rollout marker, else refuse
       (exit 2, the differences listed) — a rollout never ships unreleased changes;
    2. record the alias's active instances (ListInstances qualifier=alias and =old version);
    3. set the rollout marker on LATEST (UpdateFunction, as plain rollout does) and wait;
    4. publish a version (configuration = the alias's version + the new marker);
    5. move the alias, in ``steps`` when asked (probed, rolled back on failure);
    6. wait for the alias's minimum instances (provision config ``current`` ≥ target), then
       until none of the recorded instances is active (FC runs PreStop before destroying each).
    """
    from fcctl.deploy.rollout import is_active, list_qualifier, new_rollout_id

    clock = clock or Clock()
    deadline = clock.now() + timeout_s
    result = ReleaseResult(name=name, alias=alias, action="rollout",
                           rollout_id=new_rollout_id())
    try:
        current = client.get_alias(name, alias)
        if current is None:
            raise errors.OperationFailed(f"alias {alias} of function {name} does not exist")
        old = str(current["versionId"])
        result.previous_version = old
        if current.get("additionalVersionWeight"):
            # refused before any write, like LATEST's differences below: exit 2
            result.outcome, result.exit_override = Outcome.FAILED, errors.EXIT_USAGE
            result.message = (f"alias {alias} has a canary running (additionalVersionWeight "
                              f"{current['additionalVersionWeight']}): finish it with fcctl "
                              f"release {name} --alias {alias} --promote or --rollback first; "
                              f"nothing was changed")
            result.alias_after = current
            return result
        fn = client.get_function(name, missing_ok=False)
        assert fn is not None
        container = fn.get("runtime") == fcfacts.CONTAINER_RUNTIME
        fn = wait_for_update(lambda: client.get_function(name), name=name, container=container,
                             deadline=deadline, clock=clock, interval_s=poll_interval_s)
        have = client.get_function(name, qualifier=old)
        if have is None:
            raise errors.OperationFailed(f"version {old} of alias {alias} does not exist")
        result.differences = differences(fn, have)
        if result.differences:
            result.outcome, result.exit_override = Outcome.FAILED, errors.EXIT_USAGE
            result.message = (f"LATEST differs from version {old} of alias {alias} in "
                              f"{', '.join(result.differences)}: a rollout would release them. "
                              f"Release them with fcctl release, or deploy the spec of version "
                              f"{old} first; nothing was changed")
            return result

        seen: dict[str, dict] = {}
        for q in (alias, old):
            for inst in list_qualifier(client, name, q, []):
                iid = inst.get("instanceId")
                if iid and is_active(inst) and str(inst.get("versionId") or old) == old:
                    seen.setdefault(str(iid), inst)
        result.instances_before = sorted(i for i in seen if i)
        progress(f"{name}: alias {alias} → version {old}: {len(result.instances_before)} "
                 f"active instance(s)")

        env = dict(fn.get("environmentVariables") or {})
        env[fcfacts.ROLLOUT_ENV] = result.rollout_id
        client.update_function(name, {"environmentVariables": env})
        wait_for_update(lambda: client.get_function(name), name=name, container=container,
                        deadline=deadline, clock=clock, interval_s=poll_interval_s,
                        known_pending=True)
        new = str(client.publish_version(
            name, f"fcctl rollout {result.rollout_id}; {fcfacts.RELEASE_PREVIOUS_MARK} {old}"
        )["versionId"])
        result.published, result.new_version = True, new
        progress(f"{name}: published version {new} (rollout marker only)")
        if steps:
            _walk(client, name, alias, old, new, steps, interval_s, probe_count, payload,
                  max_error_rate, result, clock, progress)
            if result.outcome is not Outcome.OK:
                return result
        else:
            result.alias_after = client.update_alias(
                name, alias, {"versionId": new, "additionalVersionWeight": {}})
            progress(f"{name}: alias {alias} → version {new}")
        _wait_provision(client, name, alias, result, deadline, clock, progress)

        old_ids = set(result.instances_before)
        delay = poll_interval_s
        while old_ids:
            alive: dict[str, str] = {}
            for q in (alias, old):
                for inst in list_qualifier(client, name, q, []):
                    if inst.get("instanceId") in old_ids and is_active(inst):
                        alive[inst["instanceId"]] = str(inst.get("status") or "")
            result.drained = [i for i in result.instances_before if i not in alive]
            if not alive:
                break
            if clock.now() >= deadline:
                result.still_active = dict(sorted(alive.items()))
                result.outcome = Outcome.TIMEOUT
                result.message = (f"{len(alive)} instance(s) of version {old} still active at "
                                  f"--timeout: " + ", ".join(f"{i} ({s or 'no status'})"
                                                             for i, s in alive.items()))
                return result
            clock.sleep(min(delay, max(0.0, deadline - clock.now())))
            delay = min(delay * 1.5, 1.0)
        progress(f"{name}: {len(result.drained)} instance(s) of version {old} gone")
    except errors.WaitTimeout as exc:
        result.outcome, result.message, result.error = Outcome.TIMEOUT, exc.message, exc.to_dict()
    except errors.FcctlError as exc:
        result.outcome, result.message, result.error = Outcome.FAILED, str(exc), exc.to_dict()
    return result
