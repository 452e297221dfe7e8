"""Fixes for a hostile tester's findings, each through the real path (CLI → SDK → emulator over
HTTP, or raw signed requests to the emulator's socket)."""

from __future__ import annotations

ROLE = "acs:ram::1234567890123456:role/fc-role"

EMOJI_SPEC = f"""\
region: cn-hangzhou
functions:
  - functionName: emoji-fn
    runtime: custom.debian12
    handler: index.handler
    code: ./app
    role: {ROLE}
    description: "a :fire: sale :ram: :smile:"
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
"""


def test_rich_never_turns_colon_words_into_emoji(fc, project):
    """rich's emoji codes (``:ram:`` → 🐏, ``:fire:`` → 🔥) must not rewrite role ARNs or
    descriptions in plan/deploy/get text."""
    path = str(project(EMOJI_SPEC))
    plan = fc("plan", "-f", path)
    assert plan.code == 0, plan.err
    assert ROLE in plan.out
    assert "a :fire: sale :ram: :smile:" in plan.out
    assert fc("deploy", "-f", path).code == 0
    got = fc("get", "emoji-fn")
    assert got.code == 0, got.err
    for text in (plan.out, plan.err, got.out, got.err):
        assert "\N{RAM}" not in text and "\N{FIRE}" not in text
    assert "emoji-fn" in got.out
