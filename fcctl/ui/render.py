"""Text rendering of plans and deploy results (JSON documents are built by the services).

Every user or FC string is scrubbed and sanitised (``fcctl.ui.redact``) before rich lays it
out; a sensitive value that changes shows as ``(sensitive value changed)``, never ``*** → ***``.
"""

from __future__ import annotations

import json
from typing import Any

from fcctl import fcfacts
from fcctl.ui import redact

_SYMBOL = {"create": ("+", "green"), "update": ("~", "yellow"), "noop": ("=", "dim"),
           "delete": ("-", "red"), "replace": ("±", "magenta")}


def _fmt(value: Any) -> str:
    if value is None:
        return "(unset)"
    value = redact.scrub_data(value)
    if value == fcfacts.MASK:
        return "(sensitive value)"
    if isinstance(value, str):
        return redact.sanitize(json.dumps(value, ensure_ascii=False))
    return redact.sanitize(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def _change(path: str, live: Any, desired: Any) -> str:
    """``path: live → desired``; a change whose two sides show the same (masked) text is a
    sensitive value that changed."""
    shown_live, shown_desired = _fmt(live), _fmt(desired)
    if shown_live == shown_desired:
        return f"{redact.safe(path)}: {fcfacts.SENSITIVE_CHANGED}"
    return f"{redact.safe(path)}: {shown_live} → {shown_desired}"


def _line(out, text: str, **kw) -> None:
    out.print(redact.safe(text), markup=False, **kw)


def _quiet(fn) -> bool:
    """A function with nothing to say: no change, nothing pending, no warning, nothing kept."""
    return (fn.action == "noop" and not fn.pending and not fn.warnings and not fn.kept
            and not fn.aliases)


def render_plan(console, plan, stream: str = "out", verbose: bool = True) -> None:
    """Diff-style plan: one block per function, one line per field change. ``verbose=False``
    leaves out functions with no changes (unless FC is still applying their last update or
    they carry a warning); the closing count still includes them."""
    out = console.out if stream == "out" else console.err
    for fn in plan.functions:
        if not verbose and _quiet(fn):
            continue
        sym, style = _SYMBOL.get(fn.action, ("?", None))
        label = {"create": "will be created", "update": "will be updated",
                 "noop": "no changes"}[fn.action]
        _line(out, f"{sym} function {fn.name} ({fn.region or '-'}): {label}", style=style)
        if fn.pending:
            _line(out, f"    ! FC is still applying the last update ({fn.pending}); deploy waits "
                  "for it and reports how it ends", style="yellow")
        if fn.action == "update":
            for c in fn.changes:
                if c.cleared:
                    out.print(f"    {redact.safe(c.path)}: {_fmt(c.live)} → cleared", markup=False)
                else:
                    out.print("    " + _change(c.path, c.live, c.desired), markup=False)
        elif fn.action == "create":
            for c in fn.changes:
                out.print(f"    {redact.safe(c.path)}: {_fmt(c.desired)}", markup=False)
        for t in fn.triggers:
            tsym, tstyle = _SYMBOL.get(t.action, ("?", None))
            _line(out, f"    {tsym} trigger {t.name}: {t.action}", style=tstyle)
            for c in t.changes:
                out.print("        " + _change(c.path, c.live, c.desired), markup=False)
        for a in fn.aliases:
            if a.note:
                _line(out, f"    ~ alias {a.name}: {a.note}", style="dim")
                continue
            _line(out, f"    ~ alias {a.name}: {a.action}", style="yellow")
            for c in a.changes:
                out.print("        " + _change(c.path, c.live, c.desired), markup=False)
        for p in fn.provisions:
            psym, pstyle = _SYMBOL.get(p.action, ("?", None))
            _line(out, f"    {psym} provision config {p.qualifier}: {p.action}", style=pstyle)
            for c in p.changes:
                out.print("        " + _change(c.path, c.live, c.desired), markup=False)
        if fn.kept and fn.action != "create":
            kept = ", ".join(f"{p} {_fmt(v)}" for p, v in fn.kept)
            _line(out, f"    kept at live value: {kept} (FC keeps a removed field; set it in the "
                  "spec to manage it)", style="dim")
        for w in fn.warnings:
            _line(out, f"    ! {w}", style="yellow")
    counts = plan.counts()
    hidden = 0 if verbose else sum(1 for fn in plan.functions if _quiet(fn))
    if not plan.has_changes:
        out.print("no changes: the functions on FC match the spec", markup=False)
    if hidden and (plan.has_changes or hidden < len(plan.functions)):
        out.print(f"({hidden} unchanged function(s) not shown; --verbose lists them)",
                  markup=False, style="dim")
    out.print(
        f"Plan: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['noop']} unchanged.",
        markup=False,
    )


def _change_count(fn) -> int:
    return (len(fn.changes) + len(fn.triggers) + len(fn.provisions)
            + sum(1 for a in fn.aliases if not a.note))


def plan_markdown(plan) -> str:
    """A PR-comment-ready summary of a plan: a heading, a table of functions (action and number
    of changes), then per changed function a fenced ``diff`` block of its field changes. Every
    value is masked and scrubbed as in the text plan; table cells have ``|`` escaped."""
    counts = plan.counts()
    lines = ["## fcctl plan", "",
             f"**{counts['create']} to create, {counts['update']} to update, "
             f"{counts['noop']} unchanged.**", "",
             "| Function | Region | Action | Changes |", "| --- | --- | --- | ---: |"]

    def cell(text: Any) -> str:
        return redact.safe(str(text)).replace("|", "\\|")

    for fn in plan.functions:
        lines.append(f"| `{cell(fn.name)}` | {cell(fn.region or '-')} | {cell(fn.action)} | "
                     f"{_change_count(fn)} |")
    for fn in plan.functions:
        if _quiet(fn):
            continue
        head = ["", f"### {cell(fn.name)} ({cell(fn.action)})", "", "```diff"]
        start = len(lines)
        for c in fn.changes:
            path = redact.safe(c.path)
            if fn.action == "create":
                lines.append(f"+ {path}: {_fmt(c.desired)}")
            elif c.cleared:
                lines += [f"- {path}: {_fmt(c.live)}", f"+ {path}: (cleared)"]
            elif _fmt(c.live) == _fmt(c.desired):
                lines.append(f"! {path}: {fcfacts.SENSITIVE_CHANGED}")
            else:
                lines += [f"- {path}: {_fmt(c.live)}", f"+ {path}: {_fmt(c.desired)}"]
        for t in fn.triggers:
            lines.append(f"! trigger {redact.safe(t.name)}: {t.action}")
            for c in t.changes:
                lines += [f"-     {redact.safe(c.path)}: {_fmt(c.live)}",
                          f"+     {redact.safe(c.path)}: {_fmt(c.desired)}"]
        for a in fn.aliases:
            lines.append(f"! alias {redact.safe(a.name)}: {a.note or a.action}")
            for c in a.changes:
                lines += [f"-     {redact.safe(c.path)}: {_fmt(c.live)}",
                          f"+     {redact.safe(c.path)}: {_fmt(c.desired)}"]
        for p in fn.provisions:
            lines.append(f"! provision config {redact.safe(p.qualifier)}: {p.action}")
            for c in p.changes:
                lines += [f"-     {redact.safe(c.path)}: {_fmt(c.live)}",
                          f"+     {redact.safe(c.path)}: {_fmt(c.desired)}"]
        if fn.pending:
            lines.append(f"! FC is still applying the last update ({fn.pending})")
        for w in fn.warnings:
            lines.append(f"! warning: {redact.safe(w)}")
        for p, v in fn.kept:
            lines.append(f"  {redact.safe(p)}: {_fmt(v)} (kept at live value)")
        # a value never closes the fence early: backtick runs inside the block are broken up
        block = [ln.replace("```", "``\u200b`") for ln in lines[start:]]
        lines[start:] = head + block + ["```"]
    body = "\n".join(lines)
    return redact.scrub(body) + "\n"


def render_deploy(console, results) -> None:
    """A table of every function in spec order: action, outcome, duration, detail."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False)
    show_urls = any(getattr(r, "urls", None) for r in results)
    for col in ("FUNCTION", "ACTION", "OUTCOME", "DURATION", "DETAIL") + (
            ("URL",) if show_urls else ()):
        table.add_column(col, overflow="fold")
    for r in results:
        detail = r.message or ""
        if not detail and r.action != "noop":
            detail = f"lastUpdateStatus={r.last_update_status}" if r.last_update_status else ""
        if r.triggers and r.outcome == "ok":
            # create/update/delete/replace → created/updated/deleted/replaced
            acts = ", ".join(f"{t['triggerName']} {t['action']}d" for t in r.triggers)
            detail = (detail + "; " if detail else "") + f"triggers: {acts}"
        style = {"ok": None, "failed": "red", "timeout": "yellow"}.get(r.outcome)
        # Text(): user strings are never read as markup
        cells = (r.name, r.action, r.outcome, f"{r.duration_s:.1f}s", detail)
        row = [Text(redact.safe(c)) for c in cells]
        if show_urls:  # public URL, then the internal (VPC) one, one per line
            row.append(Text("\n".join(redact.safe(u) for x in getattr(r, "urls", None) or []
                                       for u in (x.get("urlInternet"), x.get("urlIntranet"))
                                       if u)))
        table.add_row(*row, style=style)
    console.out.print(table)
    failed = sum(1 for r in results if r.outcome != "ok")
    console.out.print(
        f"{len(results)} function(s): {sum(1 for r in results if r.outcome == 'ok')} ok, "
        f"{failed} not ok.",
        markup=False,
    )


def render_rollout(console, results) -> None:
    """Per-function rollout summary: instances before, drained, phase durations."""

    def say(text: str, **kw) -> None:  # one line each: FC's names and ids made safe
        console.print(redact.safe(text), **kw)

    for r in results:
        style = {"ok": "green", "failed": "red", "timeout": "yellow"}.get(r.outcome)
        say(f"function {r.name}: rollout {r.outcome} in {r.duration_s:.1f}s", style=style)
        alive = ", ".join(f"{i} ({r.still_active_status.get(i) or 'no status'})"
                          for i in r.still_active)
        say(f"    instances before: {len(r.instances_before)}"
            f"  drained: {len(r.drained)}"
            + (f"  still active: {alive}" if r.still_active else ""))
        for line in r.warnings:
            say(f"    warning: {line}", style="yellow")
        if r.unknown_statuses:
            say("    instance status(es) fcctl does not know (counted as active): "
                + ", ".join(f"{i} ({s})" for i, s in r.unknown_statuses.items()),
                style="yellow")
        for p in r.phases:
            detail = f"  ({p.detail})" if p.detail else ""
            say(f"    {p.name:<9} {p.status:<8} {p.duration_s:6.1f}s{detail}")
        if r.aliases or r.not_restarted:
            names = ", ".join(f"{a['aliasName']} → version {a['versionId']}" for a in r.aliases)
            say(
                "    scope: this rollout replaced the instances of LATEST only; instances serving "
                "a published version or an alias are not restarted by it"
                + (f" (aliases: {names})" if names else ""), style="yellow")
            if r.not_restarted:
                ids = ", ".join(f"{i['instanceId']} ({i['qualifier']})" for i in r.not_restarted)
                say(f"    not restarted: {ids}", style="yellow")
        if r.message and r.outcome != "ok":
            console.print("    " + redact.safe_lines(r.message), style=style)


# --- deploy progress: one renderer of the executor's events -----------------------------------
def progress_line(event) -> str:
    """The progress line of one :mod:`fcctl.deploy.events` event."""
    from fcctl.deploy import events as ev
    from fcctl.deploy.kinds import Action, Outcome, unknown

    if isinstance(event, ev.FunctionWriting):
        if event.action is Action.CREATE:
            return f"{event.function}: creating"
        return (f"{event.function}: updating {', '.join(event.fields)}"
                f"{' code' if event.code else ''}").rstrip()
    if isinstance(event, ev.TagsWriting):
        return f"{event.function}: {'untag' if event.remove else 'tag'} {', '.join(event.keys)}"
    if isinstance(event, ev.TriggerWriting):
        return f"{event.function}: trigger {event.trigger}: {event.op}"
    if isinstance(event, ev.AliasWriting):
        return f"{event.function}: alias {event.alias}: update description"
    if isinstance(event, ev.ProvisionWriting):
        return (f"{event.function}: provision config {event.qualifier}: {event.op}"
                + (f" (defaultTarget {event.target})" if event.target is not None else ""))
    if isinstance(event, ev.Waiting):
        if event.for_ is ev.WaitFor.LAST_UPDATE_STATUS:
            return f"{event.function}: waiting for lastUpdateStatus"
        if event.for_ is ev.WaitFor.RUNNING_UPDATE:
            return f"{event.function}: another update is InProgress; waiting for it"
        if event.for_ is ev.WaitFor.EARLIER_UPDATE:
            return (f"{event.function}: no changes; FC is still applying the last update "
                    f"({event.detail})")
        unknown("wait reason", event.for_)
    if isinstance(event, ev.Settled):
        if event.action is Action.NOOP and not event.waited:
            return f"{event.function}: no changes" + (
                f" ({event.pending}: not waiting)" if event.pending else "")
        if event.action is Action.NOOP:
            return f"{event.function}: settled"
        return f"{event.function}: {event.action} done"
    if isinstance(event, ev.Failed):
        if event.outcome is Outcome.TIMEOUT:
            return f"{event.function}: still pending ({event.message})"
        return f"{event.function}: FAILED: {event.message}"
    if isinstance(event, ev.RetryScheduled):
        n = event.notice
        return f"retrying {n.subject()} ({n.reason()}), attempt {n.attempt + 1} in {n.delay:.1f}s"
    unknown("progress event", event)


def event_record(event) -> dict:
    """The NDJSON record of one :mod:`fcctl.deploy.events` event: ``event`` (the class name),
    ``function``, the event's fields (enums as FC's words, ``for_`` as ``for``) and ``message``
    (the text renderer's line, so both renderings of a stream say the same). A retry carries
    its notice's fields: ``action``, ``attempt``, ``delaySeconds``, ``code``, ``status``,
    ``reason``. ``schemaVersion`` is stamped by the console when it prints the line."""
    from dataclasses import fields

    from fcctl.deploy import events as ev

    if isinstance(event, ev.RetryScheduled):
        n = event.notice
        body: dict = {"function": n.function, "action": n.action, "attempt": n.attempt,
                      "delaySeconds": n.delay, "code": n.code, "status": n.status,
                      "reason": n.reason()}
    else:
        body = {}
        for f in fields(event):
            value = getattr(event, f.name)
            body[f.name.rstrip("_")] = list(value) if isinstance(value, tuple) else value
    return {"event": type(event).__name__, **body, "message": progress_line(event)}


def emit(console, event) -> None:
    """Show one event on the console's progress stream: a text line, or an NDJSON record."""
    if getattr(console, "ndjson_progress", False):  # any object with .progress is a text sink
        console.ndjson(event_record(event))
    else:
        console.progress(progress_line(event))


class DeployProgress:
    """Consumes the executor's events: each is shown on stderr (:func:`emit`: a text line, or a
    JSON line with ``--progress ndjson``), and the spinner counts the functions finished (one
    :class:`~fcctl.deploy.events.Settled` or ``Failed`` each) — one stream, every renderer."""

    def __init__(self, console, status, total: int) -> None:
        self.console, self.status, self.total = console, status, total
        self.finished = 0

    def __call__(self, event) -> None:
        emit(self.console, event)
        if event.finishes:
            self.finished += 1
            self.status.update(f"applying: {min(self.finished, self.total)}/{self.total} "
                               "function(s) finished")
