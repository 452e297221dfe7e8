"""Rendering of spec problems (placeholder: filled in by the spec owner)."""

from __future__ import annotations


def render_problems(console, problems) -> None:
    for p in problems:
        console.err.print(f"{p.location()}: {p.severity}: {p.path}: {p.message}", markup=False)
