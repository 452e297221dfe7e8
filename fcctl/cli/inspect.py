"""``fcctl get`` and ``fcctl export``: read live functions (read-only API calls)."""

from __future__ import annotations

from typing import List, Optional

import typer

from fcctl import errors
from fcctl.cli.context import EndpointOpt, OutputOpt, ProfileOpt, check_name, merged
from fcctl.cli.main import app
from fcctl.ui.console import get_console

RegionOpt = typer.Option(
    None, "--region", envvar="ALIBABA_CLOUD_REGION_ID", metavar="REGION",
    help="Region of the function(s), e.g. cn-hangzhou (needed for the public endpoint).",
)


def _client(ctx, endpoint, profile, output, region):
    from fcctl.cloud import connect

    s = merged(ctx, endpoint=endpoint, profile=profile, output=output)
    return connect(s.endpoint, s.profile, region)


def _printable(value) -> str:
    """FC values shown as text: secrets scrubbed, control characters made visible (no terminal
    escapes, no fake lines) — ``fcctl.ui.redact.safe``."""
    from fcctl.ui.redact import safe

    return safe(value)


def _guard_secrets(fn: dict) -> None:
    """The live function's secrets (secret and sensitive variables, credential fields, values
    secret by shape) are scrubbed from everything printed, wherever else they appear (a
    description, a trigger payload)."""
    from fcctl.deploy.fields import secrets_of
    from fcctl.ui import redact

    redact.add_secrets(secrets_of(fn))


def _fetch(client, name: str) -> dict:
    return client.get_function(name, missing_ok=False)


@app.command()
def get(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Function name."),
    region: Optional[str] = RegionOpt,
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """Show a live function: its lifecycle hooks, state and lastUpdateStatus."""
    from fcctl.deploy.fields import HOOKS, hook_is_set, mask_function

    check_name(name)
    client = _client(ctx, endpoint, profile, output, region)
    fn = _fetch(client, name)
    _guard_secrets(fn)
    shown = mask_function(fn)
    env = shown.get("environmentVariables") or {}

    def render(console):
        ilc = fn.get("instanceLifecycleConfig") or {}
        lines = [
            ("function", fn.get("functionName")),
            ("arn", fn.get("functionArn")),
            ("runtime", fn.get("runtime")),
            ("state", fn.get("state")),
            ("lastUpdateStatus", fn.get("lastUpdateStatus")),
        ]
        if fn.get("lastUpdateStatusReason"):
            lines.append(("lastUpdateStatusReason",
                          f"{fn.get('lastUpdateStatusReasonCode')}: {fn.get('lastUpdateStatusReason')}"))
        lines += [
            ("memorySize", f"{fn.get('memorySize')} MB"),
            ("cpu", f"{fn.get('cpu')} vCPU"),
            ("timeout", f"{fn.get('timeout')} s"),
            ("lastModifiedTime", fn.get("lastModifiedTime")),
            ("codeChecksum", fn.get("codeChecksum")),
        ]
        for h in HOOKS:
            hook = ilc.get(h) or {}
            if not hook_is_set(hook):
                lines.append((h, "not set"))
            elif hook.get("command"):
                lines.append((h, f"command {hook.get('command')} (timeout {hook.get('timeout')} s)"))
            else:
                lines.append((h, f"handler {hook.get('handler')!r} (timeout {hook.get('timeout')} s)"))
        for k, v in sorted(env.items()):
            lines.append((f"env {_printable(k)}", v))
        width = max(len(k) for k, _ in lines)
        for k, v in lines:
            console.print(f"{k.ljust(width)}  {_printable('' if v is None else v)}")

    get_console().result({"function": shown}, render)


@app.command()
def export(
    ctx: typer.Context,
    names: List[str] = typer.Argument(..., metavar="NAME...", help="Function names."),
    code_dir: str = typer.Option(
        "code", "--code-dir", metavar="DIR",
        help="Where to save each function's code zip (<dir>/<name>.zip); the spec refers to it "
        "relative to the current directory, so save the spec here."),
    no_code: bool = typer.Option(False, "--no-code", help="Do not download code."),
    region: Optional[str] = RegionOpt,
    endpoint: Optional[str] = EndpointOpt,
    profile: Optional[str] = ProfileOpt,
    output: Optional[str] = OutputOpt,
) -> None:
    """Print live functions as fc.yaml (planning the exported file shows no changes).

    Each function's code zip is downloaded (GetFunctionCode) to --code-dir and referenced as
    code: DIR/NAME.zip; a ready zip is sent as is, so its checksum equals FC's and the plan stays
    clean. Secret-looking environment values are written as ${env:NAME}: set them before
    planning.
    """
    from pathlib import Path

    import yaml

    from fcctl import fcfacts
    from fcctl.deploy.fields import export_fields

    for name in names:
        check_name(name)
    client = _client(ctx, endpoint, profile, output, region)
    secrets = _environment_secrets()
    functions = []
    for name in dict.fromkeys(names):  # a name given twice is exported once
        fn = _fetch(client, name)
        _guard_secrets(fn)
        spec_fn = {"functionName": fn.get("functionName", name)}
        spec_fn.update({k: v for k, v in export_fields(fn).items() if k != "functionName"})
        if fn.get("runtime") != fcfacts.CONTAINER_RUNTIME and not no_code:
            _export_code(client, name, Path(code_dir), spec_fn)
        triggers = client.list_triggers(name)
        if triggers:
            spec_fn["triggers"] = [_export_trigger(t) for t in triggers]
        functions.append(_as_spec_text(spec_fn, secrets))
    doc = {"region": region or client.region or "cn-hangzhou", "functions": functions}

    def render(console):
        import sys

        from fcctl.ui.redact import scrub_data

        # scrubbed before YAML folds a long line (a fold would split a secret); no folding
        sys.stdout.write(yaml.safe_dump(scrub_data(doc), sort_keys=False, allow_unicode=True,
                                        width=2 ** 31 - 1))

    get_console().result({"spec": doc}, render)


def _export_code(client, name: str, code_dir, spec_fn: dict) -> None:
    """Download the code zip into ``code_dir`` and point ``code:`` at it; warn and leave ``code``
    out when FC offers no download (code loaded from OSS)."""
    info = client.get_function_code(name)
    if not info.get("url"):
        get_console().warn(
            f"{name}: FC offers no download of this function's code (it was loaded from OSS?); "
            "add `code:` to the exported spec yourself ({ossBucketName, ossObjectName} or a path)")
        return
    data, _checksum = client.download_code(name)
    target = code_dir / f"{name}.zip"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_new(target, data)
    except OSError as exc:
        raise errors.UsageError(f"cannot write {target}: {exc.strerror or exc}",
                                hint="choose another --code-dir") from None
    spec_fn["code"] = target.as_posix() if target.is_absolute() else f"./{target.as_posix()}"
    get_console().progress(f"{name}: code saved to {target} ({len(data)} bytes)")


def _write_new(target, data: bytes) -> None:
    """Write ``target`` as a new file (temporary file + rename): a link already there is
    replaced, never followed; a FIFO there is replaced, never opened (no hang)."""
    import os
    import tempfile

    if target.is_dir() and not target.is_symlink():
        raise IsADirectoryError(21, "Is a directory", str(target))
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _environment_secrets() -> dict[str, str]:
    """``{value: NAME}`` of this machine's secret-named environment variables (longest first)."""
    from fcctl.ui.redact import secret_values

    import os

    by_value = {}
    for value in secret_values():
        for name, v in os.environ.items():
            if v == value and name.replace("_", "").isalnum():
                by_value.setdefault(value, name)
    return by_value


def _as_spec_text(value, secrets: dict[str, str], path: str = ""):
    """A live value as fc.yaml text: ``$`` doubled (so ``${…}`` in FC stays literal), secrets
    written as ``${env:NAME}`` — never as a mask, never in clear."""
    from fcctl import fcfacts
    from fcctl.deploy.fields import is_secret_field

    if isinstance(value, dict):
        return {k: _as_spec_text(v, secrets, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_spec_text(v, secrets, path) for v in value]
    if not isinstance(value, str) or value == "":
        return value
    if is_secret_field(path):
        last = path.rsplit(".", 1)[-1]
        name = last if path.startswith("environmentVariables.") else \
            "_".join(p.upper() for p in path.split(".")[-2:])
        if name.replace("_", "").isalnum() and not name[0].isdigit():
            get_console().warn(f"{path}: written as ${{env:{name}}}; set {name} before planning")
            return "${env:%s}" % name
        get_console().warn(f"{path}: a secret FC holds; fill it in yourself")
        return fcfacts.MASK
    text = value.replace("$", "$$")
    for secret, name in secrets.items():  # longest first
        text = text.replace(secret.replace("$", "$$"), "${env:%s}" % name)
    return _secret_free(text, path)


def _secret_free(text: str, path: str) -> str:
    """``text`` if it holds no secret (registered, or by shape: a URL's password, a token);
    else a variable's value becomes ``${env:NAME}`` and any other field is masked, with a
    warning — an exported file never holds a secret."""
    from fcctl.ui.redact import scrub

    scrubbed = scrub(text)
    if scrubbed == text:
        return text
    if path.startswith("environmentVariables."):
        name = path.split(".", 1)[1]
        get_console().warn(f"{path}: holds a secret; written as ${{env:{name}}}: set {name} "
                           "before planning")
        return "${env:%s}" % name
    get_console().warn(f"{path}: holds a secret FC keeps; it is masked here, fill it in yourself")
    return scrubbed


def _export_trigger(t: dict) -> dict:
    import json

    out = {k: t[k] for k in ("triggerName", "triggerType", "qualifier", "description",
                             "invocationRole", "sourceArn") if t.get(k)}
    cfg = t.get("triggerConfig")
    if isinstance(cfg, str):
        try:
            cfg = json.loads(cfg)
        except ValueError:
            pass
    if cfg:
        out["triggerConfig"] = cfg
    return out
