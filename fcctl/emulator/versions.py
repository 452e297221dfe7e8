"""Versions and aliases of a function (PublishFunctionVersion … ListAliases) and how a
qualifier resolves: LATEST → the function's own configuration (versionId "0"); a version number
→ its snapshot; an alias → its version, or one of its ``additionalVersionWeight`` versions drawn
by weight. A version is stored as ``{versionId, description, createdTime, lastModifiedTime,
_config}`` under ``<function>/<zero-padded id>``; ``_config`` (the snapshot) never leaves the
emulator. ``be`` is the :class:`~fcctl.emulator.backend.Backend`."""

from __future__ import annotations

import json
import re

from fcctl import fcfacts
from fcctl.emulator import errors
from fcctl.emulator.validation import LATEST, page_limit
from fcctl.emulator.validation import public_fields as _public

# SDK InstanceInfo.version_id: "under the LATEST alias ... the returned version number is 0"
LATEST_VERSION_ID = "0"
ALIAS_NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_-]{0,127}"


def version_key(name: str, version_id: str) -> str:
    return f"{name}/{int(version_id):010d}"  # zero-padded: keys sort by number


def version_doc(be, name: str, version_id: str) -> dict:
    version = None
    if str(version_id).isdigit():
        version = be.store.get("version", version_key(name, version_id))
    if version is None:
        raise errors.VersionNotFound(
            f"version '{version_id}' of function '{name}' does not exist")
    return version


def alias_doc(be, name: str, alias: str) -> dict:
    doc = be.store.get("alias", f"{name}/{alias}")
    if doc is None:
        raise errors.AliasNotFound(f"alias '{alias}' of function '{name}' does not exist")
    return doc


def resolve(be, name: str, qualifier: str | None, *, pick: bool = False) -> tuple[str, str]:
    """``qualifier`` → ``(label, versionId)``: LATEST (or none) → ``("LATEST", "0")``; a
    version number → itself; an alias → its version, or with ``pick`` one of its
    versions drawn by ``additionalVersionWeight``. Raises VersionNotFound/AliasNotFound."""
    if qualifier in (None, "", LATEST):
        return LATEST, LATEST_VERSION_ID
    if str(qualifier).isdigit():
        return qualifier, version_doc(be, name, qualifier)["versionId"]
    alias = alias_doc(be, name, qualifier)
    version = alias["versionId"]
    if pick:
        draw = be.rng.random()
        for other, weight in sorted((alias.get("additionalVersionWeight") or {}).items()):
            if draw < weight:
                version = other
                break
            draw -= weight
    return qualifier, version


def config_for(be, fn: dict, qualifier: str | None, *,
               pick: bool = False) -> tuple[dict, str]:
    """The configuration a qualifier serves and its versionId."""
    label, version = resolve(be, fn["functionName"], qualifier, pick=pick)
    if version == LATEST_VERSION_ID:
        return fn, version
    try:
        return version_doc(be, fn["functionName"], version)["_config"], version
    except errors.VersionNotFound:
        if label == version:
            raise
        raise errors.VersionNotFound(
            f"alias '{label}' of function '{fn['functionName']}' points to version "
            f"'{version}', which does not exist") from None


def publish_version(be, name: str, body: dict) -> dict:
    """PublishFunctionVersion: a snapshot of LATEST's configuration as version N+1.
    409 ConcurrentUpdateError while an update is InProgress (policy)."""
    if body is not None and not isinstance(body, dict):
        raise errors.InvalidArgument("the request body must be a JSON object")
    description = (body or {}).get("description", "")
    if not isinstance(description, str):
        raise errors.InvalidArgument("description must be a string")
    with be.lock:
        fn = be._settle(name)
        if fn["lastUpdateStatus"] == fcfacts.UPDATE_IN_PROGRESS:
            raise errors.ConcurrentUpdateError(
                f"function '{name}' is being updated; publish when the update has finished")
        number = int(fn.get("_lastVersion", 0)) + 1
        fn["_lastVersion"] = number
        be.store.put("function", name, fn)
        now = be.now_iso()
        version = {"versionId": str(number), "description": description,
                   "createdTime": now, "lastModifiedTime": now,
                   "_config": json.loads(json.dumps(_public(fn)))}
        be.store.put("version", version_key(name, str(number)), version)
        return _public(version)


def list_versions(be, name: str, direction: str | None = None, limit=None,
                  next_token: str | None = None) -> dict:
    """``{"versions", "direction", "nextToken"?}``; direction BACKWARD (newest first, the
    default) or FORWARD."""
    direction = (direction or "BACKWARD").upper()
    if direction not in ("BACKWARD", "FORWARD"):
        raise errors.InvalidArgument("direction must be FORWARD or BACKWARD")
    limit = page_limit(limit)
    with be.lock:
        be._settle(name)
        rows = [v for _, v in be.store.list("version", name + "/")]
    if direction == "BACKWARD":
        rows.reverse()
    if next_token:
        ids = [v["versionId"] for v in rows]
        rows = rows[ids.index(next_token):] if next_token in ids else []
    out = {"versions": [_public(v) for v in rows[:limit]], "direction": direction}
    if len(rows) > limit:
        out["nextToken"] = rows[limit]["versionId"]
    return out


def delete_version(be, name: str, version_id: str) -> None:
    """DeleteFunctionVersion; allowed even when an alias routes to it (FC docs 版本管理:
    aliases and triggers pointing at it are kept, and invoking through such an alias then
    fails — 404 ``fcfacts.ALIAS_TO_DELETED_VERSION_CODE``, policy). Its instances go through
    PreStop."""
    with be.lock:
        be._settle(name)
        version_doc(be, name, version_id)
        be.stop_instances(name, lambda inst: inst.get("versionId") == version_id,
                          "version-deleted")
        be.store.delete("version", version_key(name, version_id))


def _check_alias(be, name: str, alias: dict) -> None:
    version_doc(be, name, alias.get("versionId", ""))
    weights = alias.get("additionalVersionWeight") or {}
    if not isinstance(weights, dict):
        raise errors.InvalidArgument("additionalVersionWeight must be an object "
                                     "{versionId: weight}")
    for version, weight in weights.items():
        version_doc(be, name, version)
        if version == alias["versionId"]:
            raise errors.InvalidArgument("additionalVersionWeight cannot name the alias's "
                                         "own versionId")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or \
                not 0 <= weight <= 1:
            raise errors.InvalidArgument("each additionalVersionWeight is between 0 and 1")
    if sum(weights.values()) > fcfacts.ALIAS_WEIGHTS_SUM_MAX + 1e-9:
        raise errors.InvalidArgument(
            f"additionalVersionWeight adds up to more than {fcfacts.ALIAS_WEIGHTS_SUM_MAX:g}")


def create_alias(be, name: str, body: dict) -> dict:
    if not isinstance(body, dict):
        raise errors.InvalidArgument("the request body must be a JSON object")
    alias_name = body.get("aliasName")
    if not isinstance(alias_name, str) \
            or not re.fullmatch(ALIAS_NAME_PATTERN, alias_name) or alias_name == LATEST:
        raise errors.InvalidArgument(
            "aliasName must be 1-128 letters, digits, '_' or '-', not starting with a digit "
            f"or '-', and not LATEST (got {alias_name!r})")
    alias = {"aliasName": alias_name, "versionId": str(body.get("versionId") or ""),
             "description": body.get("description") or "",
             "additionalVersionWeight": body.get("additionalVersionWeight") or {}}
    with be.lock:
        be._settle(name)
        if be.store.get("alias", f"{name}/{alias_name}") is not None:
            raise errors.AliasAlreadyExists(
                f"alias '{alias_name}' of function '{name}' already exists")
        _check_alias(be, name, alias)
        alias["createdTime"] = alias["lastModifiedTime"] = be.now_iso()
        be.store.put("alias", f"{name}/{alias_name}", alias)
        return alias


def get_alias(be, name: str, alias_name: str) -> dict:
    with be.lock:
        be._settle(name)
        return alias_doc(be, name, alias_name)


def update_alias(be, name: str, alias_name: str, body: dict) -> dict:
    """Partial update of versionId, description, additionalVersionWeight."""
    if not isinstance(body, dict):
        raise errors.InvalidArgument("the request body must be a JSON object")
    with be.lock:
        be._settle(name)
        alias = alias_doc(be, name, alias_name)
        for key in ("versionId", "description", "additionalVersionWeight"):
            if key in body and body[key] is not None:
                alias[key] = str(body[key]) if key == "versionId" else body[key]
        _check_alias(be, name, alias)
        alias["lastModifiedTime"] = be.now_iso()
        be.store.put("alias", f"{name}/{alias_name}", alias)
        be._settle(name)  # provisioned instances follow the alias
        return alias


def delete_alias(be, name: str, alias_name: str) -> None:
    with be.lock:
        be._settle(name)
        alias_doc(be, name, alias_name)
        be.store.delete("alias", f"{name}/{alias_name}")


def list_aliases(be, name: str, prefix: str | None = None, limit=None,
                 next_token: str | None = None) -> dict:
    limit = page_limit(limit)
    with be.lock:
        be._settle(name)
        base = name + "/"
        rows = be.store.list("alias", base + (prefix or ""),
                               after=base + next_token if next_token else None,
                               limit=limit + 1)
    out = {"aliases": [a for _, a in rows[:limit]]}
    if len(rows) > limit:
        out["nextToken"] = rows[limit - 1][0][len(base):]
    return out
