"""``${env:NAME}`` / ``${env:NAME:-default}`` references: substitution under a size budget,
and the words for a ``${…}`` fcctl does not understand."""

from __future__ import annotations

import os
import re
from typing import Mapping

from fcctl.spec.tree import MAX_FILE_BYTES


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NOT_REF = r"(?:[^}$]|\$(?!\{))"  # a character of a default that does not start ${
# ${env:NAME} or ${env:NAME:-default}; a default may itself hold ${env:OTHER} or
# ${env:OTHER:-literal} (one level of nesting, as in docker compose); deeper nesting is an error.
_INNER_REF = rf"\$\{{env:{_NAME}(?::-{_NOT_REF}*)?\}}"
_REF = rf"\$\{{env:({_NAME})(?::-((?:\$\$|{_INNER_REF}|{_NOT_REF})*))?\}}"
_ENV_RE = re.compile(rf"\$\$|{_REF}")
_WHOLE_REF_RE = re.compile(_REF)
# the JSON Schema's spelling of a whole reference (ECMA-262 regex, same grammar)
ENV_REF_PATTERN = rf"^{_REF}$"


class EnvGrowthError(Exception):
    """``${env:…}`` substitution would make the spec larger than :data:`MAX_FILE_BYTES`."""

    def __init__(self, name: str, size: int) -> None:
        super().__init__(name, size)
        self.name = name
        self.size = size


class _EnvBudget:
    """The size of a file as its ``${env:…}`` references expand, checked before each expansion
    is built: a 1 MB variable used in 1000 places is refused without making a 1 GB string."""

    def __init__(self, size: int, cap: int = MAX_FILE_BYTES) -> None:
        self.size = size
        self.cap = cap
        self._sizes: dict[tuple[str, int], int] = {}

    def grow(self, name: str, value: str, written: str) -> None:
        key = (name, id(value))
        if key not in self._sizes:
            self._sizes[key] = len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
        self.size += self._sizes[key] - len(written)
        if self.size > self.cap:
            raise EnvGrowthError(name, self.size)


def substitute_env(text: str, environ: Mapping[str, str] | None,
                   budget: "_EnvBudget | None" = None) -> tuple[str, list[str], bool]:
    """Expand ``${env:NAME}`` and ``${env:NAME:-default}`` in ``text``; ``$$`` is a literal ``$``.

    Returns ``(result, missing_names, used_env)``. ``environ=None`` means the process
    environment. A variable that is unset (and has no default) is reported in ``missing_names``;
    an empty value counts as set (like docker compose's ``:-`` only for unset). A default is
    expanded only when used, and may hold one more level: ``${env:A:-${env:B:-x}}``.
    ``budget`` (the file's size so far) raises :class:`EnvGrowthError` before an expansion
    would take the file past the size cap.
    """
    if "$" not in text:
        return text, [], False
    env = os.environ if environ is None else environ
    missing: list[str] = []
    used = False

    def repl(m: re.Match[str]) -> str:
        nonlocal used
        if m.group(0) == "$$":
            return "$"
        used = True
        name, default = m.group(1), m.group(2)
        if name in env:
            value = env[name]
            if budget is not None:
                budget.grow(name, value, m.group(0))
            return value
        if default is not None:
            out, inner_missing, _ = substitute_env(default, env, budget)
            missing.extend(inner_missing)
            return out
        missing.append(name)
        return ""

    return _ENV_RE.sub(repl, text), missing, used


def bad_env_reference(text: str) -> str | None:
    """Why a ``${…}`` in ``text`` is not a reference fcctl understands (None if all are)."""
    pos = 0
    for m in list(_ENV_RE.finditer(text)) + [None]:
        gap = text[pos:m.start()] if m else text[pos:]
        i = gap.find("${")
        if i >= 0:
            start = pos + i
            depth = deepest = 0
            end = len(text)
            j = start
            while j < len(text):  # the ${…} as written, braces balanced
                if text.startswith("${", j):
                    depth += 1
                    deepest = max(deepest, depth)
                    j += 2
                    continue
                if text[j] == "}":
                    depth -= 1
                    if depth == 0:
                        end = j + 1
                        break
                j += 1
            frag = text[start:end]
            if len(frag) > 60:
                frag = frag[:57] + "..."
            if deepest > 2 and depth == 0 and text.startswith("${env:", start):
                return (f"{frag} nests ${{env:…}} defaults more than one level deep; fcctl expands "
                        "one level, e.g. ${env:A:-${env:B:-value}}")
            return (f"{frag} is not a variable fcctl understands; write ${{env:NAME}}, "
                    "${env:NAME:-default} or ${env:NAME:-${env:OTHER}} (write $$ for a literal $)")
        if m:
            pos = m.end()
    return None
