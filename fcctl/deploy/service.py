"""The orchestrator of ``plan`` and ``deploy``. Only this module knows the order of the stages:

1. **load** — ``fcctl.spec.load_spec`` (all problems at once; exit 2 before any API call);
2. **package** — zip each distinct local code directory once (shared by the functions that use
   it) deterministically into a temporary file and CRC-64 it, or take the checksum from the stat
   cache when the tree is unchanged (:mod:`fcctl.deploy.codezip`); a tree fcctl must not upload
   (links out of it, special files, over FC's size limit) is exit 2 here, before any API call;
3. **connect** — one :class:`fcctl.cloud.client.FcClient` per region (:func:`fcctl.cloud.connect`);
4. **observe** — GetFunction (+ ListTriggers where the spec manages triggers), concurrently;
   read-only;
5. **plan** — :func:`fcctl.deploy.planner.plan` (pure);
6. **execute** — :class:`fcctl.deploy.executor.Executor` (skipped by ``plan``);
7. **report** — :class:`Deployment`'s JSON-ready documents (``console.result`` stamps
   ``schemaVersion``); rendering is the CLI's job.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Callable, Sequence

from fcctl import cancel, errors, fcfacts
from fcctl.deploy import planner
from fcctl.deploy.executor import DEFAULT_CONCURRENCY, ExecOptions, Executor, FunctionResult
from fcctl.deploy.events import OnEvent
from fcctl.deploy.kinds import Action, Outcome


@dataclass
class Target:
    """Where and as whom: the raw ``--endpoint`` and ``--profile`` values."""

    endpoint: str | None = None
    profile: str | None = None


@dataclass
class Prepared:
    """Stages 1–2: the desired functions (spec order), their code packages and spec warnings."""

    desired: list[planner.Desired]
    packages: dict
    warnings: list = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def load_and_package(files: Sequence[str], only: Sequence[str] | None = None) -> Prepared:
    """Load the spec and zip the code of the selected functions (``only``: names, or all).

    Raises :class:`fcctl.errors.SpecError` (exit 2) for an invalid spec, :class:`UsageError` for
    an unknown ``--function`` name.
    """
    from fcctl.deploy.codezip import PackagingError, StatCache, load_code
    from fcctl.spec import LocalCode, OssCode, load_spec

    loaded = load_spec(list(files), environ=os.environ)
    functions = list(loaded.spec.functions)
    if only:
        names = {f.functionName for f in functions}
        unknown = [n for n in only if n not in names]
        if unknown:
            raise errors.UsageError(
                f"--function {', '.join(unknown)}: not in the spec",
                hint="functions in the spec: " + (", ".join(sorted(names)) or "none"),
            )
        functions = [f for f in functions if f.functionName in set(only)]
    _guard_spec_secrets(functions)
    desired, packages = [], {}
    cache = StatCache() if os.environ.get("FCCTL_CODE_CACHE", "1") != "0" else None
    by_dir: dict = {}  # each distinct code path is packaged once, shared by its functions
    code_warnings = []
    for fn in functions:
        checksum, oss = None, None
        if isinstance(fn.code, LocalCode):
            key = os.path.realpath(fn.code.path)
            pkg = by_dir.get(key)
            if pkg is None:
                try:
                    pkg = by_dir[key] = load_code(fn.code.path, cache=cache,
                                                  ignore=_ignore(fn.code.path, files))
                except PackagingError as exc:
                    users = [f.functionName for f in functions if isinstance(f.code, LocalCode)
                             and os.path.realpath(f.code.path) == key]
                    more = f" (+{len(users) - 3} more)" if len(users) > 3 else ""
                    label = "function" if len(users) == 1 else "functions"
                    raise PackagingError(f"{label} {', '.join(users[:3])}{more}: {exc.message}",
                                         hint=exc.hint) from None
                code_warnings += _code_notes(loaded, fn, pkg)
            packages[fn.functionName] = pkg
            checksum = pkg.checksum
        elif isinstance(fn.code, OssCode):
            oss = {"ossBucketName": fn.code.ossBucketName, "ossObjectName": fn.code.ossObjectName}
            packages[fn.functionName] = oss
        desired.append(
            planner.Desired(
                name=fn.functionName,
                region=fn.region,
                body=fn.api_fields(),
                code_checksum=checksum,
                oss_code=oss,
                triggers=tuple(t.api_fields() for t in (fn.triggers or [])),
                manage_triggers="triggers" in fn.model_fields_set,
                aliases=tuple(_alias_entry(a) for a in fn.aliases),
                provision=fn.provisionConfig.api_body() if fn.provisionConfig else None,
            )
        )
    return Prepared(desired=desired, packages=packages,
                    warnings=list(loaded.warnings) + code_warnings, files=[str(f) for f in files])


def _alias_entry(alias) -> dict:
    """One ``aliases:`` entry for the planner: aliasName, description (only if the spec sets
    it), provisionConfig (its PutProvisionConfig body, or None)."""
    out: dict = {"aliasName": alias.aliasName,
                 "provisionConfig": alias.provisionConfig.api_body() if alias.provisionConfig
                 else None}
    if "description" in alias.model_fields_set:
        out["description"] = alias.description
    return out


def _code_notes(loaded, fn, pkg) -> list:
    """The package's warnings (hard links) as Problems at the function's ``code:``."""
    from fcctl.errors import Problem

    if not pkg.notes:
        return []
    index = next(i for i, f in enumerate(loaded.spec.functions) if f is fn)
    path = ("functions", index, "code")
    if loaded.plain is not None:
        loc = loaded.plain.loc(path)
        file, line, column = loc.file, loc.line, loc.column
    else:
        file, line, column = (loaded.files or ["fc.yaml"])[0], 1, 1
    where = f"functions[{index}].code"
    return [Problem(file, line, column, where, f"code {fn.code.path}: {note}", "warning")
            for note in pkg.notes]


def _ignore(path, files):
    """What does not ship from a code directory: defaults, its .fcignore, the spec files."""
    from fcctl.deploy.codezip import ignore_for

    return ignore_for(path, files) if os.path.isdir(path) else None


def _guard_spec_secrets(functions) -> None:
    """Values the spec gives secret-named variables are scrubbed from everything printed,
    wherever else they appear (a description, a trigger payload)."""
    from fcctl import fcfacts
    from fcctl.ui import redact

    redact.add_secrets(
        v for fn in functions for k, v in (fn.environmentVariables or {}).items()
        if fcfacts.is_secret_name(k)
    )


class Clients:
    """One :class:`fcctl.cloud.api.FcApi` per region, created on first use (thread-safe).
    ``connect(endpoint, profile, region, on_retry=...)`` makes one; by default
    :func:`fcctl.cloud.connect` (the SDK-backed client); unit tests pass the fake's."""

    def __init__(self, target: Target, on_retry: Callable | None = None,
                 connect: Callable | None = None) -> None:
        self.target = target
        self.on_retry = on_retry
        self._connect = connect
        self._by_region: dict = {}
        self._lock = threading.Lock()

    def __call__(self, region: str | None):
        if self._connect is None:
            from fcctl.cloud import connect
        else:
            connect = self._connect

        with self._lock:
            client = self._by_region.get(region)
            if client is None:
                client = connect(self.target.endpoint, self.target.profile, region,
                                 on_retry=self.on_retry)
                self._by_region[region] = client
            return client

    def all(self) -> list:
        return list(self._by_region.values())

    def write_calls(self) -> int:
        return sum(c.write_calls() for c in self.all())


def observe_aliases(client, want: planner.Desired, fn: dict | None) -> tuple[tuple, dict]:
    """ListAliases (when the spec names aliases) and GetProvisionConfig of LATEST and of each
    existing alias whose spec entry has a provisionConfig."""
    if fn is None or not (want.aliases or want.provision is not None):
        return (), {}
    aliases = tuple(client.list_aliases(want.name)) if want.aliases else ()
    provisions: dict = {}
    if want.provision is not None:
        provisions[fcfacts.LATEST_QUALIFIER] = client.get_provision_config(want.name)
    live_names = {a.get("aliasName") for a in aliases}
    for a in want.aliases:
        if a.get("provisionConfig") is not None and a["aliasName"] in live_names:
            provisions[a["aliasName"]] = client.get_provision_config(want.name, a["aliasName"])
    return aliases, provisions


def observe(clients: Clients, desired: list[planner.Desired], concurrency: int) -> dict:
    """Stage 4: GetFunction (+ ListTriggers) for each desired function, concurrently."""

    def one(want: planner.Desired):
        client = clients(want.region)
        fn = client.get_function(want.name)
        if fn is not None:  # FC's copies of secrets are scrubbed wherever else they appear
            from fcctl.deploy.fields import secrets_of
            from fcctl.ui.redact import add_secrets

            add_secrets(secrets_of(fn))
        triggers: tuple = ()
        if fn is not None and want.manage_triggers:
            triggers = tuple(client.list_triggers(want.name))
        aliases, provisions = observe_aliases(client, want, fn)
        return want.name, planner.Live(fn, triggers, aliases, provisions)

    if not desired:
        return {}
    # Connect serially first: credential resolution errors surface once, cleanly.
    for region in dict.fromkeys(d.region for d in desired):
        clients(region)
    return dict(cancel.map_concurrently(one, desired, concurrency))


@dataclass
class Deployment:
    """One plan/deploy run: what was prepared (spec, packages, warnings), the region clients,
    the plan, and — once :func:`execute` ran — each function's result, in spec order."""

    prepared: Prepared
    clients: Clients
    plan: planner.Plan
    results: list[FunctionResult] | None = None
    live: dict = field(default_factory=dict)  # name → planner.Live the plan was computed from

    def saved_plan(self, only: Sequence[str] | None = None) -> dict:
        """The ``plan --out`` document (masked; :mod:`fcctl.deploy.saved`)."""
        from fcctl.deploy import saved

        return saved.document(self, only)

    def plan_document(self) -> dict:
        """The ``plan --output json`` document."""
        return {
            "command": "plan",
            "changes": self.plan.has_changes,
            "summary": self.plan.counts(),
            "functions": [f.to_dict() for f in self.plan.functions],
            "warnings": [p.to_dict() for p in self.prepared.warnings],
        }

    def deploy_document(self) -> dict:
        """The ``deploy --output json`` document."""
        results = self.results or []
        outcomes = [r.outcome for r in results]
        return {
            "command": "deploy",
            "ok": all(o is Outcome.OK for o in outcomes),
            "summary": {
                "functions": len(results),
                "created": sum(1 for r in results
                               if r.action is Action.CREATE and r.outcome is Outcome.OK),
                "updated": sum(1 for r in results
                               if r.action is Action.UPDATE and r.outcome is Outcome.OK),
                "unchanged": sum(1 for r in results if r.action is Action.NOOP),
                "failed": outcomes.count(Outcome.FAILED),
                "timedOut": outcomes.count(Outcome.TIMEOUT),
                "writeCalls": self.clients.write_calls(),
            },
            "functions": [r.to_dict() for r in results],
            "warnings": [p.to_dict() for p in self.prepared.warnings],
        }

    def exit_code(self) -> int:
        """1 if any function failed, else 4 if any timed out, else 0."""
        outcomes = [r.outcome for r in self.results or []]
        if Outcome.FAILED in outcomes:
            return errors.EXIT_FAILED
        if Outcome.TIMEOUT in outcomes:
            return errors.EXIT_TIMEOUT
        return errors.EXIT_OK


def make_plan(files: Sequence[str], target: Target, *, only: Sequence[str] | None = None,
              concurrency: int = DEFAULT_CONCURRENCY, on_retry: Callable | None = None,
              connect: Callable | None = None) -> Deployment:
    """Stages 1–5: the :class:`Deployment` with its plan (``connect``: see :class:`Clients`)."""
    prepared = load_and_package(files, only)
    clients = Clients(target, on_retry=on_retry, connect=connect)
    live = observe(clients, prepared.desired, concurrency)
    return Deployment(prepared, clients, planner.plan(prepared.desired, live), live=live)


def execute(deployment: Deployment, options: ExecOptions | None = None,
            progress: OnEvent | None = None) -> Deployment:
    """Stage 6: apply the deployment's plan; sets and returns it with ``results``."""
    prepared, the_plan = deployment.prepared, deployment.plan
    uploads: dict = {}
    for action in the_plan.functions:
        pkg = prepared.packages.get(action.name)
        if action.send_code and hasattr(pkg, "expect_uploads"):
            uploads[id(pkg)] = (pkg, uploads.get(id(pkg), (pkg, 0))[1] + 1)
    for pkg, n in uploads.values():
        pkg.expect_uploads(n)  # one base64 per shared package, dropped after its last upload
    ex = Executor(deployment.clients, prepared.packages, {d.name: d for d in prepared.desired},
                  options or ExecOptions(), progress=progress)
    deployment.results = ex.run(the_plan)
    from fcctl.deploy.urls import attach_urls

    attach_urls(deployment)
    return deployment
