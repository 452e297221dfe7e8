"""YAML 1.1 scalars: resolving plain scalars to str/int/float/bool/null as PyYAML does, and the
forms (``010``, ``0x10``, ``yes``, ``1e2``…) that YAML 1.1 (fcctl) and YAML 1.2 tools read
differently (:func:`odd_form`)."""

from __future__ import annotations

import re
from typing import Any

import yaml


# --- scalar construction -------------------------------------------------------------------

_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_YAML_TAG = "tag:yaml.org,2002:"
_BASIC_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
}


def _scalar_value(tag: str, text: str, mark: yaml.Mark | None) -> Any:
    if tag in _BASIC_TAGS:
        node = yaml.ScalarNode(tag, text, mark, mark)
        return _constructor.yaml_constructors[tag](_constructor, node)
    return text  # timestamps, binary…: keep the text as written (FC fields are strings)


def _resolve_plain(text: str) -> str:
    # types-PyYAML leaves BaseResolver.resolve unannotated; it returns the tag, a str
    tag: str = _resolver.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag


# --- numbers and booleans that YAML 1.1 (PyYAML, fcctl) and YAML 1.2 read differently ---------

_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|[-+]?\.[0-9]+|[-+]?0[0-9]*\.[0-9]*")
# text for YAML 1.1, a number for YAML 1.2 (exponents without a dot or sign, 0o octal, 08/09)
_YAML12_NUMBER = re.compile(
    r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+|0o[0-7]+|[-+]?0[0-9]+")


def _number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


_MAX_INT_BITS = 1024


def odd_form(text: str, value: Any) -> tuple[str, str | None] | None:
    try:
        return _odd_form(text, value)
    except (ValueError, OverflowError):  # digits beyond Python's int/str conversion limit
        return (f"{text[:20]}… is not a plain decimal number", None)


def _odd_form(text: str, value: Any) -> tuple[str, str | None] | None:
    """``(why, suggestion)`` when an unquoted scalar is a number or boolean written in a form
    YAML versions read differently (``010``, ``0x10``, ``1_000``, ``1:30``, ``1e2``, ``0o17``,
    ``.inf``, ``yes``/``on``…), else None. ``suggestion`` is the plain spelling of the value
    fcctl read (None when there is none)."""
    t = text.strip()
    if isinstance(value, bool):
        if t.lower() in ("true", "false"):
            return None
        return (f"YAML 1.1 (fcctl) reads {t} as {str(value).lower()}, YAML 1.2 tools as the text "
                f"\"{t}\"", str(value).lower())
    if isinstance(value, (int, float)):
        if _DECIMAL.fullmatch(t):
            return None
        plain = _number_text(value)
        if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
            return (f"{t} is not a finite number", None)
        low = t.lower().lstrip("+-")
        if "_" in t:
            return (f"YAML 1.1 (fcctl) reads {t} as {plain} (digits grouped with _), YAML 1.2 tools "
                    "as text", plain)
        if ":" in t:
            return (f"YAML 1.1 (fcctl) reads {t} as base 60, {plain}; YAML 1.2 tools as text", plain)
        if low.startswith("0x"):
            return (f"{t} is hexadecimal for {plain}", plain)
        if low.startswith("0b"):
            return (f"{t} is binary for {plain}", plain)
        if isinstance(value, int) and low.startswith("0"):
            decimal = str(int(t, 10)) if t.lstrip("+-").isdigit() else None
            also = f", YAML 1.2 tools as {decimal}" if decimal else ""
            return (f"a leading 0 makes YAML 1.1 (fcctl) read {t} as octal {plain}{also}",
                    plain + (f" or {decimal}" if decimal and decimal != plain else ""))
        if "e" in low:
            return (f"{t} is exponent notation for {plain}", plain)
        return (f"{t} is not a plain decimal number", plain)
    if isinstance(value, str) and _YAML12_NUMBER.fullmatch(t):
        try:
            if t.lower().startswith("0o"):
                number = str(int(t[2:], 8))
                return (f"YAML 1.1 (fcctl) reads {t} as text, YAML 1.2 tools as octal {number}", number)
            if "e" in t.lower():
                return (f"YAML 1.1 (fcctl) reads {t} as text, YAML 1.2 tools as exponent notation "
                        f"for {_number_text(float(t))}", _number_text(float(t)))
            return (f"YAML 1.1 (fcctl) reads {t} as text (a leading 0 with digits 8 or 9), YAML 1.2 "
                    f"tools as {int(t, 10)}", str(int(t, 10)))
        except (ValueError, OverflowError):
            return None
    return None
