"""The planner: desired spec + observed live state → a Plan of frozen actions. Pure: no client,
clock, environment or file access. The field rules live in :mod:`fcctl.deploy.fields`.

Policies:

* A function in the spec and not on FC → ``create``; on both and different → ``update`` with
  field-level changes; identical → ``noop`` (no write call). Functions on FC that the spec does not
  name are left alone (fcctl never deletes functions).
* Code: a local directory is compared by CRC-64 checksum against the live ``codeChecksum``; OSS
  code (``{ossBucketName, ossObjectName}``) is sent at creation only, since FC does not report
  the object it was loaded from.
* A function FC is still applying (``lastUpdateStatus`` InProgress, or a custom container still
  ``Pending``) carries ``pending``: an unchanged one is still a ``noop`` (no write), but deploy
  waits for it and reports how it ended, so a rerun after ``--no-wait``, a timeout or a SIGKILL
  never says "ok" over an update that then fails.
* A function whose ``lastUpdateStatus`` is ``Failed`` is planned as an update that re-sends
  every field the spec sets (a rerun retries; it never reports "no changes" over a failure).
* Triggers are matched by ``triggerName``: missing → create, different → update, on FC but not in
  the spec → delete; a changed ``triggerType`` → delete and create (FC cannot change a type).
  A changed ``sourceArn`` is a replace too (UpdateTriggerInput has no such field).
  ``triggerConfig`` is compared as a whole: a key on FC that the spec no longer sets is a
  change (it is cleared), except empty/false values, taken as FC's defaults.
* The spec is the whole truth (:mod:`fcctl.deploy.fields`): a field FC has and the spec does not
  set is ``cleared`` (sent as its explicit empty, since FC keeps omitted fields and merges nested
  objects key by key); scalars FC defaults keep their live value and the plan says so (``kept``).
* Aliases and minimum instances (``aliases:``, ``provisionConfig:``): an alias of the spec on FC
  whose ``description`` differs → ``update`` (UpdateAlias with the description only); one not on
  FC → ``pending`` ("created by ``fcctl release NAME --alias A``"; a note that keeps no plan
  dirty: deploy cannot create an alias without a version and never publishes). A provision
  config (LATEST from the function's ``provisionConfig``, an existing alias from its entry)
  is compared on the fields the spec sets only (FC answers ``current``, ``functionArn``,
  ``target`` and defaults too) → ``create``/``update`` (PutProvisionConfig). Like a function,
  an alias or a provision config the spec does not name is left alone: removing
  ``provisionConfig`` from the spec never deletes FC's (write ``defaultTarget: 0``, or use
  ``fcctl delete``).
* Tags are managed on every function: TagResources for new or changed values, UntagResources for
  keys the spec no longer has (system tags excepted). A tags-only change is an ``update`` with no
  UpdateFunction body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fcctl import fcfacts
from fcctl.deploy import fields as F
from fcctl.deploy.kinds import Action, AliasOp, ProvisionOp, TriggerOp


@dataclass(frozen=True)
class FieldChange:
    """One field difference. ``live``/``desired`` are already masked for display."""

    path: str
    live: Any
    desired: Any
    cleared: bool = False

    def to_dict(self) -> dict:
        out = {"path": self.path, "live": self.live, "desired": self.desired,
               "cleared": self.cleared}
        if self.live is not None and self.live == self.desired:
            out["sensitive"] = True  # both sides masked: a sensitive value changed
        return out


@dataclass(frozen=True)
class TriggerAction:
    """``action``: what to do (:class:`TriggerOp`); ``body`` the API body (``triggerConfig`` as a
    mapping) for create/update/replace."""

    name: str
    action: TriggerOp
    changes: tuple[FieldChange, ...] = ()
    body: dict | None = None

    def to_dict(self) -> dict:
        return {"triggerName": self.name, "action": self.action,
                "changes": [c.to_dict() for c in self.changes]}


@dataclass(frozen=True)
class AliasAction:
    """One alias of the spec: ``UPDATE`` (``body`` the UpdateAlias body: description only) or
    ``PENDING`` (not on FC; ``provision`` says whether a provisionConfig waits for it)."""

    name: str
    action: AliasOp
    changes: tuple[FieldChange, ...] = ()
    body: dict | None = None
    provision: bool = False
    function: str = "FUNCTION"

    @property
    def note(self) -> str | None:
        if self.action is not AliasOp.PENDING:
            return None
        return (f"pending — created by `fcctl release {self.function} --alias {self.name}`"
                + ("; its provisionConfig is applied by the first deploy after that"
                   if self.provision else ""))

    def to_dict(self) -> dict:
        return {"aliasName": self.name, "action": self.action,
                "changes": [c.to_dict() for c in self.changes], "note": self.note}


@dataclass(frozen=True)
class ProvisionAction:
    """PutProvisionConfig of ``qualifier`` (LATEST or an alias) with ``body``."""

    qualifier: str
    action: ProvisionOp
    changes: tuple[FieldChange, ...] = ()
    body: dict | None = None

    def to_dict(self) -> dict:
        return {"qualifier": self.qualifier, "action": self.action,
                "changes": [c.to_dict() for c in self.changes]}


@dataclass(frozen=True)
class FunctionAction:
    """What to do with one function.

    ``action``: :class:`Action` (create, update, noop). ``body``: the Create/UpdateFunction body
    without ``code`` (``None`` for noop, or for an update that only touches triggers).
    ``send_code``: attach the code package. ``warnings``: differences fcctl will not apply.
    ``kept``: ``(path, live)`` of fields the spec leaves to FC (FC keeps a removed field).
    ``tags_set`` / ``tags_remove``: TagResources / UntagResources of an existing function
    (``arn``).
    """

    name: str
    region: str | None
    action: Action
    changes: tuple[FieldChange, ...] = ()
    body: dict | None = None
    send_code: bool = False
    triggers: tuple[TriggerAction, ...] = ()
    warnings: tuple[str, ...] = ()
    container: bool = False
    pending: str | None = None
    kept: tuple[tuple[str, Any], ...] = ()
    tags_set: tuple[tuple[str, str], ...] = ()
    tags_remove: tuple[str, ...] = ()
    arn: str | None = None
    aliases: tuple[AliasAction, ...] = ()
    provisions: tuple[ProvisionAction, ...] = ()

    @property
    def writes(self) -> bool:
        return self.action is not Action.NOOP

    def to_dict(self) -> dict:
        return {
            "functionName": self.name,
            "region": self.region,
            "action": self.action,
            "changes": [c.to_dict() for c in self.changes],
            "triggers": [t.to_dict() for t in self.triggers],
            "warnings": list(self.warnings),
            "pending": self.pending,
            "kept": [{"path": p, "live": v} for p, v in self.kept],
            "aliases": [a.to_dict() for a in self.aliases],
            "provisionConfigs": [p.to_dict() for p in self.provisions],
        }


@dataclass(frozen=True)
class Plan:
    functions: tuple[FunctionAction, ...]

    @property
    def has_changes(self) -> bool:
        return any(f.writes for f in self.functions)

    def counts(self) -> dict[str, int]:
        out = {a.value: 0 for a in Action}
        for f in self.functions:
            out[f.action.value] += 1
        return out


@dataclass(frozen=True)
class Desired:
    """A function as the spec wants it. ``body``: ``FunctionSpec.api_fields()``;
    ``code_checksum``: CRC-64 of the local code zip (``None`` for OSS or no code);
    ``oss_code``: the OSS code location if any; ``triggers``: ``TriggerSpec.api_fields()`` list."""

    name: str
    region: str | None
    body: dict
    code_checksum: str | None = None
    oss_code: dict | None = None
    triggers: tuple[dict, ...] = ()
    manage_triggers: bool = True
    aliases: tuple[dict, ...] = ()  # {aliasName, description?, provisionConfig?} as the spec sets
    provision: dict | None = None  # LATEST's PutProvisionConfig body; None: not managed


@dataclass(frozen=True)
class Live:
    """A function as FC has it: ``function`` (GetFunction dict, ``None`` if absent) and its
    ``triggers`` (ListTriggers dicts)."""

    function: dict | None
    triggers: tuple[dict, ...] = field(default_factory=tuple)
    aliases: tuple[dict, ...] = field(default_factory=tuple)  # ListAliases
    provisions: dict = field(default_factory=dict)  # qualifier → GetProvisionConfig ({}: none)


def _shown_live(path: str, live: Any, cleared: bool) -> Any:
    """The live value a change shows. A removed environment variable's value is never shown:
    the spec that marked it sensitive (``x-fcctl-sensitive``) is usually edited in the same
    change, so fcctl can no longer know whether it was a secret (docs/fc-facts.md, "Secrets and
    output")."""
    if cleared and path.startswith("environmentVariables.") and live not in (None, ""):
        return fcfacts.REMOVED_VALUE_HIDDEN
    return F.mask(path, live)


def plan_function(want: Desired, have: Live) -> FunctionAction:
    """Plan one function (see the module docstring for the policies)."""
    container = want.body.get("runtime") == "custom-container"
    if have.function is None:
        body = F.create_body(want.body)
        trig = tuple(
            TriggerAction(name=t["triggerName"], action=TriggerOp.CREATE, body=t)
            for t in want.triggers
        )
        changes = tuple(
            FieldChange(p, None, F.mask(p, v)) for p, v in _flatten(F.desired_comparable(want.body))
            if v not in (None, "", [], {}) or p.startswith("environmentVariables.")
        )
        aliases, provisions = plan_aliases(want, have)
        return FunctionAction(
            name=want.name, region=want.region, action=Action.CREATE, changes=changes, body=body,
            send_code=want.code_checksum is not None or want.oss_code is not None,
            triggers=trig, container=container, aliases=aliases, provisions=provisions,
        )

    live = have.function
    fd = F.function_diff(want.body, live)
    field_changes = [FieldChange(p, _shown_live(p, a, cleared), F.mask(p, b), cleared)
               for p, a, b, cleared in fd.changes]
    tops = fd.tops
    tags_set, tags_remove, tag_raw = F.tag_changes(want.body, live)
    field_changes += [FieldChange(p, a, b, cleared) for p, a, b, cleared in tag_raw]
    send_code = False
    if want.code_checksum is not None and str(live.get("codeChecksum") or "") != want.code_checksum:
        send_code = True
        field_changes.append(FieldChange("code.checksum", live.get("codeChecksum"), want.code_checksum))
    warnings = []
    ratio_warning = _cpu_memory_warning(want.body, live)
    if ratio_warning:
        warnings.append(ratio_warning)
    live_container = live.get("runtime") == "custom-container"
    if "runtime" in want.body and container != live_container:
        warnings.append(
            "FC cannot switch a function between custom-container and code runtimes in place: "
            "delete the function, then deploy to create it anew")
    if live.get("lastUpdateStatus") == "Failed":
        # FC shows the failed configuration as current: re-send every field the spec sets, so a
        # rerun retries the update instead of reporting "no changes" over a Failed function.
        field_changes.append(FieldChange("lastUpdateStatus", "Failed", "Successful"))
        tops = tops | (set(want.body) & fcfacts.UPDATABLE_FIELDS) | {"instanceLifecycleConfig",
                                                                      "environmentVariables"}
    body = F.update_body(want.body, live, tops) if tops else {}
    trig = plan_triggers(want.triggers, have.triggers) if want.manage_triggers else ()
    aliases, provisions = plan_aliases(want, have)
    alias_writes = any(a.action is not AliasOp.PENDING for a in aliases)
    writes = body or send_code or trig or tags_set or tags_remove or alias_writes or provisions
    action = Action.UPDATE if writes else Action.NOOP
    kept = tuple((p, F.mask(p, v)) for p, v in fd.kept)
    return FunctionAction(
        name=want.name, region=want.region, action=action, changes=tuple(field_changes),
        body=body if (body or send_code) else None, send_code=send_code, triggers=trig,
        warnings=tuple(warnings), container=container, pending=_pending(live, container),
        kept=kept, tags_set=tuple(sorted(tags_set.items())), tags_remove=tuple(tags_remove),
        arn=live.get("functionArn"), aliases=aliases, provisions=provisions,
    )


def _cpu_memory_warning(body: dict, live: dict) -> str | None:
    """FC checks vCPU : memory (GB) within 1:1..1:4 (``fcfacts.CPU_MEMORY_RATIO``) against the
    function's *resulting* config: a new memorySize with the live cpu can fail at deploy."""
    from fcctl import fcfacts

    if "memorySize" not in body or "cpu" in body or "gpuConfig" in body or live.get("gpuConfig"):
        return None
    cpu, mem = live.get("cpu"), body.get("memorySize")
    if not isinstance(cpu, (int, float)) or not isinstance(mem, (int, float)) or cpu <= 0:
        return None
    lo, hi = fcfacts.CPU_MEMORY_RATIO
    per_cpu = (mem / 1024) / cpu
    if lo <= per_cpu <= hi:
        return None
    return (f"memorySize {mem} MB with FC's current cpu {cpu} vCPU is outside the 1:1-1:4 "
            "vCPU:GB ratio FC enforces; set cpu in the spec too")


def _pending(live: dict, container: bool) -> str | None:
    """What FC is still applying (the last update InProgress, or a container still Pending)."""
    if live.get("lastUpdateStatus") == "InProgress":
        return "lastUpdateStatus InProgress"
    if container and live.get("state") == "Pending":
        return "state Pending"
    return None


def plan_triggers(desired: tuple[dict, ...], live: tuple[dict, ...]) -> tuple[TriggerAction, ...]:
    """Trigger actions matching by ``triggerName`` (create, update, replace, delete)."""
    live_by = {t.get("triggerName"): t for t in live}
    out: list[TriggerAction] = []
    for want in desired:
        name = want["triggerName"]
        have = live_by.pop(name, None)
        if have is None:
            out.append(TriggerAction(name=name, action=TriggerOp.CREATE, body=want))
            continue
        # FC cannot change these on UpdateTrigger: delete and create again
        fixed = [k for k in ("triggerType", "sourceArn")
                 if want.get(k) and want.get(k) != have.get(k)]
        if fixed:
            out.append(TriggerAction(
                name=name, action=TriggerOp.REPLACE, body=want,
                changes=tuple(FieldChange(k, have.get(k), want.get(k)) for k in fixed),
            ))
            continue
        comparable_have = dict(have)
        comparable_have["triggerConfig"] = _parse_config(have.get("triggerConfig"))
        want_cmp = {k: v for k, v in want.items() if k not in ("triggerName", "triggerType")}
        raw = F.diff(want_cmp, comparable_have)
        # triggerConfig is replaced whole: a key removed from the spec (say authType) must show
        # and be cleared, not silently stay on FC. Unverified: FC may fill non-empty defaults.
        raw += F.dropped_keys(want.get("triggerConfig") or {},
                              comparable_have.get("triggerConfig") or {}, "triggerConfig")
        if raw:
            prefixed = tuple(FieldChange(p, a, b) for p, a, b in raw)
            update = {k: v for k, v in want.items() if k not in ("triggerName", "triggerType",
                                                                   "sourceArn")}
            out.append(TriggerAction(name=name, action=TriggerOp.UPDATE, changes=prefixed,
                                     body=update))
    for name in sorted(n for n in live_by if n):
        out.append(TriggerAction(name=name, action=TriggerOp.DELETE))
    return tuple(out)


def plan_aliases(want: Desired, have: Live
                 ) -> tuple[tuple[AliasAction, ...], tuple[ProvisionAction, ...]]:
    """Alias and provision-config actions (see the module docstring)."""
    live_by = {a.get("aliasName"): a for a in have.aliases}
    aliases: list[AliasAction] = []
    provisions: list[ProvisionAction] = []
    if want.provision is not None:
        p = plan_provision(fcfacts.LATEST_QUALIFIER, want.provision,
                           have.provisions.get(fcfacts.LATEST_QUALIFIER) or {})
        if p is not None:
            provisions.append(p)
    for a in want.aliases:
        name = a["aliasName"]
        live = live_by.get(name) if have.function is not None else None
        if live is None:
            aliases.append(AliasAction(name, AliasOp.PENDING, function=want.name,
                                       provision=a.get("provisionConfig") is not None))
            continue
        if "description" in a and (live.get("description") or "") != (a["description"] or ""):
            aliases.append(AliasAction(
                name, AliasOp.UPDATE, body={"description": a["description"]},
                changes=(FieldChange("description", live.get("description"), a["description"]),)))
        if a.get("provisionConfig") is not None:
            p = plan_provision(name, a["provisionConfig"], have.provisions.get(name) or {})
            if p is not None:
                provisions.append(p)
    return tuple(aliases), tuple(provisions)


def provision_comparable(want: dict, have: dict) -> dict:
    """FC's answer cut down to what the spec sets: ``defaultTarget`` (or the deprecated
    ``target`` of an older answer), and in each list item only the keys the spec's item sets
    (FC adds ``current``, ``functionArn``, ``target`` and defaults)."""
    out: dict = {}
    for key, value in want.items():
        hv = have.get(key)
        if key == "defaultTarget" and hv is None:
            hv = have.get("target")
        if isinstance(value, list) and isinstance(hv, list) and len(hv) == len(value):
            hv = [{k: h.get(k) for k in w} if isinstance(w, dict) and isinstance(h, dict) else h
                  for w, h in zip(value, hv)]
        out[key] = hv
    return out


def plan_provision(qualifier: str, want: dict, have: dict) -> ProvisionAction | None:
    """PutProvisionConfig of ``qualifier`` when FC has none, or differs on a field the spec
    sets; ``None`` when equal."""
    if not have:
        return ProvisionAction(qualifier, ProvisionOp.CREATE, body=dict(want), changes=tuple(
            FieldChange(k, None, v) for k, v in want.items()))
    cmp = provision_comparable(want, have)
    changes = tuple(FieldChange(k, cmp.get(k), v) for k, v in want.items() if cmp.get(k) != v)
    if not changes:
        return None
    return ProvisionAction(qualifier, ProvisionOp.UPDATE, body=dict(want), changes=changes)


def plan(desired: list[Desired], live: dict[str, Live]) -> Plan:
    """A plan for every desired function, in spec order. ``live`` maps name → :class:`Live`."""
    return Plan(tuple(plan_function(d, live.get(d.name, Live(None))) for d in desired))


def _parse_config(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _flatten(d: dict, prefix: str = ""):
    for k, v in d.items():
        p = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict) and v and p != "tags":
            yield from _flatten(v, p)
        else:
            yield p, v
