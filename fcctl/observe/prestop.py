"""``fcctl rollout --logs``: per drained instance, whether its PreStop ran and how long it took,
read from the function's log (Simple Log Service), and plainly when fcctl cannot know.

Policy ("late lines", fcfacts ``SLS_LATE_LINES_WAIT_S``/``SLS_LATE_LINES_POLL_S``): PreStop lines
reach the logstore after the instance is destroyed and SLS indexes them with a delay, so fcctl
polls for a drained instance's PreStop End line up to that bound, then reports what it has.
"""

from __future__ import annotations

import time
from typing import Callable

from fcctl.fcfacts import SLS_LATE_LINES_POLL_S, SLS_LATE_LINES_WAIT_S
from fcctl.observe import logs as obs

# Look this far back before the rollout began for PreStop start lines.
LOOKBACK_S = 60


def _unknown(iid: str, reason: str) -> dict:
    return {"instanceId": iid, "known": False, "preStop": None, "durationMs": None,
            "reason": reason}


def report(fc, reader_factory: Callable[[], obs.SlsReader], name: str, drained: list[str],
           started_at: float, *, wait_s: float = SLS_LATE_LINES_WAIT_S,
           poll_s: float = SLS_LATE_LINES_POLL_S, sleep=time.sleep, clock=time.time) -> dict:
    """``{"functionName", "instances": [{instanceId, known, preStop, durationMs, reason}]}``."""
    fn = fc.get_function(name) or {}
    hook = ((fn.get("instanceLifecycleConfig") or {}).get("preStop") or {})
    lc = fn.get("logConfig") or {}
    doc = {"functionName": name, "instances": []}
    reason = None
    if not lc.get("project") or not lc.get("logstore"):
        reason = ("no logConfig: FC writes no log for this function (set logConfig.project and "
                  "logConfig.logstore)")
    elif not hook.get("handler") and not hook.get("command"):
        reason = "no PreStop hook configured"
    elif hook.get("command"):
        reason = "a command-type PreStop writes nothing to the function log"
    if reason or not drained:
        doc["instances"] = [_unknown(i, reason or "") for i in drained]
        return doc
    reader = reader_factory()
    deadline = clock() + wait_s
    while True:
        rows = obs.fetch(reader, fn, name, int(started_at - LOOKBACK_S), int(clock()) + 1,
                         events=False)
        per = obs.hooks_by_instance(rows)
        found = {}
        for iid in drained:
            pre = [h for h in per.get(iid, {}).get("hooks", []) if h.kind == "PreStop"]
            if pre and pre[-1].end_ms is not None:
                found[iid] = pre[-1]
        if len(found) == len(drained) or clock() >= deadline:
            break
        sleep(min(poll_s, max(0.0, deadline - clock())))
    for iid in drained:
        pre = [h for h in per.get(iid, {}).get("hooks", []) if h.kind == "PreStop"]
        if not pre:
            doc["instances"].append(_unknown(
                iid, f"no PreStop line after waiting {wait_s:g} s (log delay, or the instance "
                     "was destroyed without running it)"))
            continue
        h = pre[-1]
        doc["instances"].append({"instanceId": iid, "known": True, "preStop": h.outcome,
                                 "durationMs": h.duration_ms, "requestId": h.request_id,
                                 "errors": h.errors, "reason": None})
    return doc


def render(console, reports: list[dict]) -> None:
    from fcctl.ui.redact import safe

    for rep in reports:
        for i in rep["instances"]:
            if i["known"]:
                dur = f" in {i['durationMs']} ms" if i["durationMs"] is not None else ""
                text = f"{rep['functionName']}: instance {i['instanceId']}: PreStop {i['preStop']}{dur}"
            else:
                text = (f"{rep['functionName']}: instance {i['instanceId']}: PreStop outcome "
                        f"unknown — {i['reason']}")
            console.info(safe(text))


def rollout_reports(run, regions: dict, settings, started_at: float) -> list[dict]:
    """One :func:`report` per rolled-out function, with the same endpoint/credentials rules."""
    return [drained_report(res.name, list(res.drained), regions.get(res.name), settings,
                           started_at) for res in run.results]


def drained_report(name: str, drained: list[str], region, settings, started_at: float) -> dict:
    """:func:`report` for ``drained`` instances of one function (``rollout --alias`` too)."""
    from fcctl.cloud import connect

    fc = connect(settings.endpoint, settings.profile, region)
    return report(fc, lambda: obs.connect_sls(settings.endpoint, settings.profile, region),
                  name, drained, started_at)
