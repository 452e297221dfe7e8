"""Cross-field rules of fc.yaml, run on the merged plain data (so they run even where pydantic
fails, and every problem is reported at once). Each problem says what is wrong and what to write.

Sources: docs/fc-facts.md, via :mod:`fcctl.fcfacts`; the documented limits (sizes, GPU tables, hook
timeouts, instanceConcurrency, environment variables) are checked by :mod:`fcctl.limits`, which the
emulator shares.
``check`` returns the paths it reported errors at, so pydantic's errors there are not repeated.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Any

from fcctl import fcfacts
from fcctl.errors import Problem
from fcctl.spec import checks
from fcctl.spec.keys import field_kind
from fcctl.spec.messages import _name as value_name
from fcctl.spec.messages import did_you_mean, may_echo
from fcctl.spec.locations import PathT, problem
from fcctl.spec.plain import Plain

# Handler values people write to mean "no hook" that in fact enable it on custom runtimes and
# containers (FC docs 配置实例生命周期 / custom runtime hook pages: any non-empty handler enables
# POST /initialize / GET /pre-stop; docs/fc-facts.md).
PLACEHOLDER_HANDLERS = {
    "not-used", "notused", "not_used", "unused", "none", "null", "nil", "placeholder", "n/a", "na",
    "-", "--", "todo", "tbd", "noop", "no-op", "disabled", "disable", "off", "no", "false", "0",
    "skip", "dummy", "empty", "x",
}

# ACR hosts: registry[-vpc].<region>.aliyuncs.com (personal edition) and
# <instance>-registry[-vpc].<region>.cr.aliyuncs.com (enterprise edition).
_ACR_RE = re.compile(fcfacts.ACR_HOST_PATTERN)
_ENV_NAME_RE = re.compile(fcfacts.ENV_VAR_NAME_PATTERN)

HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS")
# SDK HTTPTriggerConfig docs list function and anonymous; FC 3.0's console also offers jwt.
HTTP_AUTH_TYPES = ("anonymous", "function", "jwt")
HTTP_TRIGGER_KEYS = ("authType", "authConfig", "methods", "disableURLInternet", "corsConfig")
CORS_KEYS = ("allowCredentials", "allowHeaders", "allowMethods", "allowOrigins", "exposeHeaders", "maxAge")
TIMER_TRIGGER_KEYS = ("cronExpression", "enable", "payload")

_HOOK_RANGES = {
    "initializer": fcfacts.INITIALIZER_TIMEOUT_RANGE_S,
    "preStop": fcfacts.PRESTOP_TIMEOUT_RANGE_S,
}


class _Checker:
    def __init__(self, plain: Plain, dirs: dict[str, Path], problems: list[Problem]) -> None:
        self.plain = plain
        self.dirs = dirs
        self._places: dict = {}  # (code, target, base) -> findings, see code_place
        self.problems = problems
        self.reported: set = set()  # paths with an error: pydantic's error there is redundant
        self.covering: set = set()  # paths whose whole subtree a rule has judged

    # -- reporting --
    def error(self, path: PathT, message: str, *, key: bool = False) -> None:
        self.problems.append(problem(self.plain.loc(path, key=key), path, message))
        self.reported.add(tuple(path))

    def where(self, path: PathT, from_path: PathT) -> str:
        """``line N`` (same file as ``from_path``) or ``file:N``, for cross references."""
        loc, here = self.plain.loc(path), self.plain.loc(from_path)
        return f"line {loc.line}" if loc.file == here.file else f"{loc.file}:{loc.line}"

    def later(self, a: PathT, b: PathT) -> PathT:
        order = {f: i for i, f in enumerate(self.dirs)}

        def rank(path: PathT):
            loc = self.plain.loc(path, key=True)
            return (order.get(loc.file, -1), loc.line, loc.column)

        return a if rank(a) > rank(b) else b

    def warn(self, path: PathT, message: str, *, key: bool = False) -> None:
        self.problems.append(problem(self.plain.loc(path, key=key), path, message, "warning"))

    # -- the spec --
    def run(self) -> None:
        data = self.plain.data
        if not isinstance(data, dict):
            return
        self.odd_forms()
        region = data.get("region")
        self.region_known(region, ("region",))
        fns = data.get("functions")
        if "functions" not in data:
            self.error(("functions",), "the spec has no `functions:` list; add one with at "
                                       "least one `- functionName: …` entry")
        elif isinstance(fns, list):
            if not fns:
                self.warn(("functions",), "functions is empty: there is nothing to deploy")
            for i, fn in enumerate(fns):
                path = ("functions", i)
                if not isinstance(fn, dict):
                    self.error(path, "each function must be a mapping starting with `- functionName: …`")
                    continue
                self.function(fn, path, region if isinstance(region, str) else None)

    def function(self, fn: dict, path: PathT, top_region: str | None) -> None:
        name = fn.get("functionName")
        label = f"function {name}" if isinstance(name, str) else "this function"
        region = fn.get("region") if isinstance(fn.get("region"), str) else top_region
        self.region_known(fn.get("region"), path + ("region",))
        if "region" not in fn and top_region is None:
            self.error(path, f"{label} has no region; set `region:` at the top of the file "
                             "(or on the function), e.g. region: cn-hangzhou")
        runtime = fn.get("runtime")
        if isinstance(runtime, str) and runtime not in fcfacts.RUNTIMES:
            self.error(path + ("runtime",), (
                f"runtime {runtime!r} is not an FC 3.0 runtime{did_you_mean(runtime, fcfacts.RUNTIMES)}; "
                f"FC runtimes: {', '.join(fcfacts.RUNTIMES)}"))
            runtime = None
        if isinstance(fn.get("gpuConfig"), dict) and runtime is not None and runtime not in fcfacts.GPU_RUNTIMES:
            self.error(path + ("gpuConfig",), (
                f"gpuConfig needs runtime custom-container: FC runs GPU functions only from "
                f"container images, not runtime {runtime}"), key=True)
        self.code_and_image(fn, path, runtime, region, label)
        self.start_file(fn, path, runtime)
        self.lifecycle(fn, path, runtime)
        checks.function(self, fn, path, runtime)
        self.secrets(fn, path)
        self.tags(fn, path)
        self.triggers(fn, path)
        self.aliases(fn, path)
        self.limits(fn, path)

    # -- FC's documented limits (fcctl.limits, shared with the emulator) --
    def limits(self, fn: dict, path: PathT) -> None:
        from fcctl import limits

        for f in limits.check_function(fn, reserve_rollout_marker=True):
            fpath = path + f.path
            if fpath in self.reported or fpath in self.plain.unset:
                continue  # already explained (a YAML key kind, an unset ${env:…})
            if f.severity == "error":
                self.error(fpath, f.message, key=f.key)
            else:
                self.warn(fpath, f.message, key=f.key)

    # -- numbers and booleans YAML 1.1 and 1.2 read differently (010, 0x10, 1_0, 1:30, yes…) --
    def odd_forms(self) -> None:
        for path, (text, why, suggestion) in self.plain.odd.items():
            value = _get(self.plain.data, path)
            if _is_env_or_tag_value(path):
                continue  # sent as the text written, with a warning (see secrets/tags)
            kind = field_kind(path)
            if kind is None or kind == "string" or (isinstance(value, str) and kind != "number"):
                # not a modelled path (unknown key: reported; x-: ignored); text where text is
                # wanted; a number in a string field is the model's error (quoting the text)
                continue
            name = value_name(path)
            echo = may_echo(path)
            also = " (or quote it if it is text)" if kind == "free" else ""
            if kind == "boolean" or (kind == "free" and isinstance(value, bool)):
                self.error(path, f"{name}: write true or false{also}" + (f": {why}" if echo else ""))
            else:
                eg = f", e.g. {suggestion}" if suggestion and echo else ""
                self.error(path, f"{name}: write a plain decimal number{eg}{also}"
                                 + (f": {why}" if echo else ""))

    def region_known(self, region: Any, rpath: PathT) -> None:
        if rpath in self.plain.unset:
            return  # an unset ${env:…}: that error says it all
        if isinstance(region, str) and region not in fcfacts.KNOWN_REGIONS:
            hint = did_you_mean(region, fcfacts.KNOWN_REGIONS)
            self.warn(rpath, (
                f"region {region!r} is not in the FC SDK's region list{hint}; if it is a typo, "
                "deploys will fail to reach fcv3.<region>.aliyuncs.com"))

    # -- code / image --
    def code_and_image(self, fn: dict, path: PathT, runtime, region, label: str) -> None:
        code = fn.get("code")
        ccc = fn.get("customContainerConfig")
        image = ccc.get("image") if isinstance(ccc, dict) else None
        has_image = isinstance(image, str) and image != ""
        cpath = path + ("code",)
        if "code" in fn:
            self.code_shape(code, cpath)
        if runtime == fcfacts.CONTAINER_RUNTIME:
            if "code" in fn:
                self.error(cpath, (
                    "runtime custom-container runs an image, not code: remove code and set "
                    "customContainerConfig.image"), key=True)
            if not has_image:
                at = path + ("customContainerConfig",) if isinstance(ccc, dict) else path
                self.error(at, (
                    f"{label} has runtime custom-container but no image: set "
                    "customContainerConfig.image, e.g. registry.<region>.aliyuncs.com/ns/repo:tag"))
        elif runtime is not None:
            if has_image:
                self.error(path + ("customContainerConfig", "image"), (
                    f"runtime {runtime} runs code, not an image: remove customContainerConfig.image "
                    "(or use runtime: custom-container)"))
            elif isinstance(ccc, dict):
                self.error(path + ("customContainerConfig",), (
                    f"customContainerConfig is only for runtime custom-container, not {runtime}; "
                    "remove it (custom runtimes use customRuntimeConfig)"), key=True)
            if "code" not in fn:
                self.error(path, (
                    f"{label} (runtime {runtime}) has no code: set code: ./dir (relative to this "
                    "file) or code: {ossBucketName: …, ossObjectName: …}"))
            if runtime not in fcfacts.CUSTOM_RUNTIMES and isinstance(fn.get("customRuntimeConfig"), dict):
                self.warn(path + ("customRuntimeConfig",), (
                    f"customRuntimeConfig only applies to custom runtimes ({', '.join(fcfacts.CUSTOM_RUNTIMES)}); "
                    f"runtime {runtime} ignores it"), key=True)
        if has_image and isinstance(image, str) and isinstance(region, str) and region:
            host = image.split("/", 1)[0]
            m = _ACR_RE.match(host + "/")
            if m:
                acr_region = m.group("r1") or m.group("r2")
                if acr_region != region:
                    vpc = "-vpc" if "-vpc." in host else ""
                    self.error(path + ("customContainerConfig", "image"), (
                        f"the image is in the ACR registry of region {acr_region} but the function "
                        f"deploys to {region}; FC pulls images only from ACR in its own region — push "
                        f"the image to registry{vpc}.{region}.aliyuncs.com (or set the function's region)"))

    def code_shape(self, code: Any, cpath: PathT) -> None:
        if isinstance(code, str):
            if not code.strip():
                self.error(cpath, "code is empty: write a directory, e.g. code: ./src")
                return
            base = self.dirs.get(self.plain.loc(cpath).file, Path.cwd())
            target = (base / code)
            self.code_place(code, target, base, cpath)
            return
        if isinstance(code, dict):
            for key in ("ossBucketName", "ossObjectName"):
                if key not in code:
                    self.error(cpath, f"code in OSS needs both ossBucketName and ossObjectName; {key} is missing")
                elif not isinstance(code[key], str) or not code[key]:
                    self.error(cpath + (key,), f"{key} must be a non-empty string")
            self.covering.add(cpath)
            return
        self.error(cpath, (
            "code must be a local directory (code: ./src) or a zip in OSS "
            "(code: {ossBucketName: …, ossObjectName: …})"))
        self.covering.add(cpath)

    def code_place(self, code: str, target: Path, base: Path, cpath: PathT) -> None:
        """Where a local ``code:`` points: never a system directory (error), a warning outside
        the spec's directory; only a directory or a regular .zip file (never opened before it
        is known to be a regular file: a FIFO would hang the read). Functions that share a
        code directory share the answer (looked up once per check)."""
        key = (code, str(target), str(base))
        found = self._places.get(key)
        if found is None:
            found = self._places[key] = self._place_findings(code, target, base)
        for level, message in found:
            (self.error if level == "error" else self.warn)(cpath, message)

    def _place_findings(self, code: str, target: Path, base: Path) -> list:
        out: list = []
        real = os.path.realpath(target)
        try:
            st = os.stat(real)
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                out.append(("error", (
                    f"code directory {code} does not exist (looked in {real}); paths are "
                    "relative to the file that sets them")))
            else:
                out.append(("error", f"code {code}: cannot use {real}: {exc.strerror}"))
            return out
        home = os.path.realpath(os.path.expanduser("~"))
        secret_trees = tuple(os.path.join(home, d) for d in fcfacts.CODE_HOME_SECRET_TREES)
        trees = fcfacts.CODE_SYSTEM_TREES + secret_trees
        if (real in fcfacts.CODE_SYSTEM_DIRS or real == home
                or any(real == t or real.startswith(t + "/") for t in trees)):
            what = ("your home directory" if real == home else "a directory of credentials"
                    if any(real == t or real.startswith(t + "/") for t in secret_trees)
                    else "a system directory")
            out.append(("error", (
                f"code {code} is {real}, {what}: fcctl would upload everything in it; point "
                "code at the directory of your function's code")))
            return out
        tree = _project_root(os.path.realpath(base))
        if real != tree and not real.startswith(tree.rstrip("/") + "/"):
            out.append(("warn", (
                f"code {code} points to {real}, outside the directory tree of this spec "
                f"({tree}); everything in it is uploaded")))
        if stat.S_ISDIR(st.st_mode):
            # what packaging refuses (links out, loops, special files) is caught here too, so a
            # pipeline that only validates cannot go green on a tree `plan` refuses
            from fcctl.deploy.codezip import PackagingError, check_tree

            try:
                check_tree(real, list(self.dirs))
            except PackagingError as exc:
                out.append(("error", f"code {code}: {exc.message}"
                            + (f"; {exc.hint}" if exc.hint else "")))
            return out
        if not stat.S_ISREG(st.st_mode):
            kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a socket"
                    if stat.S_ISSOCK(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode)
                    or stat.S_ISBLK(st.st_mode) else "not a regular file")
            out.append(("error", (
                f"code {code} ({real}) is {kind}; code must be a directory (fcctl zips it), a "
                ".zip file, or {ossBucketName, ossObjectName} for a zip in OSS")))
            return out
        if not (target.suffix.lower() == ".zip" and _is_zip(real)):
            out.append(("error", (
                f"code {code} is a file but not a zip; code must be a directory (fcctl zips "
                "it), a .zip file (sent as is, what `fcctl export` writes), or "
                "{ossBucketName, ossObjectName} for a zip in OSS")))
        return out

    def start_file(self, fn: dict, path: PathT, runtime) -> None:
        """A custom runtime's start file in the code directory — ``bootstrap`` (no command) or
        customRuntimeConfig.command[0] when it names a file there (``./run.sh``,
        ``/code/run.sh``) — must be executable and have LF line endings, or FC cannot start it
        and reports only that the instance failed. Warnings; FIFOs are never opened."""
        code = fn.get("code")
        if runtime not in fcfacts.CUSTOM_RUNTIMES or not isinstance(code, str) or not code.strip():
            return
        crc = fn.get("customRuntimeConfig")
        command = crc.get("command") if isinstance(crc, dict) else None
        at = path + ("code",)
        if isinstance(command, list) and command:
            first = command[0]
            if not isinstance(first, str):
                return
            if first.startswith("/code/"):
                rel = first[len("/code/"):]
            elif not first.startswith("/") and "/" in first:
                rel = first[2:] if first.startswith("./") else first
            else:
                return  # an interpreter from PATH (python3, node…)
            at = path + ("customRuntimeConfig", "command", 0)
        else:
            rel = "bootstrap"
        base = self.dirs.get(self.plain.loc(path + ("code",)).file, Path.cwd())
        code_dir = os.path.realpath(base / code)
        target = os.path.join(code_dir, rel)
        try:
            st = os.stat(target)
        except OSError:
            return
        if not stat.S_ISREG(st.st_mode) or not os.path.isdir(code_dir):
            return
        if not st.st_mode & stat.S_IXUSR:
            self.warn(at, (
                f"{rel} in the code directory is not executable (mode {stat.S_IMODE(st.st_mode):o}): "
                f"FC cannot start it and reports only a failed instance; run chmod +x "
                f"{os.path.join(code, rel)}"))
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return
        with os.fdopen(fd, "rb") as f:
            head = f.read(64 * 1024) if stat.S_ISREG(os.fstat(f.fileno()).st_mode) else b""
        if b"\r\n" in head:
            self.warn(at, (
                f"{rel} in the code directory has Windows line endings (CRLF): its #! line ends "
                "in a carriage return and FC cannot start it; convert it to LF (dos2unix, or "
                "git config core.autocrlf input)"))

    # -- lifecycle hooks (docs/fc-facts.md) --
    def lifecycle(self, fn: dict, path: PathT, runtime) -> None:
        ilc = fn.get("instanceLifecycleConfig")
        if not isinstance(ilc, dict):
            return
        is_gpu = isinstance(fn.get("gpuConfig"), dict)
        custom = runtime in fcfacts.CUSTOM_RUNTIMES or runtime == fcfacts.CONTAINER_RUNTIME
        for hook_name in ("initializer", "preStop"):
            if hook_name not in ilc:
                continue
            hp = path + ("instanceLifecycleConfig", hook_name)
            hook = ilc[hook_name]
            title = "initializer" if hook_name == "initializer" else "preStop"
            if not isinstance(hook, dict):
                self.error(hp, (
                    f"{title} must be a mapping, e.g. {title}: {{handler: \"true\", timeout: 10}}"
                    + (" or {command: [/bin/sh, /code/warm.sh], timeout: 60}" if hook_name == "initializer" else "")))
                continue
            handler = hook.get("handler")
            command = hook.get("command")
            handler_set = isinstance(handler, str) and fcfacts.hook_is_set({"handler": handler})
            if isinstance(handler, str) and handler and not handler_set:
                self.error(hp + ("handler",), (
                    f"{title} handler is only whitespace: write the handler (e.g. \"true\") to "
                    "enable the hook, or \"\" to disable it"))
            command_set = False
            if "command" in hook:
                if isinstance(command, str) and hook_name == "preStop":
                    command_set = bool(command)  # reported below: PreStop takes no command at all
                elif isinstance(command, str):
                    self.error(hp + ("command",), (
                        f"{title} command must be a list of strings, not one string; write it as an "
                        "argv list, e.g. command: [/bin/sh, -c, \"…\"] or [/bin/sh, /code/warmup.sh]"))
                    command_set = bool(command)
                elif isinstance(command, list):
                    for j, item in enumerate(command):
                        if not isinstance(item, str):
                            self.error(hp + ("command", j), (
                                f"{title} command items must be strings; quote this one"))
                    command_set = len(command) > 0
                else:
                    self.error(hp + ("command",), (
                        f"{title} command must be a list of strings (an argv list), e.g. "
                        "[/bin/sh, /code/warmup.sh]"))
            if handler_set and command_set:
                # point at the hook mapping (in an overlay: as the latest file wrote it)
                self.error(hp, (
                    f"{title} sets both handler and command; FC accepts one type per hook: keep "
                    "handler (code type, FC calls your server or function) or command (command "
                    "type, GPU functions only) — set the other to \"\" / [] or remove it"))
            elif command_set and hook_name == "preStop":
                self.error(hp + ("command",), (
                    "preStop cannot run a command: only the Initializer has a command type; PreStop "
                    "is code type only — use preStop.handler (custom runtimes: GET /pre-stop)"))
            elif command_set and not is_gpu:
                self.error(hp + ("command",), (
                    "a command-type Initializer works only on GPU functions (functions with "
                    "gpuConfig); use initializer.handler (custom runtimes: POST /initialize), or "
                    "add gpuConfig"))
            if "timeout" in hook and "handler" not in hook and "command" not in hook:
                self.warn(hp, (
                    f"{title} sets only timeout: without handler or command the hook does nothing; "
                    "add handler (or command), or remove the hook"))
            if "timeout" in hook and hp + ("timeout",) not in self.reported:
                self.hook_timeout(hook["timeout"], hp + ("timeout",), hook_name)
            if handler_set and isinstance(handler, str) and custom and handler.strip().lower() in PLACEHOLDER_HANDLERS:
                route = ("POST " + fcfacts.INITIALIZE_PATH if hook_name == "initializer"
                         else "GET " + fcfacts.PRESTOP_PATH)
                self.warn(hp + ("handler",), (
                    f"{title} handler {handler!r} looks like a placeholder, but on a custom runtime or "
                    f"container any non-empty handler enables the hook: FC will call {route} on your "
                    f"server, which may not have that route. Write handler: \"true\" if the server "
                    f"handles {route}, or handler: \"\" to disable the hook"))
            elif handler_set and isinstance(handler, str) and runtime and handler.strip().lower() in PLACEHOLDER_HANDLERS:
                self.warn(hp + ("handler",), (
                    f"{title} handler {handler!r} looks like a placeholder, but on runtime {runtime} "
                    f"FC calls the handler as a function (e.g. index.{hook_name}) and the hook fails; "
                    "name the function, or write handler: \"\" to disable the hook"))

    def hook_timeout(self, value: Any, tpath: PathT, hook_name: str) -> None:
        lo, hi = _HOOK_RANGES[hook_name]
        upto = f"{lo} to {hi}" if hook_name == "initializer" else f"{lo} (FC's default quota: up to {hi})"
        what = f"{hook_name} timeout must be a positive number of seconds, a whole number from {upto}"
        if isinstance(value, bool):
            self.error(tpath, f"{what}, not true/false")
        elif isinstance(value, float):
            if value.is_integer():
                self.error(tpath, f"{what}, written as an integer: {int(value)}, not {value!r}")
            else:
                self.error(tpath, f"{what}, not a fraction (got {value!r})")
        elif isinstance(value, str):
            m = re.fullmatch(r"\s*(\d+)\s*s(ec(ond)?s?)?\s*", value)
            hint = f"; write timeout: {m.group(1)}" if m else "; write a plain number, e.g. timeout: 10"
            self.error(tpath, f"{what}, as a number without quotes or units (got {value!r}){hint}")
        elif isinstance(value, int) and value < lo:
            self.error(tpath, f"{what} (got {value})")  # above the maximum: fcctl.limits
        elif not isinstance(value, int):
            self.error(tpath, f"{what}")

    # -- secrets written literally; numbers/booleans where FC wants strings --
    def env_names(self, mapping: Any, mpath: PathT, what: str) -> None:
        """Environment variable names: text; letters, digits and _, starting with a letter."""
        if not isinstance(mapping, dict):
            return
        for name in mapping:
            kpath = mpath + (name,)
            kind = self.plain.key_kinds.get(kpath)
            as_kind = "null" if kind == "null" else f"a {kind}"
            if kind and _ENV_NAME_RE.fullmatch(name) and kind != "number":
                self.error(kpath, (
                    f"{what} name {name}: YAML 1.1 reads this key as {as_kind}, not text; quote it "
                    f"(\"{name}\": …) if that is the name"), key=True)
            elif kind:
                self.error(kpath, (
                    f"{what} name {name}: YAML reads this key as {as_kind}; a name is letters, "
                    f"digits and _, starting with a letter, e.g. {_env_name_hint(name)}"), key=True)
            elif not _ENV_NAME_RE.fullmatch(name):
                self.error(kpath, (
                    f"{what} name {name!r} is not valid: use letters, digits and _, starting with a "
                    f"letter, e.g. {_env_name_hint(name)} ({fcfacts.DOC_ENV}: "
                    f"{fcfacts.DOC_LINE_ENV_NAME})"), key=True)

    def secrets(self, fn: dict, path: PathT) -> None:
        env = fn.get("environmentVariables")
        self.env_names(env, path + ("environmentVariables",), "environment variable")
        juice = fn.get("juiceFsConfig")
        if isinstance(juice, dict):
            self.env_names(juice.get("envs"), path + ("juiceFsConfig", "envs"), "juiceFsConfig.envs")
        if isinstance(env, dict):
            for name, value in env.items():
                vpath = path + ("environmentVariables", name)
                as_text = scalar_as_string(self.plain, vpath, value)
                if as_text is not None:
                    kind, value = _yaml_kind(value), as_text
                    shown = f'"{as_text}"' if not fcfacts.is_secret_name(str(name)) else "in quotes"
                    self.warn(vpath, (
                        f"environment variable {name}: YAML reads this value as a "
                        f"{kind}; FC takes strings, so fcctl sends the text as "
                        f"written — quote it ({shown}) to say so"))
                    self.reported.add(vpath)  # converted: the model sees a string
                if (fcfacts.is_secret_name(str(name)) and isinstance(value, str) and value
                        and vpath not in self.plain.from_env):
                    self.warn(vpath, (
                        f"environment variable {name} looks like a secret written in the file; "
                        f"write {name}: ${{env:{name}}} and set {name} where fcctl runs (e.g. a CI secret)"))
        # credential fields of nested configs (registry password, JuiceFS token and envs)
        for spath, value in _walk(fn, path):
            last = spath[-1]
            parent = spath[-2] if len(spath) > 1 else None
            secret_field = last in ("password", "token") or (
                parent == "envs" and fcfacts.is_secret_name(str(last)))
            if (secret_field and isinstance(value, str) and value
                    and spath not in self.plain.from_env and "environmentVariables" not in spath):
                self.warn(spath, (
                    f"{last} is a credential written in the file; write {last}: ${{env:NAME}} "
                    "and set NAME where fcctl runs (e.g. a CI secret)"))

    # -- tags: a mapping (fcctl) or FC's [{Key, Value}] list (checked by the model) --
    def tags(self, fn: dict, path: PathT) -> None:
        if "tags" not in fn:
            return
        tags, tp = fn["tags"], path + ("tags",)
        if isinstance(tags, dict):
            for key, value in tags.items():
                if scalar_as_string(self.plain, tp + (key,), value) is not None:
                    self.warn(tp + (key,), (
                        f"tag {key}: YAML reads this value as a {_yaml_kind(value)}; FC takes "
                        f"strings, so fcctl sends \"{self.plain.texts[tp + (key,)]}\" — quote it to say so"))
                elif not isinstance(value, str):
                    hint = f': {key}: "{value}"' if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
                    self.error(tp + (key,), f"tag {key}: the value must be a string; quote it{hint}")
            self.covering.add(tp)
        elif not isinstance(tags, list):
            self.error(tp, "tags must be a mapping (`team: orders` lines) or FC's list of "
                           "{Key: …, Value: …}")
            self.covering.add(tp)

    # -- triggers --
    def triggers(self, fn: dict, path: PathT) -> None:
        trs = fn.get("triggers")
        if not isinstance(trs, list):
            return
        for i, tr in enumerate(trs):
            tp = path + ("triggers", i)
            if not isinstance(tr, dict):
                continue
            ttype = tr.get("triggerType")
            if "triggerConfig" not in tr:
                if ttype == "timer":
                    self.error(tp, "a timer trigger needs triggerConfig with cronExpression, e.g. "
                                   "triggerConfig: {cronExpression: \"@every 5m\", enable: true}")
                continue
            cfg = tr.get("triggerConfig")
            cp = tp + ("triggerConfig",)
            if not isinstance(cfg, dict):
                self.error(cp, "triggerConfig must be a mapping (fcctl JSON-encodes it for FC), "
                               "e.g. triggerConfig: {authType: anonymous, methods: [GET, POST]}")
                continue
            if ttype == "http":
                self.keys(cfg, HTTP_TRIGGER_KEYS, cp, "an http triggerConfig")
                at = cfg.get("authType")
                if "authType" in cfg and at not in HTTP_AUTH_TYPES:
                    self.error(cp + ("authType",), (
                        f"authType must be one of {', '.join(HTTP_AUTH_TYPES)}"
                        + (did_you_mean(at, HTTP_AUTH_TYPES) if isinstance(at, str) else "")))
                methods = cfg.get("methods")
                if "methods" in cfg:
                    if not isinstance(methods, list):
                        self.error(cp + ("methods",), "methods must be a list, e.g. [GET, POST]")
                    else:
                        for j, m in enumerate(methods):
                            if not isinstance(m, str) or m not in HTTP_METHODS:
                                hint = did_you_mean(m, HTTP_METHODS) if isinstance(m, str) else ""
                                self.error(cp + ("methods", j), (
                                    f"HTTP method must be one of {', '.join(HTTP_METHODS)} (upper case){hint}"))
                if "disableURLInternet" in cfg and not isinstance(cfg["disableURLInternet"], bool):
                    self.error(cp + ("disableURLInternet",), "disableURLInternet must be true or false")
                cors = cfg.get("corsConfig")
                if isinstance(cors, dict):
                    self.keys(cors, CORS_KEYS, cp + ("corsConfig",), "corsConfig")
            elif ttype == "timer":
                self.keys(cfg, TIMER_TRIGGER_KEYS, cp, "a timer triggerConfig")
                cron = cfg.get("cronExpression")
                if "cronExpression" not in cfg:
                    self.error(cp, "a timer trigger needs cronExpression, e.g. \"@every 5m\" or "
                                   "\"CRON_TZ=Asia/Shanghai 0 0 4 * * *\"")
                elif not isinstance(cron, str) or not cron.strip():
                    self.error(cp + ("cronExpression",), (
                        "cronExpression must be a string such as \"@every 5m\" or a 6-field cron "
                        "expression \"0 0 4 * * *\" (seconds first)"))
                elif cp + ("cronExpression",) not in self.plain.unset:
                    checks.cron(self, cron, cp + ("cronExpression",))
                if "enable" in cfg and not isinstance(cfg["enable"], bool):
                    self.error(cp + ("enable",), "enable must be true or false (without quotes)")
                if ("payload" in cfg and not isinstance(cfg["payload"], str)
                        and cp + ("payload",) not in self.reported):
                    self.error(cp + ("payload",), (
                        "payload must be a string (FC passes it as the event's payload); quote it, "
                        "or write JSON as a string"))

    # -- aliases, provisioning and trigger qualifiers --
    def aliases(self, fn: dict, path: PathT) -> None:
        als = fn.get("aliases")
        names: list[str] = []
        if isinstance(als, list):
            for i, al in enumerate(als):
                if not isinstance(al, dict):
                    continue
                ap = path + ("aliases", i)
                name = al.get("aliasName")
                if isinstance(name, str):
                    if name == fcfacts.LATEST_QUALIFIER:
                        self.error(ap + ("aliasName",), (
                            "aliasName LATEST is FC's own qualifier, not an alias; give the alias "
                            "another name (e.g. prod), or set LATEST's minimum instances with "
                            "`provisionConfig:` on the function"))
                    else:
                        names.append(name)
                if "provisionConfig" in al:
                    self.provision(al["provisionConfig"], ap + ("provisionConfig",))
        if "provisionConfig" in fn:
            self.provision(fn["provisionConfig"], path + ("provisionConfig",))
        trs = fn.get("triggers")
        for i, tr in enumerate(trs if isinstance(trs, list) else []):
            q = tr.get("qualifier") if isinstance(tr, dict) else None
            if (not isinstance(q, str) or not q.strip() or q == fcfacts.LATEST_QUALIFIER
                    or re.fullmatch(fcfacts.VERSION_QUALIFIER_PATTERN, q) or q in names):
                continue
            listed = ", ".join(dict.fromkeys(names))
            known = (f"the aliases of this function in the spec: {listed}" if names
                     else "this function declares no `aliases:`")
            self.error(path + ("triggers", i, "qualifier"), (
                f"qualifier {q!r} names neither LATEST, a version number nor an alias of the spec "
                f"({known}){did_you_mean(q, names + [fcfacts.LATEST_QUALIFIER])}; declare it under "
                f"`aliases:` (- aliasName: {q}) or use LATEST"))

    def provision(self, cfg: Any, pp: PathT) -> None:
        if not isinstance(cfg, dict):
            return
        for key, required in (("scheduledActions", ("name", "scheduleExpression", "target")),
                              ("targetTrackingPolicies", ("name", "metricType", "metricTarget",
                                                          "minCapacity", "maxCapacity"))):
            items = cfg.get(key)
            if not isinstance(items, list):
                continue
            seen: dict[str, int] = {}
            for j, item in enumerate(items):
                ip = pp + (key, j)
                if not isinstance(item, dict):
                    continue
                name = item.get("name")
                if isinstance(name, str):
                    if name in seen:
                        self.error(ip + ("name",), (
                            f"{key} name {name} is used twice (first at "
                            f"{self.where(pp + (key, seen[name], 'name'), ip)}); names must be unique"))
                    else:
                        seen[name] = j
                expr = item.get("scheduleExpression")
                if key == "scheduledActions" and isinstance(expr, str):
                    why = schedule_problem(expr)
                    if why:
                        self.error(ip + ("scheduleExpression",), why)
                self.provision_times(item, ip)
                lo, hi = item.get("minCapacity"), item.get("maxCapacity")
                if (isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool)
                        and not isinstance(hi, bool) and lo > hi):
                    self.error(ip + ("minCapacity",), (
                        f"minCapacity {lo} is larger than maxCapacity {hi}"))

    def provision_times(self, item: dict, ip: PathT) -> None:
        import datetime

        when: dict[str, datetime.datetime] = {}
        for key in ("startTime", "endTime"):
            value = item.get(key)
            if not isinstance(value, str):
                continue
            ok = re.fullmatch(fcfacts.PROVISION_TIME_PATTERN, value) is not None
            if ok:
                try:
                    parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
                    when[key] = parsed.replace(tzinfo=None)
                except ValueError:
                    ok = False
            if not ok:
                self.error(ip + (key,), (
                    f"{key} {value!r} is not a time FC takes: write YYYY-MM-DDThh:mm:ssZ, e.g. "
                    "2026-03-10T10:10:10Z (UTC unless timeZone is set)"))
        if "startTime" in when and "endTime" in when and when["startTime"] >= when["endTime"]:
            self.error(ip + ("endTime",), "endTime must be later than startTime")
        tz = item.get("timeZone")
        if isinstance(tz, str):
            import zoneinfo

            try:
                zoneinfo.ZoneInfo(tz)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                self.error(ip + ("timeZone",), (
                    f"timeZone {tz!r} is not an IANA time zone; write e.g. Asia/Shanghai or UTC"))

    def keys(self, mapping: dict, allowed, path: PathT, what: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.error(path + (key,), (
                    f"unknown key {key} in {what}{did_you_mean(str(key), allowed)}; allowed: "
                    f"{', '.join(allowed)}"), key=True)


def scalar_as_string(plain: Plain, path: PathT, value: Any) -> str | None:
    """The text of a number/boolean scalar at ``path`` where FC wants a string (environment
    variable and tag values), or None. Policy: send the text as written, with a warning."""
    if isinstance(value, (bool, int, float)) and path in plain.texts:
        return plain.texts[path]
    return None


def _get(data: Any, path: PathT) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _is_env_or_tag_value(path: PathT) -> bool:
    return len(path) == 4 and path[0] == "functions" and path[2] in ("environmentVariables", "tags")


def _env_name_hint(name: str) -> str:
    hint = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not re.search(r"[A-Za-z0-9]", hint):
        return "MY_VAR"
    return hint if hint[0].isalpha() else "VAR" + ("" if hint[0] == "_" else "_") + hint


def _yaml_kind(value: Any) -> str:
    return "boolean" if isinstance(value, bool) else "number"


def _walk(data: Any, path: PathT):
    """(path, value) of every scalar under ``data``."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _walk(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _walk(v, path + (i,))
    else:
        yield path, data


def check(plain: Plain, dirs: dict[str, Path], problems: list[Problem]) -> tuple[set, set]:
    """Run every cross-field rule; append problems. Returns ``(reported, covering)``: the
    paths that got errors, and the paths whose whole subtree the rules have judged."""
    checker = _Checker(plain, dirs, problems)
    checker.run()
    return checker.reported, checker.covering


def _is_zip(path: str) -> bool:
    """A regular file with a zip end record; opened non-blocking (it was a regular file when
    checked, but could be swapped for a FIFO)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return False
        return zipfile.is_zipfile(f)


def _project_root(spec_dir: str) -> str:
    """The spec's directory tree: the enclosing git work tree (a monorepo's ``code: ../src`` is
    inside it), else the spec's own directory."""
    d = spec_dir
    while True:
        if os.path.lexists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return spec_dir
        d = parent


def schedule_problem(expr: str) -> str | None:
    """What is wrong with a provision ``scheduleExpression`` (None when fine): FC's forms are
    ``cron(...)`` with the 6 cron fields, seconds first, as in its example cron(0 0 22 * * *)
    (or FC 2.0's 5-field form, cron(0/30 * * * *)) —
    checked by the timer trigger's own checker (:mod:`fcctl.cron`) — and ``at(...)`` with one
    date-time (policy ``fcfacts.SCHEDULE_EXPRESSION_PATTERN``)."""
    import datetime as dt

    from fcctl.cron import check_cron

    form = ("write cron(...) with FC's 6 cron fields, e.g. cron(0 0 22 * * *), or at(...) with "
            "one time, e.g. at(2026-08-01T10:00:00)")
    m = re.fullmatch(fcfacts.SCHEDULE_EXPRESSION_PATTERN, expr.strip())
    if not m:
        return f"scheduleExpression {expr!r} is not FC's form: {form}"
    inner = m.group(2).strip()
    if m.group(1) == "cron":
        if inner.startswith("@") or re.match(r"(CRON_TZ|TZ)=", inner):
            return (f"scheduleExpression {expr!r}: cron(...) takes the 6 cron fields only (set "
                    "the time zone with timeZone)")
        # FC 3.0's PutProvisionConfig example has 6 fields, seconds first (cron(0 0 22 * * *));
        # FC 2.0's ScheduledActions example has 5 (cron(0/30 * * * *)): both are accepted, the
        # 5-field form read with seconds 0
        fields = inner.split()
        error, _ = check_cron("0 " + inner if len(fields) == 5 else inner)
        return f"scheduleExpression {expr!r}: {error}" if error else None
    try:
        dt.datetime.fromisoformat(inner[:-1] if inner.endswith("Z") else inner)
    except ValueError:
        return (f"scheduleExpression {expr!r}: at(...) needs one valid date-time such as "
                "at(2026-08-01T10:00:00)")
    return None
