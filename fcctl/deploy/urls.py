"""HTTP trigger URLs: FC answers them in GetTrigger/ListTriggers as ``httpTrigger: {urlInternet,
urlIntranet}`` (SDK alibabacloud-fc20230330 models/_httptrigger.py, ``HTTPTrigger``). Shown by
``deploy`` (result table and JSON) and ``get``."""

from __future__ import annotations

from typing import Any, Iterable


def http_urls(triggers: Iterable[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """``[{triggerName, urlInternet, urlIntranet}]`` of the HTTP triggers among ``triggers``
    (ListTriggers dicts); a trigger FC answered without URLs is left out."""
    out = []
    for t in triggers or ():
        http = t.get("httpTrigger") or {}
        if t.get("triggerType") == "http" and (http.get("urlInternet") or http.get("urlIntranet")):
            out.append({"triggerName": t.get("triggerName"),
                        "urlInternet": http.get("urlInternet"),
                        "urlIntranet": http.get("urlIntranet")})
    return out


def attach_urls(deployment: Any) -> None:
    """After a deploy: each function that ended ok and whose spec has an HTTP trigger gets its
    URLs (one ListTriggers read; FC creates the URL with the trigger). A failed read leaves the
    URLs out and never turns a deployed function into a failure."""
    from fcctl import errors

    desired = {d.name: d for d in deployment.prepared.desired}
    for r in deployment.results or []:
        want = desired.get(r.name)
        if r.outcome != "ok" or want is None or not want.manage_triggers or not any(
                t.get("triggerType") == "http" for t in want.triggers):
            continue
        try:
            r.urls = http_urls(deployment.clients(want.region).list_triggers(r.name))
        except errors.ApiError:
            continue
