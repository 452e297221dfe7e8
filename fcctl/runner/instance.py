"""One local instance and its lifecycle: start → ready → Initializer → invocations → PreStop → stop.

:class:`LocalInstance` drives one server process the way FC drives an instance (FC docs 函数实例生命周期回调（自定义运行时）, fc-docs 04.功能说明/060; docs/fc-facts.md):

* **start** – the server's argv in the code directory, FC's instance environment
  (:func:`instance_env`), its own process group;
* **ready** – the port (``FC_SERVER_PORT``) accepts connections on 127.0.0.1 and is bound to the
  wildcard address; otherwise the mistake is named (exited, other port, bound to 127.0.0.1);
* **initializer** – code type ``POST /initialize`` or command type argv, within its timeout,
  at most one success per instance;
* **invoke** – ``POST /invoke``; the Initializer runs first if it has not succeeded;
* **preStop** – ``GET /pre-stop``; its failure never prevents the stop;
* **stop** – SIGTERM to the group, grace, SIGKILL; then the same for escaped descendants
  (re-parented to fcctl, a child subreaper on Linux), reported as strays.

Every step returns a :class:`Step` (status ``ok`` / ``failed`` / ``skipped``, duration and limit
in seconds); application failures never raise. :func:`run_check` runs the whole lifecycle once.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from fcctl import fcfacts
from fcctl.runner import hooks, netprobe
from fcctl.runner.hooks import secs
from fcctl.runner.config import InstanceConfig
from fcctl.runner.process import ManagedProcess, run_with_timeout

# FC's start-up health check window (fcfacts.HEALTH_CHECK_WINDOW_S, 120 s).
DEFAULT_READY_TIMEOUT_S = float(fcfacts.HEALTH_CHECK_WINDOW_S)
DEFAULT_GRACE_S = 3.0
STEP_NAMES = ("start", "ready", "initializer", "invoke", "preStop", "stop")
# Variable prefixes removed from the inherited environment unless credentials are passed on.
_CREDENTIAL_PREFIXES = ("ALIBABA_CLOUD_", "ALICLOUD_", "ALIYUN_")


@dataclass
class Step:
    """One lifecycle step. ``status``: ok | failed | skipped; ``duration``/``limit`` seconds."""

    name: str
    status: str
    duration: float | None = None
    limit: float | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def to_dict(self) -> dict:
        return {
            "step": self.name,
            "status": self.status,
            "durationSeconds": None if self.duration is None else round(self.duration, 3),
            "limitSeconds": None if self.limit is None else round(self.limit, 3),
            "detail": self.detail,
        }


def credentials_from(environ: Mapping[str, str]) -> dict[str, str]:
    """The credential variables present in ``environ`` (values are secrets)."""
    return {k: environ[k] for k in fcfacts.CREDENTIAL_ENV_NAMES if environ.get(k)}


def instance_env(
    cfg: InstanceConfig,
    environ: Mapping[str, str],
    credentials: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """FC's instance environment for a custom runtime, on top of this machine's environment.

    Inherited: ``environ`` minus ``FC_*`` and every Alibaba Cloud credential variable (policy:
    the local machine's PATH/HOME are needed to run anything). Added: the spec's
    ``environmentVariables``, then FC's system variables (FC docs "Configure environment
    variables"), then the credential variables only when ``credentials`` is given (opt-in).
    """
    env = {
        k: v for k, v in environ.items()
        if not k.startswith("FC_") and not k.startswith(_CREDENTIAL_PREFIXES)
    }
    # paths under FC's code mount point to the local code directory, as in argv (not for a
    # container run by Docker, whose image has its own layout)
    env.update({k: (v if cfg.docker_image else cfg.map_env_value(v))
                for k, v in cfg.env_dict.items()})
    env.update({
        "FC_FUNCTION_NAME": cfg.function_name,
        "FC_REGION": cfg.region,
        "FC_FUNCTION_HANDLER": cfg.handler,
        "FC_FUNCTION_MEMORY_SIZE": str(cfg.memory_size),
        "FC_INSTANCE_ID": cfg.instance_id,
        "FC_SERVER_PORT": str(cfg.port),
        "FC_CUSTOM_LISTEN_PORT": str(cfg.port),
        "FC_ACCOUNT_ID": cfg.account_id,
        "FC_QUALIFIER": cfg.qualifier,
        "FC_FUNC_CODE_PATH": str(cfg.cwd),
    })
    if credentials:
        env.update(credentials)
    return env


def secret_values(cfg: InstanceConfig, credentials: Mapping[str, str] | None) -> list[str]:
    """Values to mask in any output: credentials and secret-looking spec variables."""
    vals = [v for k, v in (credentials or {}).items() if k != "ALIBABA_CLOUD_ACCESS_KEY_ID"]
    vals += [v for k, v in cfg.env if fcfacts.is_secret_name(k)]
    return [v for v in vals if v]


def exit_text(code: int | None) -> str:
    """How a process ended, in words: "still running", "exit code N", "killed by SIGKILL"."""
    if code is None:
        return "still running"
    if code < 0:
        import signal

        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def with_tail(text: str, tail: str) -> str:
    """``text`` followed by the last lines of the process output ``tail`` (and a hint when it
    ends in a Python import error), or "(no output)"."""
    if not tail:
        return text + " (no output)"
    lines = tail.splitlines()[-15:]
    return text + _import_hint(tail) + "; last output:\n" + "\n".join("  | " + ln for ln in lines)


_IMPORT_ERROR_LINE = re.compile(
    r"^(?:\w+\.)*(?:ModuleNotFoundError|ImportError): (?P<msg>.*)$", re.MULTILINE)


def _import_hint(tail: str) -> str:
    """' — hint: …' when the output ends in a Python import failure: on FC the instance has
    only the code directory (and layers), not this machine's site-packages."""
    found = list(_IMPORT_ERROR_LINE.finditer(tail))
    if not found:
        return ""
    return (f" — Python could not import a module ({found[-1].group('msg').strip()[:120]}): on "
            "FC only the code directory (/code) and layers are there, so install dependencies "
            "into it (e.g. pip install -r requirements.txt -t <code dir>/python) and point "
            "PYTHONPATH at them (e.g. PYTHONPATH=/code/python in environmentVariables)")


PRESTOP_AFTER_FAILED_INIT = "FC discards an instance whose Initializer failed"


def _slow_ready_warning(took: float) -> str:
    """'; warning: …' when the server took longer than fcfacts.SLOW_READY_WARNING_S."""
    if took <= fcfacts.SLOW_READY_WARNING_S:
        return ""
    return (f"; warning: ready only after {secs(took)} (more than "
            f"{secs(fcfacts.SLOW_READY_WARNING_S)}): every cold start on FC waits this long, and "
            f"FC fails the instance after {secs(fcfacts.HEALTH_CHECK_WINDOW_S)}")


def _hook_status_note(hook: str, status: int | None) -> str:
    """What FC does with this hook answer (FC docs 回调错误码 of custom runtimes)."""
    if status in fcfacts.HOOK_NOT_RESENT_STATUSES:
        if hook == "initializer":
            return (f" — on FC a {status} from the Initializer is not re-sent on this request; "
                    "the invocation fails with InitializationError and FC retries the "
                    "Initializer before later invocations")
        return f" — on FC a {status} from PreStop does not affect the instance's stop"
    if status == fcfacts.HOOK_RESTART_STATUS:
        return f" — FC would restart this instance ({status} from a hook: FC restarts the instance)"
    return ""


def _shell_hint(argv: tuple[str, ...] | list[str], tail: str) -> str:
    prog = os.path.basename(argv[0]) if argv else ""
    markers = ("Syntax error", "[[: not found", "Bad substitution", "not found")
    if prog in ("sh", "dash") and any(m in tail for m in markers):
        return (" — the script looks like it uses bash syntax but runs under /bin/sh "
                "(dash here, as on Debian); use POSIX sh or run it with bash")
    return ""


# A shell's "command not found" line: dash "x.sh: 3: [[: not found", bash "x.sh: line 3: foo:
# command not found", and "sh: 1: foo: not found" for -c scripts.
_NOT_FOUND_LINE = re.compile(r"^[^\n:]+: (?:line )?\d+: (?P<what>.+?): (?:command )?not found$",
                             re.MULTILINE)


def _not_found_warning(tail: str) -> str:
    """'; warning: …' when a command hook that exited 0 had the shell report commands not found
    (e.g. "[[: not found" — bash syntax under dash, where the test silently counts as false);
    FC also treats the Initializer as succeeded, so this is a warning, not a failure."""
    lines = [m.group(0).strip() for m in _NOT_FOUND_LINE.finditer(tail)]
    if not lines:
        return ""
    shown = "; ".join(repr(ln) for ln in lines[:3]) + ("; …" if len(lines) > 3 else "")
    text = f"; warning: the shell reported {len(lines)} command(s) not found: {shown}"
    bashisms = ("[[", "declare", "local", "source", "shopt", "function")
    if any(m.group("what").strip() in bashisms for m in _NOT_FOUND_LINE.finditer(tail)):
        text += (" — bash syntax under /bin/sh (dash here, as on Debian): use POSIX sh or run "
                 "the script with bash")
    return text + " (the exit code 0 counts as success, on FC too)"


class LocalInstance:
    """One local function instance (see the module docstring for the steps).

    ``environ``: the environment to inherit (default ``os.environ``); ``pass_credentials``: send
    FC's credential headers and variables from ``environ`` (opt-in, never printed);
    ``ready_timeout`` and ``grace`` in seconds.
    """

    def __init__(
        self,
        cfg: InstanceConfig,
        *,
        environ: Mapping[str, str] | None = None,
        pass_credentials: bool = False,
        ready_timeout: float = DEFAULT_READY_TIMEOUT_S,
        grace: float = DEFAULT_GRACE_S,
    ) -> None:
        self.cfg = cfg
        base = dict(os.environ if environ is None else environ)
        self.credentials = credentials_from(base) if pass_credentials else None
        self.env = instance_env(cfg, base, self.credentials)
        self.redact = secret_values(cfg, self.credentials)
        self.ready_timeout = ready_timeout
        self.grace = grace
        self.proc: ManagedProcess | None = None
        self.is_ready = False
        self.initialized = False
        self.initializer_failed = False
        self.last_invocation: dict | None = None

    # -- helpers ------------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def _mask(self, text: str) -> str:
        from fcctl.ui.redact import register, scrub

        register(self.redact)
        return scrub(text)

    def _process_note(self) -> str:
        """' (the instance process exited: …)' when the server died, else ''."""
        if self.proc is None:
            return ""
        code = self.proc.poll()
        if code is None:
            return ""
        return with_tail(f"; the instance process has exited ({exit_text(code)})", self.proc.tail())

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- steps --------------------------------------------------------------------------------
    def start(self) -> Step:
        cfg = self.cfg
        t0 = time.monotonic()
        if netprobe.port_in_use(cfg.port):
            owner = netprobe.port_owner(cfg.port)
            return Step("start", "failed", 0.0, None, self._mask(
                f"port {cfg.port} is already in use by "
                f"{owner or 'another process'} on this machine; stop it, or run with "
                "--port N (FC_SERVER_PORT follows) if the server reads FC_SERVER_PORT"))
        argv = self._argv()
        try:
            self.proc = ManagedProcess(argv, cwd=cfg.cwd, env=self.env, tag=cfg.instance_id,
                                       redact=self.redact)
        except OSError as exc:
            return Step("start", "failed", time.monotonic() - t0, None,
                        f"cannot start {shlex.join(argv)} in {cfg.cwd}: "
                        f"{exc.strerror or exc}")
        return Step("start", "ok", time.monotonic() - t0, None,
                    f"pid {self.proc.pid}: {self._mask(shlex.join(argv))} (in {cfg.cwd})")

    def _argv(self) -> list[str]:
        cfg = self.cfg
        if not cfg.docker_image:
            return [cfg.map_path(a) for a in cfg.command]
        # `docker run`: published on loopback only; variables passed by name (-e KEY takes the
        # value from this process's environment, so no secret appears on a command line).
        argv = ["docker", "run", "--rm", "--name", f"fcctl-{cfg.instance_id}",
                "-p", f"127.0.0.1:{cfg.port}:{cfg.port}"]
        for key in sorted(set(cfg.env_dict) | set(fcfacts.INSTANCE_ENV_NAMES)
                          | set(self.credentials or {})):
            if key in self.env and key != "FC_FUNC_CODE_PATH":
                argv += ["-e", key]
        if cfg.docker_entrypoint:
            argv += ["--entrypoint", cfg.docker_entrypoint[0]]
        argv.append(cfg.docker_image)
        argv += list(cfg.docker_entrypoint[1:]) + list(cfg.command)
        return argv

    def wait_ready(self) -> Step:
        """Poll until the server accepts connections on 127.0.0.1:port, bound to 0.0.0.0."""
        assert self.proc is not None
        port = self.cfg.port
        t0 = time.monotonic()
        limit = self.ready_timeout
        # Docker publishes the port through its proxy: the bind address inside the container
        # is not visible here, so only the connection is checked.
        have_proc = os.path.isdir("/proc/net") and not self.cfg.docker_image
        while True:
            elapsed = time.monotonic() - t0
            code = self.proc.poll()
            if code is not None:
                return Step("ready", "failed", elapsed, limit, with_tail(
                    f"the process exited at start ({exit_text(code)}), before listening on "
                    f"port {port}",
                    self.proc.tail()))
            on_port = [ls for ls in netprobe.listeners() if ls.port == port]
            if have_proc and on_port:
                if any(ls.wildcard for ls in on_port):
                    if netprobe.can_connect("127.0.0.1", port):
                        return self._health_check(t0, f"listening on 0.0.0.0:{port}")
                elif all(ls.loopback_only for ls in on_port):
                    addrs = ", ".join(sorted({ls.address for ls in on_port}))
                    return Step("ready", "failed", elapsed, limit,
                                f"the server listens on {addrs}:{port} (loopback only); FC "
                                f"reaches the instance from outside, so its health check fails — "
                                f"listen on 0.0.0.0:{port}")
            elif not have_proc and netprobe.can_connect("127.0.0.1", port):
                return self._health_check(t0, f"port {port} accepts connections")
            if elapsed >= limit:
                break
            time.sleep(0.05)
        return Step("ready", "failed", time.monotonic() - t0, limit, self._not_ready_detail())

    def _health_check(self, t0: float, listening: str) -> Step:
        """With ``healthCheckConfig.httpGetUrl``: GET it until a 2xx answer, within what is left
        of the readiness timeout (FC's initial delay / period / thresholds are not replayed)."""
        limit = self.ready_timeout
        path = self.cfg.health_check_path
        if not path:
            self.is_ready = True
            took = time.monotonic() - t0
            return Step("ready", "ok", took, limit, listening + _slow_ready_warning(took))
        headers = hooks.common_headers(self.cfg, control_path=path)
        last = None
        while True:
            left = limit - (time.monotonic() - t0)
            if last is not None and left < 0.1:
                break  # a last attempt with a sliver of time would tell nothing new
            out = hooks.http_call(self.cfg.port, "GET", path, headers=headers,
                                  timeout=max(0.1, min(self.cfg.health_check_timeout, left)))
            if out.ok:
                self.is_ready = True
                took = time.monotonic() - t0
                return Step("ready", "ok", took, limit,
                            f"{listening}; health check GET {path} → {out.status}"
                            + _slow_ready_warning(took))
            last = out
            if self.proc is not None and self.proc.poll() is not None:
                break
            if time.monotonic() - t0 >= limit:
                break
            time.sleep(0.1)
        detail = (f"{listening}, but the health check (healthCheckConfig.httpGetUrl) never "
                  f"passed within {secs(limit)}: {last.describe() if last else 'no answer'}")
        return Step("ready", "failed", time.monotonic() - t0, limit,
                    self._mask(detail + self._process_note()))

    def _not_ready_detail(self) -> str:
        assert self.proc is not None
        port = self.cfg.port
        own = netprobe.owned_listeners(self.proc.members())
        on_port = [ls for ls in netprobe.listeners() if ls.port == port]
        if on_port and not any(ls.wildcard or ls.loopback_only for ls in on_port):
            addrs = ", ".join(sorted({ls.address for ls in on_port}))
            return (f"the server listens on {addrs}:{port} only; FC needs 0.0.0.0:{port} "
                    "(and fcctl probes 127.0.0.1)")
        if own:
            where = ", ".join(sorted({f"{ls.address}:{ls.port}" for ls in own}))
            text = (f"nothing listens on port {port} after {secs(self.ready_timeout)}, but the "
                    f"process listens on {where} — listen on the port FC gives in "
                    f"FC_SERVER_PORT ({port}), or set the function's port to the one the "
                    "server uses")
            if all(ls.loopback_only for ls in own):
                text += "; and listen on 0.0.0.0, not loopback (FC's health check comes from outside)"
            return text
        return with_tail(f"nothing listens on port {port} after {secs(self.ready_timeout)} "
                          "(the process is running but has opened no listening socket)",
                          self.proc.tail())

    def initialize(self) -> Step:
        """Run the Initializer once (code or command type). Skipped when none is configured."""
        hook = self.cfg.initializer
        if hook is None:
            self.initialized = True
            return Step("initializer", "skipped", None, None, "no Initializer configured")
        if self.initialized:
            return Step("initializer", "skipped", None, hook.timeout,
                        "already succeeded on this instance")
        if hook.kind == "code":
            out = hooks.initialize_call(self.cfg, self.cfg.port, credentials=self.credentials)
            if out.ok:
                self.initialized = True
                return Step("initializer", "ok", out.elapsed, hook.timeout,
                            f"POST /initialize → {out.status}")
            self.initializer_failed = True
            detail = out.describe() + _hook_status_note("initializer", out.status)
            if out.status in (404, 405):
                detail += (" — the server has no /initialize route, but a non-empty Initializer "
                           "handler enables the hook (custom runtimes ignore the handler "
                           "string); add the route or set handler to \"\"")
            return Step("initializer", "failed", out.elapsed, hook.timeout,
                        self._mask(detail + self._process_note()))
        argv = [self.cfg.map_path(a) for a in hook.command]
        try:
            code, timed_out, tail, elapsed = run_with_timeout(
                argv, cwd=self.cfg.cwd, env=self.env, timeout=hook.timeout,
                tag=self.cfg.instance_id + "-initializer", redact=self.redact)
        except OSError as exc:
            self.initializer_failed = True
            return Step("initializer", "failed", 0.0, hook.timeout,
                        f"cannot run {shlex.join(argv)}: {exc.strerror or exc}")
        cmd = self._mask(shlex.join(argv))
        if timed_out:
            self.initializer_failed = True
            return Step("initializer", "failed", elapsed, hook.timeout, with_tail(
                f"command {cmd} did not finish within the {secs(hook.timeout)} timeout; killed", tail))
        if code != 0:
            self.initializer_failed = True
            return Step("initializer", "failed", elapsed, hook.timeout, with_tail(
                f"command {cmd} failed ({exit_text(code)}){_shell_hint(argv, tail)}", tail))
        self.initialized = True
        return Step("initializer", "ok", elapsed, hook.timeout,
                    f"command {cmd} exited 0" + _not_found_warning(tail))

    def invoke(self, data: bytes = b"", *, path: str = fcfacts.INVOKE_PATH,
               method: str = fcfacts.INVOKE_METHOD,
               headers: Mapping[str, str] | None = None) -> tuple[Step, dict]:
        """One invocation, Initializer first. Returns the step and an FC-style result
        ``{"requestId", "status", "errorType", "errorMessage", "headers", "body"}``."""
        request_id = hooks.new_request_id()
        if self.cfg.initializer is not None and not self.initialized:
            init = self.initialize()
            if init.status == "failed":
                result = initialization_error(request_id, init.detail)
                self.last_invocation = result
                return Step("invoke", "failed", init.duration, self.cfg.timeout,
                            "InitializationError: " + init.detail), result
        out = hooks.invoke_call(self.cfg, self.cfg.port, data, path=path,
                                credentials=self.credentials, request_id=request_id,
                                method=method, extra_headers=headers)
        result = invocation_result(out)
        # an app may echo what it received; fcctl never prints a secret
        for key in ("body", "errorMessage"):
            if isinstance(result.get(key), str):
                result[key] = self._mask(result[key])
        self.last_invocation = result
        if result["errorType"] is None:
            return Step("invoke", "ok", out.elapsed, self.cfg.timeout,
                        f"{out.method} {out.path} → {out.status}"), result
        return Step("invoke", "failed", out.elapsed, self.cfg.timeout,
                    self._mask(f"{result['errorType']}: {out.describe()}" + self._process_note())
                    ), result

    def pre_stop(self) -> Step:
        """``GET /pre-stop`` within its timeout; its failure is reported, never raised."""
        hook = self.cfg.pre_stop
        if hook is None:
            return Step("preStop", "skipped", None, None, "no PreStop configured")
        if self.initializer_failed and not self.initialized:
            return Step("preStop", "skipped", None, hook.timeout, PRESTOP_AFTER_FAILED_INIT)
        if not self.alive():
            return Step("preStop", "skipped", None, hook.timeout,
                        "the instance process is not running")
        out = hooks.pre_stop_call(self.cfg, self.cfg.port, credentials=self.credentials)
        if out.ok:
            return Step("preStop", "ok", out.elapsed, hook.timeout, f"GET /pre-stop → {out.status}")
        # let a crashing server finish dying so the note can say so
        if out.status is None and self.proc is not None:
            self.proc.wait(timeout=0.3)
        return Step("preStop", "failed", out.elapsed, hook.timeout,
                    self._mask(out.describe() + _hook_status_note("preStop", out.status)
                               + self._process_note()))

    def stop(self) -> Step:
        """SIGTERM to the process group, ``grace`` seconds, SIGKILL; verifies nothing is left."""
        if self.proc is None:
            return Step("stop", "skipped", None, None, "nothing was started")
        t0 = time.monotonic()
        already = self.proc.poll()
        res = self.proc.stop(grace=self.grace)
        if self.cfg.docker_image:  # the container outlives a killed client
            import subprocess

            subprocess.run(["docker", "rm", "-f", f"fcctl-{self.cfg.instance_id}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        elapsed = time.monotonic() - t0
        strays = (f"; {res['strays']} stray process(es) killed (descendants that had left the "
                  "process group and outlived it)" if res.get("strays") else "")
        if res["left"]:
            return Step("stop", "failed", elapsed, self.grace,
                        f"processes still alive after SIGKILL: {res['left']}{strays}")
        if already is not None:
            how = f"the process had already exited ({exit_text(already)})"
        elif res["killed"]:
            how = f"no exit within {secs(self.grace)} of SIGTERM; killed with SIGKILL"
        else:
            code = res["exitCode"]
            how = ("stopped by SIGTERM" if code == -15
                   else f"exited after SIGTERM ({exit_text(code)})")
        return Step("stop", "ok", elapsed, self.grace, how + strays)

    def close(self) -> None:
        """Stop without reporting (for ``finally`` blocks); drop the output file."""
        if self.proc is not None:
            self.proc.stop(grace=min(self.grace, 1.0))
            self.proc.cleanup_log()


def initialization_error(request_id: str, message: str) -> dict:
    """FC's outcome for an invocation whose Initializer failed: HTTP 200 with
    ``x-fc-error-type: InitializationError`` and an ``errorMessage`` body (FC docs 函数实例生命周期回调（自定义运行时）, fc-docs 04.功能说明/060: "响应头X-Fc-Error-Type:InitializationError或响应体中的errorMessage")."""
    body = {"errorMessage": message, "errorType": fcfacts.INITIALIZATION_ERROR}
    return {
        "requestId": request_id,
        "status": 200,
        "errorType": fcfacts.INITIALIZATION_ERROR,
        "errorMessage": message,
        "headers": {fcfacts.ERROR_TYPE_HEADER: fcfacts.INITIALIZATION_ERROR,
                    "x-fc-request-id": request_id},
        "body": json.dumps(body),
    }


def invocation_result(out: hooks.HttpOutcome) -> dict:
    """FC-style result of one invocation. A 2xx answer succeeds; no answer, a timeout or a
    non-2xx status is an ``UnhandledInvocationError`` (policy; FC then answers 200 with the
    error type header)."""
    body = out.body.decode("utf-8", "replace")
    if out.ok:
        return {"requestId": out.request_id, "status": out.status, "errorType": None,
                "errorMessage": None, "headers": out.headers, "body": body}
    message = out.describe()
    return {
        "requestId": out.request_id,
        "status": 200,
        "errorType": fcfacts.UNHANDLED_INVOCATION_ERROR,
        "errorMessage": message,
        "serverStatus": out.status,
        "headers": {fcfacts.ERROR_TYPE_HEADER: fcfacts.UNHANDLED_INVOCATION_ERROR,
                    "x-fc-request-id": out.request_id},
        "body": body if out.status is not None else json.dumps({"errorMessage": message}),
    }


@dataclass
class CheckReport:
    """Result of :func:`run_check`: the steps in order, and the instance's identity."""

    function_name: str
    instance_id: str
    port: int
    pid: int | None = None
    steps: list[Step] = field(default_factory=list)
    invocation: dict | None = None
    server_output: str = ""  # the end of the server's output, secrets masked

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)

    @property
    def failed_step(self) -> Step | None:
        return next((s for s in self.steps if s.status == "failed"), None)

    def to_dict(self) -> dict[str, Any]:
        failed = self.failed_step
        return {
            "function": self.function_name,
            "ok": self.ok,
            "failedStep": failed.name if failed else None,
            "instanceId": self.instance_id,
            "pid": self.pid,
            "port": self.port,
            "steps": [s.to_dict() for s in self.steps],
            "invocation": self.invocation,
            "serverOutput": self.server_output,
        }


def run_check(instance: LocalInstance, data: bytes = b"", *, path: str = fcfacts.INVOKE_PATH,
              progress=None) -> CheckReport:
    """The whole lifecycle once: start, ready, Initializer, one invocation, PreStop, stop.

    Steps after a failure are ``skipped`` (with the reason), except that PreStop still runs when
    the server is up and stop always runs. Ctrl-C stops the instance before propagating.
    """
    cfg = instance.cfg
    report = CheckReport(cfg.function_name, cfg.instance_id, cfg.port)
    say = progress or (lambda _s: None)

    def add(step: Step) -> Step:
        report.steps.append(step)
        say(f"{step.name}: {step.status}" + (f" ({secs(step.duration)})" if step.duration else ""))
        return step

    def skip(name: str, why: str) -> None:
        add(Step(name, "skipped", None, None, why))

    try:
        start = add(instance.start())
        report.pid = instance.pid
        if start.status == "failed":
            for name in STEP_NAMES[1:5]:
                skip(name, "the instance did not start")
        else:
            ready = add(instance.wait_ready())
            if ready.status == "failed":
                for name in ("initializer", "invoke", "preStop"):
                    skip(name, "the instance never became ready")
            else:
                init = add(instance.initialize())
                if init.status == "failed":
                    skip("invoke", "not sent: the Initializer failed, so FC answers the "
                         "invocation with HTTP 200 and x-fc-error-type: InitializationError")
                    report.invocation = initialization_error(hooks.new_request_id(),
                                                             init.detail)
                    skip("preStop", PRESTOP_AFTER_FAILED_INIT)
                else:
                    step, result = instance.invoke(data, path=path)
                    add(step)
                    report.invocation = result
                    add(instance.pre_stop())
    finally:
        if instance.proc is not None:
            stop = instance.stop()
            report.server_output = instance.proc.tail(4000)
            instance.proc.cleanup_log()
        else:
            stop = Step("stop", "skipped", None, None, "nothing was started")
        add(stop)
    return report
