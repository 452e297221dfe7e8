"""Durations on the command line (``--interval 5m``, ``--since 10m``): one reader for every
command. ``500ms``, ``30s``, ``5m``, ``1h``, ``1d``; a bare number is seconds."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_SCALE = {"ms": 0.001, "s": 1.0, None: 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def seconds(text: str | None) -> float | None:
    """The duration ``text`` names, in seconds; None when it is not a duration."""
    m = _DURATION.match(text or "")
    return float(m.group(1)) * _SCALE[m.group(2)] if m else None
