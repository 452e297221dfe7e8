"""Which spec values are secret, registered for scrubbing as soon as the spec is read — before
any check can quote one in an error (``fcctl.ui.redact``, ``docs/fc-facts.md`` "Secrets and
output").

``x-fcctl-sensitive: [NAME, …]`` marks environment variables sensitive whatever their names, at
the top level (every function) or in one function. Secret values: the values of secret-named or
marked variables (and ``juiceFsConfig.envs``), credential fields (``…authConfig.password``,
``…token``), each as YAML read it *and* as the text written (``0777777`` is both ``262143`` and
``0777777``); values shaped like secrets anywhere (a URL's password, ``password=`` in a DSN, a
bearer token, an AccessKey-secret-shaped value); and this environment's secret variables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from fcctl import fcfacts
from fcctl.errors import Problem

if TYPE_CHECKING:  # pragma: no cover
    from fcctl.spec.locations import PathT
    from fcctl.spec.plain import Plain

KEY = fcfacts.SENSITIVE_KEY


def _names(value: Any, path: PathT, plain: Plain, problems: list[Problem]) -> list[str]:
    from fcctl.spec.locations import problem

    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return list(value)
    problems.append(problem(plain.loc(path), path, (
        f"{KEY} must be a list of environment variable names, e.g. {KEY}: [DATABASE_URL]")))
    return []


def register(plain: Plain, problems: list[Problem], environ: Mapping[str, str] | None = None) -> None:
    """Check ``x-fcctl-sensitive`` (a problem when it is not a list of names), then register the
    spec's sensitive names and secret values with ``fcctl.ui.redact``."""
    from fcctl.deploy.fields import is_secret_field
    from fcctl.ui import redact

    data = plain.data
    if not isinstance(data, dict):
        return
    names: list[str] = []
    if KEY in data:
        names += _names(data[KEY], (KEY,), plain, problems)
    fns = data.get("functions")
    fns = fns if isinstance(fns, list) else []
    for i, fn in enumerate(fns):
        if isinstance(fn, dict) and KEY in fn:
            names += _names(fn[KEY], ("functions", i, KEY), plain, problems)
    redact.mark_sensitive(names)

    found: list[Any] = list(redact.secret_values(environ))
    field_secret: dict[tuple[str, tuple[str, ...]], bool] = {}  # (dotted field, its last two keys) -> secret by name
    by_value: dict[str, tuple[bool, tuple[str, ...]]] = {}  # string value -> (secret by shape, secrets it holds by shape)

    def walk(value: Any, path: PathT) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, path + (k,))
            return
        if isinstance(value, list):
            for j, v in enumerate(value):
                walk(v, path + (j,))
            return
        if value is None or isinstance(value, bool):
            text = plain.texts.get(path)
            if text is None:
                return
        keys = [str(p) for p in path if isinstance(p, str)]
        dotted = ".".join(keys[keys.index("environmentVariables"):]
                          if "environmentVariables" in keys else keys[-1:])
        # a spec repeats field names and values: decide each distinct one once (the names
        # marked sensitive are fixed above, so the answers cannot change during the walk)
        fkey = (dotted, tuple(keys[-2:]))
        secret = field_secret.get(fkey)
        if secret is None:
            secret = field_secret[fkey] = is_secret_field(dotted) or (
                len(keys) >= 2 and keys[-2] == "envs" and redact.is_sensitive_name(keys[-1]))
        if isinstance(value, str):
            shape = by_value.get(value)
            if shape is None:
                shape = by_value[value] = (redact.looks_secret(value),
                                           tuple(redact.shaped_secrets(value)))
        else:
            shape = (redact.looks_secret(value), ())
        if secret or shape[0]:
            found.append(value)
            if path in plain.texts:  # the text as written, when YAML read something else
                found.append(plain.texts[path])
        if isinstance(value, str):
            found.extend(shape[1])

    walk(data, ())
    redact.add_secrets(found)


def mark_from_files(files: list[str] | None = None) -> list[str]:
    """For commands that show live functions without reading the spec (``get``, ``export``):
    the ``x-fcctl-sensitive`` names of ``files`` (default ``./fc.yaml`` when it exists), marked
    with ``fcctl.ui.redact`` so a marked variable is masked there too. Never fails: a missing,
    special, oversized or unparsable file marks nothing (those commands do not need the spec)."""
    import os
    import stat

    import yaml

    from fcctl.spec.tree import MAX_FILE_BYTES
    from fcctl.ui import redact

    paths = list(files or (["fc.yaml"] if os.path.isfile("fc.yaml") else []))
    names: list[str] = []
    for path in paths:
        try:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES:
                continue
            with open(path, "rb") as f:
                data = yaml.load(f.read(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except (OSError, yaml.YAMLError, RecursionError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        fns = data.get("functions")
        holders = [data] + ([fn for fn in fns if isinstance(fn, dict)]
                            if isinstance(fns, list) else [])
        for holder in holders:
            value = holder.get(KEY)
            if isinstance(value, list):
                names += [v for v in value if isinstance(v, str) and v]
    redact.mark_sensitive(names)
    return names
