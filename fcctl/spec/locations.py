"""Where things are in a spec file: :class:`Loc`, paths, :func:`problem`, and editor positions.

Positions are what an editor shows (see :class:`LineIndex`): fcctl computes every line and
column from a character offset, never from PyYAML's own line count.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from fcctl.errors import Problem


PathT = tuple[str | int, ...]  # a key path: mapping keys and list indexes


@dataclass(frozen=True)
class Loc:
    """A position in a spec file: ``file`` as the user named it, 1-based ``line``/``column``."""

    file: str
    line: int
    column: int


_SHOWN_PATH_PARTS = 16


def format_path(path: PathT) -> str:
    """``("functions", 0, "instanceLifecycleConfig")`` -> ``functions[0].instanceLifecycleConfig``.

    A very deep path (aliases nested far down) keeps its first parts and ends in ``…``."""
    out = ""
    if len(path) > _SHOWN_PATH_PARTS:
        return format_path(tuple(path[:_SHOWN_PATH_PARTS - 1])) + "…"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def problem(loc: Loc, path: PathT | str, message: str, severity: str = "error") -> Problem:
    p = path if isinstance(path, str) else format_path(path)
    return Problem(loc.file, loc.line, loc.column, p, message, severity)


# Positions are the ones an editor shows. Lines end at \n, \r\n or a lone \r (all editors
# break lines there). PyYAML (YAML 1.1) also breaks lines at NEL (U+0085), U+2028 and U+2029;
# editors do not (VS Code shows them on one line and offers to remove them; YAML 1.2 reads them
# as ordinary characters), so fcctl computes every line from the character offset PyYAML
# reports, never from PyYAML's own line count. Columns count characters (Unicode code points),
# 1-based: 中, é and 😀 are one column each, a tab is one column (VS Code's status bar counts
# UTF-16 units: after an emoji outside the BMP it shows one more; Vim's charcol() agrees).
_EDITOR_BREAK = re.compile(r"\r\n|\r|\n")
# ...and since the same file would mean different things to PyYAML and to an editor (or a YAML
# 1.2 tool), a file holding one of these is refused, each at its editor position.
_YAML11_ONLY_BREAK = re.compile("[\u0085\u2028\u2029]")
_BREAK_NAMES = {"\u0085": "NEXT LINE", "\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR"}


class LineIndex:
    """Character offset -> (line, column) as an editor shows them (see above)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in _EDITOR_BREAK.finditer(text)]

    def position(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, max(offset, 0)) - 1
        return i + 1, offset - self.starts[i] + 1

    def lines(self, text: str) -> list[str]:
        ends = self.starts[1:] + [len(text)]
        return [text[a:b].rstrip("\r\n") for a, b in zip(self.starts, ends)]


def _line_col_of_offset(data: bytes, offset: int) -> tuple[int, int]:
    """(line, column) of byte ``offset`` in undecodable ``data``, columns in characters."""
    prefix = data[:offset].decode("utf-8", errors="replace")
    return LineIndex(prefix).position(len(prefix))


def _tab_lines(text: str) -> list[tuple[int, int]]:
    """(line, column) of each line whose indentation contains a tab (1-based)."""
    out = []
    for i, line in enumerate(LineIndex(text).lines(text), 1):
        stripped = line.lstrip(" \t")
        indent = line[: len(line) - len(stripped)]
        if "\t" in indent and stripped and not stripped.startswith("#"):
            out.append((i, indent.index("\t") + 1))
    return out
