"""FC timer trigger ``cronExpression``: checked offline, with the reason and what to write.

FC accepts (docs/fc-facts.md, "Spec validation"):

* ``@every <duration>`` — a Go duration (``30m``, ``1h30m``, ``90s``) of at least one minute
  (the console's interval is a whole number of minutes, n ≥ 1);
* six fields, seconds first: ``秒 分 时 日 月 星期`` (``0 0 4 * * *``), UTC unless prefixed
  with ``CRON_TZ=<IANA zone> `` (``CRON_TZ=Asia/Shanghai 0 0 4 1 * *``).

Fields: seconds 0-59, minutes 0-59, hours 0-23 (``, - * /``); day of month 1-31 (``, - * ? /``);
month 1-12 or JAN-DEC; day of week 0-7 or SUN-SAT/MON-SUN (``, - * ? /``; FC's page says 1-7,
its cron library 0-6 with 0 = Sunday: fcctl accepts both). ``L``, ``W`` and ``#`` (Quartz) are
not in FC's list of special characters: an error. Names are case-insensitive.

``check_cron(text) -> (error, warning)``; each is None or a message. Pure, stdlib only; time
zone names are checked against :func:`zoneinfo.available_timezones` (loaded on first use).
"""

from __future__ import annotations

import re
from functools import lru_cache

from fcctl.fcfacts import TIMER_EVERY_MIN_S as MIN_EVERY_S

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# (name, low, high, names -> number, "?" allowed)
_FIELDS: tuple[tuple[str, int, int, dict[str, int], bool], ...] = (
    ("seconds", 0, 59, {}, False),
    ("minutes", 0, 59, {}, False),
    ("hours", 0, 23, {}, False),
    ("day of month", 1, 31, {}, True),
    ("month", 1, 12, {m: i + 1 for i, m in enumerate(_MONTHS)}, False),
    ("day of week", 0, 7, {d: i for i, d in enumerate(_DAYS)}, True),
)
_EXAMPLE = "e.g. \"0 0 4 * * *\" (04:00:00 UTC every day) or \"@every 5m\""
_UNIT_S = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
_DURATION = re.compile(r"(?:(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+")
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9,
            "h": 3600 * 10**9}
# Go's time.Duration is an int64 of nanoseconds (Go time package: "The longest representable
# duration is approximately 290 years"); time.ParseDuration fails above it, so FC's @every cannot
# hold more than 2562047h47m16.854775807s.
GO_DURATION_MAX_NS = 2**63 - 1
# Days a month can have (February: 29 in a leap year).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@lru_cache(maxsize=1)
def _zones() -> frozenset:
    import zoneinfo

    try:
        return frozenset(zoneinfo.available_timezones())
    except Exception:  # no tz database on this machine: cannot judge
        return frozenset()


def check_cron(text: str) -> tuple[str | None, str | None]:
    """``(error, warning)`` for one cronExpression (None, None when FC would accept it)."""
    expr = text.strip()
    warning = None
    m = re.match(r"(CRON_TZ|TZ)=(\S*)\s*", expr)
    if m:
        zone, expr = m.group(2), expr[m.end():]
        if m.group(1) == "TZ":
            warning = (f"FC documents the time zone prefix as CRON_TZ=, e.g. CRON_TZ={zone or 'Asia/Shanghai'} "
                       "…; write CRON_TZ=")
        if not zone:
            return (f"{m.group(1)}= needs a time zone name, e.g. CRON_TZ=Asia/Shanghai 0 0 4 * * *", None)
        zones = _zones()
        if zones and zone not in zones:
            from fcctl.spec.messages import did_you_mean

            return (f"time zone {zone!r} is not an IANA time zone name{did_you_mean(zone, sorted(zones))}; "
                    "e.g. CRON_TZ=Asia/Shanghai", None)
        if expr.startswith("@"):
            return ("CRON_TZ= applies to a 6-field cron expression, not to @every (an interval has "
                    "no time zone)", None)
    if expr.startswith("@"):
        return _every(expr), warning
    fields = expr.split()
    if len(fields) != 6:
        hint = ""
        if len(fields) == 5:
            hint = f"; FC's cron has a seconds field first — write \"0 {expr}\""
        elif len(fields) == 7:
            hint = "; FC's cron has no year field — remove the last one"
        return (f"cronExpression has {len(fields)} field{'s' if len(fields) != 1 else ''}; FC takes 6, "
                f"seconds first (seconds minutes hours day-of-month month day-of-week), {_EXAMPLE}{hint}",
                None)
    for value, spec in zip(fields, _FIELDS):
        why = _field(value, spec)
        if why:
            return why, warning
    return None, warning or _never_fires(fields)


def _values(value: str, spec) -> set[int]:
    """The numbers a valid field selects (``*``, ``?``, lists, ranges, steps, names)."""
    name, lo, hi, _, _ = spec
    out: set[int] = set()
    for item in value.split(","):
        base, _, step = item.partition("/")
        if base in ("*", "?"):
            a, b = lo, hi
        else:
            first, dash, last = base.partition("-")
            a = _number(first, spec)
            b = (7 if name == "day of week" and last.upper() == "SUN" else _number(last, spec)) \
                if dash else (hi if step else a)
        out.update(range(a, b + 1, int(step) if step else 1))
    return out


def _never_fires(fields: list[str]) -> str | None:
    """A warning when the day of month is never in the months chosen (``0 0 0 31 2 *``) and the
    day of week does not widen it (``*`` or ``?``)."""
    if fields[5] not in ("*", "?") or fields[3] in ("*", "?"):
        return None
    days = _values(fields[3], _FIELDS[3])
    months = _values(fields[4], _FIELDS[4])
    if days and months and min(days) > max(_MONTH_DAYS[m - 1] for m in months):
        return (f"cronExpression never fires: day {min(days)} is in none of the months chosen "
                f"({fields[4]}); the trigger would never run")
    return None


def _every(expr: str) -> str | None:
    parts = expr.split(None, 1)
    if parts[0] != "@every":
        return (f"{parts[0]} is not a schedule FC takes; write \"@every <interval>\" (e.g. @every 1h) "
                "or a 6-field cron expression, seconds first, e.g. \"0 0 * * * *\" for every hour")
    duration = parts[1].strip() if len(parts) > 1 else ""
    if not duration or not _DURATION.fullmatch(duration):
        return (f"@every needs an interval such as 5m, 1h or 1h30m (numbers with units h, m, s), "
                f"not {duration!r}")
    from fractions import Fraction

    nanos = sum(Fraction(n) * _UNIT_NS[u] for n, u in _DURATION_PART.findall(duration))
    if nanos > GO_DURATION_MAX_NS:
        return (f"@every {duration} is longer than FC's interval can hold (a Go duration: at most "
                "2562047h47m16s, about 292 years); use a cron expression for rare schedules")
    seconds = float(nanos / 10**9)
    if seconds < MIN_EVERY_S:
        return (f"@every {duration} is shorter than one minute, the shortest interval FC's timer "
                "trigger takes; write @every 1m or longer")
    return None


_NAMES_SHOWN = {"month": "JAN-DEC", "day of week": "SUN-SAT (MON-SUN)"}


def _quartz(name: str, item: str, char: str) -> str:
    return (f"{name} field {item!r}: {char} is not a special character FC's cron supports (FC "
            "takes , - * ? /); list the days instead")


def _number(text: str, spec) -> int | None:
    name, lo, hi, names, _ = spec
    if text.isdigit():
        return int(text)
    return names.get(text.upper())


def _field(value: str, spec) -> str | None:
    name, lo, hi, names, question = spec
    allowed = f"{lo}-{hi}" + (f" or {_NAMES_SHOWN[name]}" if names else "")
    for item in value.split(","):
        if item == "":
            return f"{name} field {value!r}: an empty item between commas"
        if item == "?":
            if not question:
                return (f"{name} field: ? is allowed only in the day-of-month and day-of-week fields; "
                        "write *")
            continue
        if "#" in item:
            return _quartz(name, item, "#")
        base, _, step = item.partition("/")
        if "/" in item:
            if not step.isdigit() or int(step) == 0:
                return f"{name} field {item!r}: the step after / must be a whole number of at least 1"
        if base == "*":
            continue
        first, dash, last = base.partition("-")
        a = _number(first, spec)
        b = _number(last, spec) if dash else a
        if dash and name == "day of week" and last.upper() == "SUN":
            b = 7  # MON-SUN: FC's page numbers the week 1-7, Monday to Sunday
        for text, number in ((first, a), (last if dash else first, b)):
            if number is None:
                for char in ("L", "W"):
                    if char in text.upper():
                        return _quartz(name, item, char)
                return (f"{name} field {item!r}: {text or 'an empty value'} is not a number "
                        f"({allowed})")
            if not lo <= number <= hi:
                return f"{name} field {item!r}: {number} is out of range ({allowed})"
        if dash and a is not None and b is not None and a > b:  # both set: checked just above
            return f"{name} field {item!r}: the range starts after it ends; write {b}-{a}"
    return None
