"""A function's log from Simple Log Service (SLS): which logstore (``logConfig``), the query,
and the reading of Initializer/PreStop lines and instance events per instance. The SDK side is
:mod:`fcctl.cloud.sls`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fcctl import errors
from fcctl.cloud.sls import SlsReader, connect_sls  # noqa: F401 (re-exported)
from fcctl.fcfacts import SLS_EVENT_TOPIC, SLS_FUNCTION_TOPIC, SLS_INSTANCE_EVENT_TYPES

# A function without logConfig: exit 1 (a fact of the live function, not a spec error).



def parse_since(text: str, now: float) -> int:
    """``10m``/``2h``/``30s``/``1d`` ago, or epoch seconds; → epoch seconds."""
    from fcctl.durations import seconds

    text = text.strip()
    if text.isdigit():
        return int(text)
    ago = seconds(text) if text[-1:].isalpha() else None
    if ago is not None:
        return int(now - ago)
    raise errors.UsageError(f"cannot read the time {text!r}",
                            hint="use a duration such as 10m, 2h, 1d, or epoch seconds")


def log_config(fn: dict, name: str) -> tuple[str, str]:
    lc = fn.get("logConfig") or {}
    project, logstore = lc.get("project"), lc.get("logstore")
    if not project or not logstore:
        raise errors.FcctlError(
            f"function {name} has no logConfig: FC writes its log (and the Initializer and "
            "PreStop lines) to Simple Log Service only when logConfig names a project and a "
            "logstore",
            hint="set logConfig.project and logConfig.logstore in fc.yaml (and "
                 "logConfig.enableInstanceMetrics: true for instance events), then deploy")
    return project, logstore


def mask(fn: dict, rows: list[dict]) -> list[dict]:
    """Every field of every row with the function's secrets (secret and sensitive variables,
    credential fields, values secret by shape) and fcctl's other known secrets masked."""
    from fcctl.deploy.fields import secrets_of
    from fcctl.ui import redact

    redact.add_secrets(secrets_of(fn))
    return [{k: redact.scrub(str(v)) for k, v in r.items()} for r in rows]


def query_for(instance: str | None, request_id: str | None) -> str:
    terms = []
    if instance:
        terms.append(f"instanceID: {instance}")
    if request_id:
        terms.append(f"requestId: {request_id}")
    return " and ".join(terms) or "*"


def fetch(reader: SlsReader, fn: dict, name: str, frm: int, to: int, *,
          instance: str | None = None, request_id: str | None = None,
          events: bool = True) -> list[dict]:
    """The function's log lines (and, with ``events``, its instance events), oldest first."""
    project, logstore = log_config(fn, name)
    q = query_for(instance, request_id)
    rows = reader.get_logs(project, logstore, frm, to, q, SLS_FUNCTION_TOPIC.format(function=name))
    if events and not request_id:
        rows += reader.get_logs(project, logstore, frm, to, q,
                                SLS_EVENT_TOPIC.format(function=name))
    rows.sort(key=lambda r: (int(r.get("timeMs") or int(r.get("__time__", 0)) * 1000)))
    return rows


def _ms(row: dict) -> int:
    return int(row.get("timeMs") or int(row.get("__time__", 0)) * 1000)


@dataclass
class Hook:
    kind: str  # "Initializer" | "PreStop"
    request_id: str
    start_ms: int | None = None
    end_ms: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.start_ms is not None and self.end_ms is None:
            return "started, never ended"
        if self.errors:
            return "failed"
        return "ok" if self.end_ms is not None else "end only"

    @property
    def duration_ms(self) -> int | None:
        if self.start_ms is None or self.end_ms is None:
            return None
        return self.end_ms - self.start_ms

    def document(self) -> dict:
        return {"hook": self.kind, "requestId": self.request_id, "outcome": self.outcome,
                "durationMs": self.duration_ms, "errors": self.errors}


_HOOK_LINE = re.compile(r"FC (?P<kind>Initialize|PreStop) (?P<edge>Start|End) RequestId: "
                        r"(?P<rid>\S+)", re.IGNORECASE)


def hooks_by_instance(rows: list[dict]) -> dict[str, dict]:
    """Per instance: its Initializer and PreStop runs (start/end, duration, outcome) and events."""
    out: dict[str, dict] = {}
    open_hooks: dict[str, Hook] = {}
    for row in rows:
        iid = row.get("instanceID") or "-"
        item = out.setdefault(iid, {"instanceId": iid, "hooks": [], "events": []})
        msg = row.get("message", "")
        if row.get("__topic__", "").startswith("FCInstanceEvents"):
            item["events"].append({"event": row.get("eventType") or msg, "timeMs": _ms(row)})
            continue
        m = _HOOK_LINE.search(msg)
        rid = row.get("requestId") or (m.group("rid") if m else "")
        if m:
            kind = "Initializer" if m.group("kind").lower() == "initialize" else "PreStop"
            hook = open_hooks.get(m.group("rid"))
            if hook is None:
                hook = open_hooks[m.group("rid")] = Hook(kind, m.group("rid"))
                item["hooks"].append(hook)
            if m.group("edge").lower() == "start":
                hook.start_ms = _ms(row)
            else:
                hook.end_ms = _ms(row)
        elif rid in open_hooks and (row.get("level") == "ERROR" or "error" in msg.lower()
                                    or "failed" in msg.lower()):
            open_hooks[rid].errors.append(msg)
    return out


def instance_event_types() -> list[str]:
    return list(SLS_INSTANCE_EVENT_TYPES.values())
