"""The runner's view of one function instance: a frozen dataclass built from a spec function.

The runner core (process, readiness, hooks, lifecycle) depends only on :class:`InstanceConfig`,
never on the spec's pydantic models; :func:`instance_config_from_function` is the one place that
reads a ``FunctionSpec`` (duck-typed, so it also accepts plain objects in tests).
"""

from __future__ import annotations

import os
import shlex
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from fcctl import errors, fcfacts

# Where FC mounts a custom runtime's code inside the instance (FC docs: FC_FUNC_CODE_PATH, and
# the `/code/bootstrap` default start command). Hook/start argv elements under this prefix are
# mapped to the local code directory.
CODE_MOUNT = "/code"


@dataclass(frozen=True)
class HookConfig:
    """One lifecycle hook. ``kind`` is ``"code"`` (HTTP ``POST /initialize`` / ``GET /pre-stop``)
    or ``"command"`` (argv run inside the instance). ``timeout`` in seconds (FC docs 配置实例生命周期, fc-docs 04.功能说明/040.配置实例生命周期.md)."""

    kind: str
    timeout: float
    handler: str = ""
    command: tuple[str, ...] = ()


@dataclass(frozen=True)
class InstanceConfig:
    """Everything the local runner needs to run one instance.

    ``command``: argv of the server; ``cwd``: its working directory (the code directory);
    ``port``: the port FC health-checks and sends requests to (``FC_SERVER_PORT``);
    ``memory_size`` in MB; ``timeout`` (invocation) in seconds; ``env``: the spec's
    ``environmentVariables`` (user values, may hold secrets); ``initializer`` / ``pre_stop``:
    enabled hooks or ``None``.
    """

    function_name: str
    region: str
    command: tuple[str, ...]
    cwd: Path
    port: int = fcfacts.DEFAULT_CUSTOM_PORT
    runtime: str = "custom.debian10"
    handler: str = ""
    memory_size: int = fcfacts.DEFAULT_MEMORY_MB
    timeout: float = fcfacts.DEFAULT_FUNCTION_TIMEOUT_S
    env: tuple[tuple[str, str], ...] = ()
    initializer: HookConfig | None = None
    pre_stop: HookConfig | None = None
    instance_id: str = field(default_factory=lambda: "c-local-" + uuid.uuid4().hex[:16])
    account_id: str = fcfacts.LOCAL_ACCOUNT_ID
    qualifier: str = "LATEST"
    version_id: str = "LATEST"
    code_mount: str = CODE_MOUNT
    # custom container run through `docker run` (image, entrypoint, args); () when not Docker
    docker_image: str = ""
    docker_entrypoint: tuple[str, ...] = ()
    # customRuntimeConfig/customContainerConfig.healthCheckConfig: HTTP GET path ("" = TCP
    # only) and the per-check timeout in seconds (SDK docs: default 1)
    health_check_path: str = ""
    health_check_timeout: float = 1.0

    @property
    def env_dict(self) -> dict[str, str]:
        return dict(self.env)

    def map_path(self, arg: str) -> str:
        """Map an in-instance path under ``/code`` to the local code directory when ``/code``
        does not exist on this machine (policy for running FC argv locally)."""
        mount = self.code_mount.rstrip("/")
        if (arg == mount or arg.startswith(mount + "/")) and not os.path.exists(mount):
            return str(self.cwd) + arg[len(mount):]
        return arg

    def map_env_value(self, value: str) -> str:
        """:meth:`map_path` for each ``:``-separated element of an environment value (e.g.
        ``PYTHONPATH=/code/python:/code/lib``, ``LD_LIBRARY_PATH=/code/lib``)."""
        return ":".join(self.map_path(part) for part in value.split(":"))


def docker_available() -> bool:
    """True when a Docker engine answers (``docker info`` succeeds within 10 s)."""
    import shutil
    import subprocess

    if shutil.which("docker") is None:
        return False
    try:
        res = subprocess.run(["docker", "info"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return res.returncode == 0


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        val = obj.get(name, default)
    else:
        val = getattr(obj, name, default)
    return default if val is None else val


def hook_from_spec(hook: Any) -> HookConfig | None:
    """A hook is enabled by the shared rule :func:`fcctl.fcfacts.hook_is_set` (a non-blank
    handler: code type; a non-empty command: command type). Timeout defaults to 3 s
    (unverified)."""
    if not fcfacts.hook_is_set(hook):
        return None
    handler = _get(hook, "handler", "") or ""
    command = tuple(str(c) for c in (_get(hook, "command", []) or []))
    timeout = float(_get(hook, "timeout", fcfacts.DEFAULT_HOOK_TIMEOUT_S))
    if command:
        return HookConfig(kind="command", timeout=timeout, handler=handler, command=command)
    if handler.strip():
        return HookConfig(kind="code", timeout=timeout, handler=handler)
    return None


def parse_command(text: str) -> tuple[str, ...]:
    """Split a ``--command`` value like a POSIX shell (quotes, no expansion). Raises
    :class:`fcctl.errors.UsageError` naming the option when it is empty or unparseable."""
    try:
        argv = tuple(shlex.split(text))
    except ValueError as exc:  # e.g. "No closing quotation"
        raise errors.UsageError(f"--command {text!r} cannot be parsed: {exc}",
                                hint="quote it as a shell would, e.g. --command 'python3 app.py'"
                                ) from None
    if not argv:
        raise errors.UsageError("--command is empty",
                                hint="give the command that starts the server, e.g. "
                                "--command 'python3 app.py', or leave --command out to use the "
                                "spec's")
    return argv


def instance_config_from_function(
    fn: Any,
    *,
    spec_dir: Path,
    command_override: str | None = None,
    docker: bool | None = None,
) -> InstanceConfig:
    """Build the runner's :class:`InstanceConfig` from one spec function.

    Custom runtimes run ``customRuntimeConfig.command + args`` in the code directory
    (``code.path``). Custom containers run their image through ``docker run`` when a Docker
    engine answers (``docker``: None = detect), else need ``command_override`` (``--command``).
    Raises :class:`fcctl.errors.UsageError` when no way to run the function exists (built-in
    runtimes without ``--command``, a container without Docker or ``--command``, code in OSS
    without ``--command`` — it then runs in ``spec_dir``), or ``--command`` is empty or
    unparseable.
    """
    name = str(_get(fn, "functionName", "function"))
    runtime = str(_get(fn, "runtime", ""))
    code = _get(fn, "code")
    code_path = _get(code, "path")
    if code_path is not None:
        cwd = Path(code_path)
        if not cwd.is_absolute():
            cwd = spec_dir / cwd
        if cwd.is_file():  # a zip or single file: run next to it
            cwd = cwd.parent
    else:
        cwd = spec_dir
    cwd = cwd.resolve()

    crc = _get(fn, "customRuntimeConfig")
    ccc = _get(fn, "customContainerConfig")
    if runtime == fcfacts.CONTAINER_RUNTIME:
        port = int(_get(ccc, "port", fcfacts.DEFAULT_CUSTOM_PORT))
    else:
        port = int(_get(crc, "port", fcfacts.DEFAULT_CUSTOM_PORT))

    oss = _get(code, "ossBucketName") or _get(code, "ossObjectName")
    if command_override is not None:
        command = parse_command(command_override)
    elif oss and code_path is None and runtime != fcfacts.CONTAINER_RUNTIME:
        where = f"oss://{_get(code, 'ossBucketName', '?')}/{_get(code, 'ossObjectName', '?')}"
        raise errors.UsageError(
            f"function {name!r} has its code in OSS ({where}); fcctl local does not download "
            "it, so the spec's command cannot run here",
            hint="unpack the code locally and point code: at that directory, or give --command "
            f"(it runs in {spec_dir})",
        )
    elif runtime == fcfacts.CONTAINER_RUNTIME and (
            docker if docker is not None else docker_available()):
        docker_image = str(_get(ccc, "image", ""))
        entry = tuple(str(x) for x in (_get(ccc, "entrypoint", []) or []))
        command = tuple(str(x) for x in (_get(ccc, "command", []) or []))
    elif runtime == fcfacts.CONTAINER_RUNTIME:
        image = _get(ccc, "image", "")
        raise errors.UsageError(
            f"function {name!r} is a custom container (image {image!r}); no Docker engine is "
            "available here to run it",
            hint="run the server directly with --command, e.g. --command 'python3 app.py' "
            "(it must listen on 0.0.0.0:$FC_SERVER_PORT)",
        )
    elif runtime in fcfacts.CUSTOM_RUNTIMES:
        argv = [str(x) for x in (_get(crc, "command", []) or [])]
        argv += [str(x) for x in (_get(crc, "args", []) or [])]
        if not argv:
            # FC's default start command for custom runtimes (FC docs: /code/bootstrap).
            argv = [CODE_MOUNT + "/bootstrap"]
        command = tuple(argv)
    else:
        raise errors.UsageError(
            f"function {name!r} uses the built-in runtime {runtime!r}; fcctl local runs custom "
            "runtimes and custom containers only",
            hint="give the command that starts an HTTP server for it with --command",
        )

    if command_override is not None or runtime != fcfacts.CONTAINER_RUNTIME:
        docker_image, entry = "", ()
    hc = _get(ccc if runtime == fcfacts.CONTAINER_RUNTIME else crc, "healthCheckConfig")
    hc_path = str(_get(hc, "httpGetUrl", "") or "")
    if hc_path and not hc_path.startswith("/"):
        hc_path = "/" + hc_path
    lifecycle = _get(fn, "instanceLifecycleConfig")
    env_vars = _get(fn, "environmentVariables", {}) or {}
    return InstanceConfig(
        function_name=name,
        region=str(_get(fn, "region", "") or "cn-hangzhou"),
        command=command,
        cwd=cwd,
        port=port,
        runtime=runtime,
        handler=str(_get(fn, "handler", "")),
        memory_size=int(_get(fn, "memorySize", fcfacts.DEFAULT_MEMORY_MB)),
        timeout=float(_get(fn, "timeout", fcfacts.DEFAULT_FUNCTION_TIMEOUT_S)),
        env=tuple((str(k), str(v)) for k, v in dict(env_vars).items()),
        initializer=hook_from_spec(_get(lifecycle, "initializer")),
        pre_stop=hook_from_spec(_get(lifecycle, "preStop")),
        docker_image=docker_image,
        docker_entrypoint=entry,
        health_check_path=hc_path,
        health_check_timeout=float(_get(hc, "timeoutSeconds", 1)),
    )
