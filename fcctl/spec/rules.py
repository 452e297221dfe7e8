"""Cross-field rules of fc.yaml (filled in below)."""

from __future__ import annotations


def check(plain, dirs, problems) -> set:
    return set()
