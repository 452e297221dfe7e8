"""Tags of functions (TagResources / UntagResources / ListTagResources on ``/tags-v2``). Tags
live on the function document (``tags``: ``[{Key, Value}]``, as GetFunction returns them); the
resources are function ARNs. ``be`` is the :class:`~fcctl.emulator.backend.Backend`."""

from __future__ import annotations

import re

from fcctl import fcfacts
from fcctl.emulator import errors
from fcctl.emulator.validation import page_limit


def _tag_targets(be, resource_ids, resource_type) -> list[str]:
    """Function names of ``ResourceId`` ARNs; 400 for another resource type or a bad ARN,
    404 FunctionNotFound for an ARN of no function."""
    if str(resource_type or "").lower() != fcfacts.TAG_RESOURCE_TYPE:
        raise errors.InvalidArgument(
            f"ResourceType must be {fcfacts.TAG_RESOURCE_TYPE!r} (got {resource_type!r})")
    if not isinstance(resource_ids, list) or not resource_ids:
        raise errors.InvalidArgument("ResourceId must be a non-empty list of function ARNs")
    names = []
    for arn in resource_ids:
        m = re.fullmatch(r"acs:fc:[^:]*:[^:]*:functions/([^/]+)", str(arn))
        if not m:
            raise errors.InvalidArgument(f"ResourceId {arn!r} is not a function ARN")
        be._get_fn(m.group(1))
        names.append(m.group(1))
    return names


def tag_resources(be, body: dict) -> None:
    """Adds or overwrites tags (``Tag: [{Key, Value}]``) on each function ARN; at most
    ``fcfacts.MAX_TAGS_PER_RESOURCE`` tags per function."""
    if not isinstance(body, dict):
        raise errors.InvalidArgument("the request body must be a JSON object")
    tags = body.get("Tag")
    if not isinstance(tags, list) or not tags or not all(
            isinstance(t, dict) and isinstance(t.get("Key"), str) and t.get("Key")
            for t in tags):
        raise errors.InvalidArgument("Tag must be a non-empty list of {Key, Value}")
    with be.lock:
        for name in _tag_targets(be, body.get("ResourceId"), body.get("ResourceType")):
            fn = be._get_fn(name)
            current = {t["Key"]: t.get("Value", "") for t in fn.get("tags") or []}
            for t in tags:
                current[t["Key"]] = "" if t.get("Value") is None else str(t["Value"])
            if len(current) > fcfacts.MAX_TAGS_PER_RESOURCE:
                raise errors.InvalidArgument(
                    f"a function has at most {fcfacts.MAX_TAGS_PER_RESOURCE} tags "
                    f"(function '{name}' would have {len(current)})")
            fn["tags"] = [{"Key": k, "Value": v} for k, v in current.items()]
            be.store.put("function", name, fn)


def untag_resources(be, resource_ids, resource_type, tag_keys, remove_all) -> None:
    """Removes ``tag_keys`` (at most ``fcfacts.MAX_UNTAG_KEYS``), or every tag with
    ``All=true``, from each function ARN. Keys the function does not have are ignored."""
    if not remove_all and not tag_keys:
        raise errors.InvalidArgument("TagKey is required unless All is true")
    if tag_keys and len(tag_keys) > fcfacts.MAX_UNTAG_KEYS:
        raise errors.InvalidArgument(f"at most {fcfacts.MAX_UNTAG_KEYS} TagKey values")
    with be.lock:
        for name in _tag_targets(be, resource_ids, resource_type):
            fn = be._get_fn(name)
            drop = set(tag_keys or [])
            fn["tags"] = [] if remove_all else [
                t for t in fn.get("tags") or [] if t.get("Key") not in drop]
            be.store.put("function", name, fn)


def list_tag_resources(be, resource_ids, resource_type, tag_filter, limit=None,
                       next_token: str | None = None, region: str | None = None) -> dict:
    """``{"TagResources": [{ResourceId, ResourceType, TagKey, TagValue}], "NextToken"?}``
    for the given ARNs (or every function), filtered by ``[{Key, Value}]``."""
    limit = page_limit(limit)
    with be.lock:
        if resource_ids:
            names = _tag_targets(be, resource_ids, resource_type)
        else:
            if str(resource_type or "").lower() != fcfacts.TAG_RESOURCE_TYPE:
                raise errors.InvalidArgument(
                    f"ResourceType must be {fcfacts.TAG_RESOURCE_TYPE!r}")
            names = [k for k, _ in be.store.list("function", "")]
        rows = []
        for name in names:
            for t in be._get_fn(name).get("tags") or []:
                if tag_filter and not any(
                        f.get("Key") == t.get("Key") and f.get("Value") in (None, t.get("Value"))
                        for f in tag_filter):
                    continue
                rows.append({"ResourceId": be.function_arn(name, region),
                             "ResourceType": fcfacts.TAG_RESOURCE_TYPE,
                             "TagKey": t.get("Key"), "TagValue": t.get("Value", "")})
        start = int(next_token) if next_token and str(next_token).isdigit() else 0
        out = {"TagResources": rows[start:start + limit]}
        if start + limit < len(rows):
            out["NextToken"] = str(start + limit)
        return out
