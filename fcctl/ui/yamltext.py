"""fc.yaml text fcctl writes (``fcctl export``): readable Unicode, but nothing invisible.

PyYAML with ``allow_unicode`` writes bidi overrides (U+202E), zero-width characters (U+200B)
and other format characters raw, so an exported description could read differently from what it
holds ("Trojan Source"). Strings holding any character Python does not call printable are
written double-quoted, and every such character in them as a ``\\uXXXX`` escape (YAML's
double-quoted escapes), which loads back to the same string."""

from __future__ import annotations

from typing import Any


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def dump(doc: Any) -> str:
    """``doc`` as YAML (keys in order, no folding) with invisible characters escaped."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = None if value.isprintable() else '"'
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, represent_str)
    text = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=2 ** 31 - 1)
    if text.isprintable():
        return text
    # every string holding such a character was written double-quoted (there are no comments),
    # so each raw occurrence left in the text is inside a double-quoted scalar
    return "".join(ch if ch.isprintable() or ch in "\n" else _escape(ch) for ch in text)
