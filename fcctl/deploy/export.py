"""``fcctl export``'s work: live functions as fc.yaml content, their code zips saved locally.

:func:`export_functions` reads each function (GetFunction, ListTriggers, GetFunctionCode) and
returns an :class:`Export` whose ``spec`` is the fc.yaml document; the command only renders it.
An exported spec never holds a secret: secret-named values are written as ``${env:NAME}`` (or
masked, with a warning), and ``$`` is doubled so FC's literal ``${…}`` stays literal. Planning
the exported file shows no changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from fcctl import errors

if TYPE_CHECKING:  # pragma: no cover
    from fcctl.cloud.api import FcApi


@dataclass
class Export:
    """The exported fc.yaml document (``region``, ``functions``)."""

    spec: dict


def guard_secrets(fn: dict) -> None:
    """The live function's secrets (secret and sensitive variables, credential fields, values
    secret by shape) are scrubbed from everything printed, wherever else they appear (a
    description, a trigger payload)."""
    from fcctl.deploy.fields import secrets_of
    from fcctl.ui import redact

    redact.add_secrets(secrets_of(fn))


def export_functions(client: FcApi, names: Sequence[str], *, code_dir: Path | None,
                     region: str | None, warn: Callable[[str], None] = lambda m: None,
                     progress: Callable[[str], None] = lambda m: None) -> Export:
    """Export ``names`` (a name given twice once); ``code_dir`` ``None``: no code download.
    Raises :class:`fcctl.errors.ApiError` (FunctionNotFound…) and :class:`UsageError` when a
    code zip cannot be written."""
    from fcctl import fcfacts
    from fcctl.deploy.fields import export_fields

    secrets = _environment_secrets()
    functions = []
    for name in dict.fromkeys(names):
        fn = client.get_function(name, missing_ok=False)
        assert fn is not None  # missing_ok=False raises FunctionNotFound instead
        guard_secrets(fn)
        spec_fn = {"functionName": fn.get("functionName", name)}
        spec_fn.update({k: v for k, v in export_fields(fn).items() if k != "functionName"})
        if fn.get("runtime") != fcfacts.CONTAINER_RUNTIME and code_dir is not None:
            _export_code(client, name, code_dir, spec_fn, warn, progress)
        triggers = client.list_triggers(name)
        if triggers:
            spec_fn["triggers"] = [_export_trigger(t) for t in triggers]
        functions.append(_as_spec_text(readable_order(spec_fn), secrets, warn))
    return Export({"region": region or client.region or "cn-hangzhou", "functions": functions})


FIRST_KEYS = ("functionName", "runtime", "handler", "code")


def readable_order(spec_fn: dict) -> dict:
    """An exported function's keys in a readable order: functionName, runtime, handler, code
    first, then the rest in FC's field order — the order FC's API lists a Function's fields
    (alphabetical by field name, as SDK alibabacloud-fc20230330 models/_create_function_input.py
    and models/_function.py list them) — and ``triggers`` (fcctl's, not a Function field) last."""
    head = [k for k in FIRST_KEYS if k in spec_fn]
    rest = sorted(k for k in spec_fn if k not in FIRST_KEYS and k != "triggers")
    tail = ["triggers"] if "triggers" in spec_fn else []
    return {k: spec_fn[k] for k in head + rest + tail}


def _export_code(client: FcApi, name: str, code_dir, spec_fn: dict, warn, progress) -> None:
    """Download the code zip into ``code_dir`` and point ``code:`` at it; warn and leave ``code``
    out when FC offers no download (code loaded from OSS)."""
    info = client.get_function_code(name)
    if not info.get("url"):
        warn(
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
    progress(f"{name}: code saved to {target} ({len(data)} bytes)")



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

    by_value: dict[str, str] = {}
    for value in secret_values():
        for name, v in os.environ.items():
            if v == value and name.replace("_", "").isalnum():
                by_value.setdefault(value, name)
    return by_value



def _as_spec_text(value, secrets: dict[str, str], warn, path: str = ""):
    """A live value as fc.yaml text: ``$`` doubled (so ``${…}`` in FC stays literal), secrets
    written as ``${env:NAME}`` — never as a mask, never in clear."""
    from fcctl import fcfacts
    from fcctl.deploy.fields import is_secret_field

    if isinstance(value, dict):
        return {k: _as_spec_text(v, secrets, warn, f"{path}.{k}" if path else k)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_as_spec_text(v, secrets, warn, path) for v in value]
    if not isinstance(value, str) or value == "":
        return value
    if is_secret_field(path):
        last = path.rsplit(".", 1)[-1]
        name = last if path.startswith("environmentVariables.") else \
            "_".join(p.upper() for p in path.split(".")[-2:])
        if name.replace("_", "").isalnum() and not name[0].isdigit():
            warn(f"{path}: written as ${{env:{name}}}; set {name} before planning")
            return "${env:%s}" % name
        warn(f"{path}: a secret FC holds; fill it in yourself")
        return fcfacts.MASK
    text = value.replace("$", "$$")
    for secret, name in secrets.items():  # longest first
        text = text.replace(secret.replace("$", "$$"), "${env:%s}" % name)
    return _secret_free(text, path, warn)



def _secret_free(text: str, path: str, warn) -> str:
    """``text`` if it holds no secret (registered, or by shape: a URL's password, a token);
    else a variable's value becomes ``${env:NAME}`` and any other field is masked, with a
    warning — an exported file never holds a secret."""
    from fcctl.ui.redact import scrub

    scrubbed = scrub(text)
    if scrubbed == text:
        return text
    if path.startswith("environmentVariables."):
        name = path.split(".", 1)[1]
        warn(f"{path}: holds a secret; written as ${{env:{name}}}: set {name} "
                           "before planning")
        return "${env:%s}" % name
    warn(f"{path}: holds a secret FC keeps; it is masked here, fill it in yourself")
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
