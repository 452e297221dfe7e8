"""Text rendering of plans and deploy results (JSON documents are built by the services)."""

from __future__ import annotations

import json
from typing import Any

_SYMBOL = {"create": ("+", "green"), "update": ("~", "yellow"), "noop": ("=", "dim"),
           "delete": ("-", "red"), "replace": ("±", "magenta")}


def _fmt(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def render_plan(console, plan, stream: str = "out") -> None:
    """Diff-style plan: one block per function, one line per field change."""
    out = console.out if stream == "out" else console.err
    for fn in plan.functions:
        sym, style = _SYMBOL.get(fn.action, ("?", None))
        label = {"create": "will be created", "update": "will be updated",
                 "noop": "no changes"}[fn.action]
        out.print(f"{sym} function {fn.name} ({fn.region or '-'}): {label}", style=style,
                  markup=False)
        if fn.pending:
            out.print(f"    ! FC is still applying the last update ({fn.pending}); deploy waits "
                      "for it and reports how it ends", style="yellow", markup=False)
        if fn.action == "update":
            for c in fn.changes:
                if c.cleared:
                    out.print(f"    {c.path}: {_fmt(c.live)} → cleared", markup=False)
                else:
                    out.print(f"    {c.path}: {_fmt(c.live)} → {_fmt(c.desired)}", markup=False)
        elif fn.action == "create":
            for c in fn.changes:
                out.print(f"    {c.path}: {_fmt(c.desired)}", markup=False)
        for t in fn.triggers:
            tsym, tstyle = _SYMBOL.get(t.action, ("?", None))
            out.print(f"    {tsym} trigger {t.name}: {t.action}", style=tstyle, markup=False)
            for c in t.changes:
                out.print(f"        {c.path}: {_fmt(c.live)} → {_fmt(c.desired)}", markup=False)
        if fn.kept and fn.action != "create":
            kept = ", ".join(f"{p} {_fmt(v)}" for p, v in fn.kept)
            out.print(f"    kept at live value: {kept} (FC keeps a removed field; set it in the "
                      "spec to manage it)", style="dim", markup=False)
        for w in fn.warnings:
            out.print(f"    ! {w}", style="yellow", markup=False)
    counts = plan.counts()
    out.print(
        f"Plan: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['noop']} unchanged.",
        markup=False,
    )


def render_deploy(console, results) -> None:
    """A table of every function in spec order: action, outcome, duration, detail."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False)
    for col in ("FUNCTION", "ACTION", "OUTCOME", "DURATION", "DETAIL"):
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
        table.add_row(*(Text(c) for c in cells), style=style)
    console.out.print(table)
    failed = sum(1 for r in results if r.outcome != "ok")
    console.out.print(
        f"{len(results)} function(s): {sum(1 for r in results if r.outcome == 'ok')} ok, "
        f"{failed} not ok.",
        markup=False,
    )


def render_rollout(console, results) -> None:
    """Per-function rollout summary: instances before, drained, phase durations."""
    for r in results:
        style = {"ok": "green", "failed": "red", "timeout": "yellow"}.get(r.outcome)
        console.print(f"function {r.name}: rollout {r.outcome} in {r.duration_s:.1f}s", style=style)
        alive = ", ".join(f"{i} ({r.still_active_status.get(i) or 'no status'})"
                          for i in r.still_active)
        console.print(f"    instances before: {len(r.instances_before)}"
                      f"  drained: {len(r.drained)}"
                      + (f"  still active: {alive}" if r.still_active else ""))
        for line in r.warnings:
            console.print(f"    warning: {line}", style="yellow")
        if r.unknown_statuses:
            console.print("    instance status(es) fcctl does not know (counted as active): "
                          + ", ".join(f"{i} ({s})" for i, s in r.unknown_statuses.items()),
                          style="yellow")
        for p in r.phases:
            detail = f"  ({p.detail})" if p.detail else ""
            console.print(f"    {p.name:<9} {p.status:<8} {p.duration_s:6.1f}s{detail}")
        if r.aliases or r.not_restarted:
            names = ", ".join(f"{a['aliasName']} → version {a['versionId']}" for a in r.aliases)
            console.print(
                "    scope: this rollout replaced the instances of LATEST only; instances serving "
                "a published version or an alias are not restarted by it"
                + (f" (aliases: {names})" if names else ""), style="yellow")
            if r.not_restarted:
                ids = ", ".join(f"{i['instanceId']} ({i['qualifier']})" for i in r.not_restarted)
                console.print(f"    not restarted: {ids}", style="yellow")
        if r.message and r.outcome != "ok":
            console.print(f"    {r.message}", style=style)
