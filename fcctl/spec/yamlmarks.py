"""YAML loading that keeps where every key and value was written.

``load_yaml_file(path, label, environ, problems)`` reads one file and returns a tree of
:class:`YMap` / :class:`YSeq` / :class:`YScalar` / :class:`YAlias` nodes, each with a
:class:`Loc` (file label, 1-based line and column). Problems (syntax, duplicate keys, tabs,
invalid UTF-8, size / depth / alias budgets, unset ``${env:…}`` variables) are appended to
``problems``; the function never raises for bad input.

The tree is built from PyYAML's *event* stream by an iterative composer (no recursion, so deep
nesting cannot raise ``RecursionError``), with the C parser when PyYAML has it (its events keep
line/column marks). ``to_plain`` turns a tree into plain Python data plus a map
``path -> Loc`` for values and keys; it expands aliases under a node budget (billion laughs).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from fcctl.errors import Problem

# Hostile-input budgets. A real fc.yaml is a few KB, a dozen levels deep, a few hundred nodes.
MAX_FILE_BYTES = 1024 * 1024  # 1 MB: a real fc.yaml is a few KB
MAX_DEPTH = 64
MAX_NODES = 100_000

_Loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

PathT = tuple  # tuple[str | int, ...]


@dataclass(frozen=True)
class Loc:
    """A position in a spec file: ``file`` as the user named it, 1-based ``line``/``column``."""

    file: str
    line: int
    column: int


@dataclass(eq=False)
class YNode:
    loc: Loc


@dataclass(eq=False)
class YScalar(YNode):
    value: Any = None
    from_env: bool = False  # the value came (at least partly) from ${env:…}
    text: str | None = None  # the scalar as written (for numbers/booleans that must be strings)
    missing: bool = False  # an ${env:…} in it is unset (already reported)
    odd: tuple | None = None  # (why, suggestion): a number/boolean YAML versions read differently


@dataclass(eq=False)
class YMap(YNode):
    # key -> (key location, value node); insertion order = file order
    items: dict = field(default_factory=dict)
    # key -> "number" / "boolean" / "null": an unquoted key YAML would read as that type
    # (fcctl keeps keys as written; names such as environment variables must not be these)
    key_kinds: dict = field(default_factory=dict)


@dataclass(eq=False)
class YSeq(YNode):
    items: list = field(default_factory=list)


@dataclass(eq=False)
class YAlias(YNode):
    """``*name``: a reference to an anchored node (expanded by :func:`to_plain` under budget)."""

    target: YNode = None  # type: ignore[assignment]
    name: str = ""


def deref(node: YNode | None) -> YNode | None:
    while isinstance(node, YAlias):
        node = node.target
    return node


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


# --- ${env:NAME} / ${env:NAME:-default} ------------------------------------------------------

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
        self._sizes: dict = {}

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

    def repl(m: re.Match) -> str:
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


def _scalar_value(tag: str, text: str, mark) -> Any:
    if tag in _BASIC_TAGS:
        node = yaml.ScalarNode(tag, text, mark, mark)
        return _constructor.yaml_constructors[tag](_constructor, node)
    return text  # timestamps, binary…: keep the text as written (FC fields are strings)


def _resolve_plain(text: str) -> str:
    return _resolver.resolve(yaml.ScalarNode, text, (True, False))


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


def odd_form(text: str, value: Any) -> tuple | None:
    try:
        return _odd_form(text, value)
    except (ValueError, OverflowError):  # digits beyond Python's int/str conversion limit
        return (f"{text[:20]}… is not a plain decimal number", None)


def _odd_form(text: str, value: Any) -> tuple | None:
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


# --- loading --------------------------------------------------------------------------------


class _Abort(Exception):
    def __init__(self, prob: Problem):
        self.problem = prob


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
        import bisect

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


# How long fcctl waits for a pipe, FIFO or terminal to deliver data before giving up:
# `-f <(cat fc.yaml)` delivers at once; a named FIFO with no writer never does.
PIPE_WAIT_S = 5.0


def _os_error_text(exc: OSError) -> str:
    import errno

    reason = {
        errno.ELOOP: "too many levels of symbolic links (a symlink loop?)",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENAMETOOLONG: "the file name is too long",
        errno.ENOTDIR: "a part of the path is not a directory",
        errno.ENXIO: "it is not a file fcctl can read (a socket?)",
    }.get(exc.errno, exc.strerror or str(exc))
    return f"cannot read the file: {reason}"


def _read_fd(fd: int, regular: bool) -> tuple[bytes, bool]:
    """``(data, complete)``: at most MAX_FILE_BYTES + 1 bytes of ``fd``. A non-regular ``fd``
    (pipe, FIFO, device; opened non-blocking) is read as data arrives, waiting at most
    :data:`PIPE_WAIT_S` for each chunk; ``complete`` is False if the wait ran out."""
    import select

    poller = select.poll() if hasattr(select, "poll") else None
    if poller is not None:
        poller.register(fd, select.POLLIN)
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_FILE_BYTES:
        if not regular:
            if poller is not None:
                ready = poller.poll(PIPE_WAIT_S * 1000)
            else:
                ready = select.select([fd], [], [], PIPE_WAIT_S)[0]
            if not ready:
                return b"".join(chunks), False
        try:
            chunk = os.read(fd, min(65536, MAX_FILE_BYTES + 1 - size))
        except BlockingIOError:
            continue
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), True


def read_text(path: Path, label: str, problems: list[Problem]) -> str | None:
    """Read a spec file as UTF-8 under the size cap; append a problem and return None on failure.

    Never hangs: the file is opened non-blocking (opening a FIFO for reading would wait for a
    writer), and a pipe, FIFO or terminal that delivers nothing for :data:`PIPE_WAIT_S` seconds
    is an error. Path errors (missing, directory, permission, symlink loop, name too long) are
    problems at ``label:1:1``."""
    import stat

    at = Loc(label, 1, 1)
    is_dir = "this is a directory; pass a YAML file with -f PATH"
    if not label.strip():
        problems.append(problem(at, "", "the file name is empty; pass a YAML file with -f PATH"))
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        problems.append(problem(at, "", "file not found (fcctl reads fc.yaml in the current directory unless -f names another)"))
        return None
    except IsADirectoryError:
        problems.append(problem(at, "", is_dir))
        return None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        text = _os_error_text(exc) if isinstance(exc, OSError) else "cannot read the file: the path holds a NUL byte"
        problems.append(problem(at, "", text))
        return None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            problems.append(problem(at, "", is_dir))
            return None
        # read at most one byte past the cap: stat() says nothing about pipes or /dev/zero
        data, complete = _read_fd(fd, stat.S_ISREG(mode))
    except IsADirectoryError:
        problems.append(problem(at, "", is_dir))
        return None
    except OSError as exc:
        problems.append(problem(at, "", _os_error_text(exc)))
        return None
    finally:
        os.close(fd)
    if not complete and not data:
        problems.append(problem(at, "", (
            f"no data: nothing arrived within {PIPE_WAIT_S:g} seconds (a FIFO with no writer?); "
            "pass a YAML file with -f PATH, or start the writer first")))
        return None
    if not complete:
        problems.append(problem(at, "", (
            f"the data stopped: nothing more arrived for {PIPE_WAIT_S:g} seconds and the writer "
            "did not close it; pass a YAML file with -f PATH")))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(problem(at, "", (
            f"the file is larger than {MAX_FILE_BYTES / 1048576:g} MB, the most fcctl reads "
            "(a real fc.yaml is a few KB) — is this the right file?")))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_col_of_offset(data, exc.start)
        problems.append(problem(Loc(label, line, col), "", (
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8")))
        return None


def load_yaml_file(
    path: Path, label: str, environ: Mapping[str, str] | None, problems: list[Problem]
) -> YNode | None:
    """Load one spec file into a located tree (see module doc). Returns None if nothing usable."""
    text = read_text(path, label, problems)
    if text is None:
        return None
    return load_yaml_text(text, label, environ, problems)


def load_yaml_text(
    text: str, label: str, environ: Mapping[str, str] | None, problems: list[Problem]
) -> YNode | None:
    """Like :func:`load_yaml_file` for text already read (``label`` names it in problems)."""
    breaks = [m.start() for m in _YAML11_ONLY_BREAK.finditer(text)]
    if breaks:
        lines = LineIndex(text)
        for offset in breaks[:10]:
            line, col = lines.position(offset)
            problems.append(problem(Loc(label, line, col), "", (
                f"U+{ord(text[offset]):04X} ({_BREAK_NAMES[text[offset]]}): YAML 1.1 (fcctl) reads it "
                "as a line break, editors and YAML 1.2 tools as an ordinary character, so this file "
                "means different things to different tools — remove it (in a double-quoted "
                f"string write \\u{ord(text[offset]):04x} if you mean the character)")))
        return None
    local: list[Problem] = []
    try:
        root = _compose(text, label, environ, local)
    except _Abort as exc:
        problems.extend(local)
        problems.append(exc.problem)
        return None
    except yaml.YAMLError as exc:
        problems.extend(local)
        problems.append(_yaml_error_problem(exc, text, label))
        return None
    problems.extend(local)
    if isinstance(root, YScalar) and root.value is None:  # `---` or `~` alone
        root = None
    if root is None:
        problems.append(problem(Loc(label, 1, 1), "", (
            "the file holds no spec (it is empty or only comments); write at least "
            "`region:` and a `functions:` list")))
    return root


def _yaml_error_problem(exc: yaml.YAMLError, text: str, label: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if isinstance(exc, yaml.reader.ReaderError):
        ch = exc.character
        code = ord(ch) if isinstance(ch, str) else ch
        # libyaml (CSafeLoader) reports a byte offset, PyYAML's reader a character offset: the
        # first occurrence of the character is where both point
        offset = text.find(chr(code)) if isinstance(code, int) and 0 <= code < 0x110000 else -1
        if offset < 0:
            offset = len(text.encode("utf-8", "surrogatepass")[:exc.position].decode("utf-8", "ignore"))
        line, col = LineIndex(text).position(offset)
        return problem(Loc(label, line, col), "", (
            f"control character U+{code:04X} is not allowed in YAML; remove it"))
    if mark is not None and getattr(mark, "index", None) is not None:
        line, col = LineIndex(text).position(mark.index)
    else:
        line = mark.line + 1 if mark else 1
        col = mark.column + 1 if mark else 1
    tabs = [t for t in _tab_lines(text) if t[0] <= line]
    if tabs:
        tl, tc = tabs[-1]  # the nearest one before the error (earlier tabs may sit in a block scalar)
        return problem(Loc(label, tl, tc), "", (
            "tab character used for indentation; YAML indents with spaces only — replace the "
            "tab with spaces"))
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "nesting depth" in what:  # libyaml's own limit, met before ours in flow context
        return problem(Loc(label, line, col), "", (
            f"the document nests too deeply (more than {MAX_DEPTH} levels); fcctl refuses it"))
    ctx = getattr(exc, "context", None)
    msg = f"YAML syntax error: {what}" + (f" ({ctx})" if ctx else "")
    if "mapping values are not allowed" in what:
        msg += "; a value that contains ': ' must be quoted"
    return problem(Loc(label, line, col), "", msg)


class _Frame:
    __slots__ = ("node", "key", "key_loc", "key_kind", "key_merge", "seen", "last_key", "merges")

    def __init__(self, node: YNode) -> None:
        self.node = node
        self.key = None  # pending key (maps): set after a key scalar, cleared after its value
        self.key_loc = None
        self.key_kind = None  # the pending key's YAML type if not text (see YMap.key_kinds)
        self.key_merge = False  # the pending key is a plain `<<` (YAML merge key)
        self.seen: dict = {}
        self.last_key = None  # key of the most recent value (for paths of nested nodes)
        self.merges: list = []


def _stack_path(stack: list) -> PathT:
    """Key path of the node about to be added (for problems raised while composing)."""
    out: list = []
    for i, frame in enumerate(stack):
        inner = i + 1 < len(stack)
        if isinstance(frame.node, YSeq):
            out.append(len(frame.node.items) - (1 if inner else 0))
        elif inner:
            out.append(frame.last_key)
        elif frame.key is not None:
            out.append(frame.key)
    return tuple(out)


def _compose(text: str, label: str, environ, problems: list[Problem]) -> YNode | None:
    """Iterative composer: events -> located tree. Raises yaml.YAMLError / _Abort."""

    lines = LineIndex(text)

    def loc_of(mark) -> Loc:
        line, col = lines.position(mark.index)
        return Loc(label, line, col)

    budget = _EnvBudget(len(text.encode("utf-8", "surrogatepass")))

    anchors: dict[str, YNode] = {}
    anchor_locs: dict[str, Loc] = {}
    stack: list[_Frame] = []
    root: YNode | None = None
    documents = 0
    nodes = 0

    def is_key_position() -> bool:
        return bool(stack) and isinstance(stack[-1].node, YMap) and stack[-1].key is None

    def add(node: YNode) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        frame = stack[-1]
        if isinstance(frame.node, YSeq):
            frame.node.items.append(node)
            return
        if frame.key is None:  # this node is a key
            if not isinstance(node, YScalar):
                raise _Abort(problem(node.loc, _stack_path(stack), (
                    "a mapping key must be a plain name, not a list or mapping")))
            frame.key = "" if node.value is None else str(node.value)
            frame.key_loc = node.loc
            frame.key_kind = node.odd[0] if node.odd else None
            return
        key, key_loc, key_kind = frame.key, frame.key_loc, frame.key_kind
        frame.key = frame.key_loc = frame.key_kind = None
        frame.last_key = key
        if frame.key_merge:
            frame.key_merge = False
            frame.merges.append((key_loc, node))
            return
        if key in frame.seen:
            first = frame.seen[key]
            problems.append(problem(key_loc, _map_path(stack) + (key,), (
                f"key {key} appears twice in the same mapping (first at line {first.line}); "
                "YAML keeps only the last one — remove one of them")))
        else:
            frame.seen[key] = key_loc
        frame.node.items[key] = (key_loc, node)
        if key_kind:
            frame.node.key_kinds[key] = key_kind
        else:
            frame.node.key_kinds.pop(key, None)

    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _Abort(problem(loc_of(event.start_mark), "", (
                    "the file holds more than one YAML document (`---`); put everything in one "
                    "document, or pass overlays as separate -f files")))
            continue
        if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
            continue
        nodes += 1
        if nodes > MAX_NODES:
            raise _Abort(problem(loc_of(event.start_mark), "", (
                f"the file has more than {MAX_NODES} YAML nodes; fcctl refuses it")))
        if isinstance(event, yaml.AliasEvent):
            loc = loc_of(event.start_mark)
            target = anchors.get(event.anchor)
            if target is None:  # PyYAML's parser reports these first; keep a guard
                raise _Abort(problem(loc, _stack_path(stack), (
                    f"alias *{event.anchor} is not defined; define the anchor &{event.anchor} "
                    "before using it")))
            if any(frame.node is target for frame in stack):
                at = anchor_locs.get(event.anchor, target.loc)
                raise _Abort(problem(loc, _stack_path(stack), (
                    f"alias *{event.anchor} is used inside the node it names (&{event.anchor} at "
                    f"line {at.line}): a structure that contains itself never ends; fcctl refuses it")))
            add(YAlias(loc, target=target, name=event.anchor))
            continue
        if isinstance(event, yaml.ScalarEvent):
            loc = loc_of(event.start_mark)
            if is_key_position():
                # keys stay as written (`on:` is the name "on", not a boolean)
                node = YScalar(loc, value=event.value)
                if event.tag not in (None, "!", _YAML_TAG + "merge") and event.tag not in _BASIC_TAGS:
                    problems.append(_tag_problem(event.tag, loc, stack))
                if event.style in (None, "") and event.tag in (None, "!"):
                    kind = _resolve_plain(event.value).rsplit(":", 1)[-1]
                    if kind in ("int", "float"):
                        node.odd = ("number", None)
                    elif kind in ("bool", "null"):
                        node.odd = ("boolean" if kind == "bool" else "null", None)
                stack[-1].key_merge = event.value == "<<" and event.style in (None, "") and (
                    event.tag in (None, "tag:yaml.org,2002:merge"))
            else:
                node = _scalar_node(event, loc, environ, problems, stack, budget)
            if event.anchor:
                anchors[event.anchor] = node
            add(node)
            continue
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise _Abort(problem(loc_of(event.start_mark), _stack_path(stack)[:2], (
                    f"the document nests too deeply (more than {MAX_DEPTH} levels); fcctl refuses it")))
            loc = loc_of(event.start_mark)
            if event.tag not in (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
                problems.append(_tag_problem(event.tag, loc, stack))
            node = YMap(loc) if isinstance(event, yaml.MappingStartEvent) else YSeq(loc)
            if event.anchor:
                anchors[event.anchor] = node
                anchor_locs[event.anchor] = loc
            add(node)
            stack.append(_Frame(node))
            continue
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = stack.pop()
            if frame.merges:
                _apply_merge(frame.node, frame.merges, problems, _stack_path(stack))
            continue
    return root


def _map_path(stack: list) -> PathT:
    # path of the innermost mapping (the one in stack[-1])
    out: list = []
    for i, frame in enumerate(stack[:-1]):
        if isinstance(frame.node, YSeq):
            out.append(len(frame.node.items) - 1)
        else:
            out.append(frame.last_key)
    return tuple(out)


def _apply_merge(target: YMap, merges: list, problems, path: PathT) -> None:
    # YAML merge keys: explicit keys win; earlier merge sources win over later ones.
    for key_loc, value in merges:
        value = deref(value)
        sources = [deref(v) for v in value.items] if isinstance(value, YSeq) else [value]
        for src in sources:
            if not isinstance(src, YMap):
                problems.append(problem(key_loc, path, (
                    "`<<` must merge a mapping (or a list of mappings), e.g. `<<: *defaults`")))
                continue
            for k, item in src.items.items():
                if k not in target.items:
                    target.items[k] = item
                    if k in src.key_kinds:
                        target.key_kinds[k] = src.key_kinds[k]


def _tag_problem(tag: str, loc: Loc, stack) -> Problem:
    shown = "!!" + tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else tag
    if shown.startswith("!!python/"):
        why = "a Python object tag; fcctl never builds objects from a spec"
    elif tag.startswith(_YAML_TAG):
        why = "fcctl specs take plain strings, numbers, booleans, lists and mappings"
    else:
        why = "fcctl specs use plain YAML"
    return problem(loc, _stack_path(stack), (
        f"YAML tag {shown} is not allowed ({why}); remove the tag (use ${{env:NAME}} for values "
        "from the environment)"))


def _scalar_node(event, loc: Loc, environ, problems: list[Problem], stack,
                 budget: "_EnvBudget | None" = None) -> YScalar:
    text = event.value
    plain = event.style in (None, "")
    if event.tag in (None, "!"):
        tag = _resolve_plain(text) if plain else "tag:yaml.org,2002:str"
    else:
        tag = event.tag
        if tag not in _BASIC_TAGS:
            # !!python/object/apply:os.system, !!binary, !custom…: refused, never constructed
            problems.append(_tag_problem(tag, loc, stack))
            tag = "tag:yaml.org,2002:str"
    try:
        value = _scalar_value(tag, text, event.start_mark)
    except (yaml.YAMLError, ValueError):
        value = text
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        value = text  # an absurd number (0x…, 0…, 1_…: no digit limit) stays text
    if isinstance(value, str) and "$" in value:
        try:
            new, missing, used = substitute_env(value, environ, budget)
        except EnvGrowthError as exc:
            raise _Abort(problem(loc, _stack_path(stack), (
                f"${{env:{exc.name}}} makes the spec larger than {MAX_FILE_BYTES / 1048576:g} MB "
                f"(the most fcctl reads) once substituted here — more than {exc.size} bytes so far; "
                "a variable used in a spec should hold a short value (a name, an id, a secret), "
                "not a file"))) from None
        for name in missing:
            problems.append(problem(loc, _stack_path(stack), (
                f"environment variable {name} is not set; export it, or give a default: "
                f"${{env:{name}:-value}}")))
        bad = bad_env_reference(value)
        if bad:
            problems.append(problem(loc, _stack_path(stack), bad))
        if used:
            if _WHOLE_REF_RE.fullmatch(value) is not None and plain and not missing:
                # `memorySize: ${env:MEM}` gets the type the text would have had in YAML.
                tag = _resolve_plain(new)
                value = new
                if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"):
                    try:
                        value = _scalar_value(tag, new, event.start_mark)
                    except (yaml.YAMLError, ValueError):
                        value = new
                    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
                        value = new
            else:
                value = new
            return YScalar(loc, value=value, from_env=True, text=new, missing=bool(missing),
                           odd=odd_form(new, value) if plain and not missing else None)
        value = new
    return YScalar(loc, value=value, text=text, odd=odd_form(text, value) if plain and event.tag in (None, "!") else None)


# --- tree -> plain data -----------------------------------------------------------------------


@dataclass
class Plain:
    """Plain data from a tree plus where each path was written.

    ``values[path]`` is the location of the value (for a mapping or list: where it starts),
    ``keys[path]`` the location of the key that holds it, ``from_env`` the paths whose string
    came from ``${env:…}``.
    """

    data: Any
    values: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)
    from_env: set = field(default_factory=set)
    containers: set = field(default_factory=set)
    texts: dict = field(default_factory=dict)  # path -> scalar text, for non-string scalars
    unset: set = field(default_factory=set)  # paths of values with an unset ${env:…} (reported)
    odd: dict = field(default_factory=dict)  # path -> (text, why, suggestion), see odd_form
    key_kinds: dict = field(default_factory=dict)  # path -> YAML type of its unquoted key

    def loc(self, path: PathT, *, key: bool = False) -> Loc:
        """The location of ``path``, or of its nearest ancestor that has one.

        A mapping or list held by a key is located at its key (``initializer:``), where a
        person looks for it; a scalar at its value; ``key=True`` asks for the key.
        """
        path = tuple(path)
        while True:
            if path in self.containers and path in self.keys:
                return self.keys[path]
            table = self.keys if key else self.values
            if path in table:
                return table[path]
            if key and path in self.values:
                return self.values[path]
            if not path:
                return Loc("?", 1, 1)
            path = path[:-1]


def to_plain(root: YNode, problems: list[Problem], budget: int = MAX_NODES) -> Plain | None:
    """Expand a tree into :class:`Plain`; ``None`` (with a problem) if aliases blow the budget.

    Mapping entries whose value is null are dropped: null means "unset" in a spec.
    """
    out = Plain(None)
    count = 0
    text_size = 0

    def walk(node: YNode, path: PathT, via_alias: YAlias | None) -> Any:
        nonlocal count, text_size
        count += 1
        if count > budget:
            at = via_alias.loc if via_alias else node.loc
            raise _Abort(problem(at, path[:1], (
                f"aliases expand to more than {budget} nodes (an alias bomb?); fcctl refuses it")))
        if isinstance(node, YAlias):
            if len(path) > MAX_DEPTH * 2:
                raise _Abort(problem(node.loc, path, "aliases nest too deeply; fcctl refuses it"))
            return walk(node.target, path, via_alias or node)
        out.values.setdefault(path, node.loc)
        if isinstance(node, YScalar):
            if isinstance(node.value, str):
                text_size += len(node.value)
                if text_size > MAX_FILE_BYTES:
                    at = via_alias.loc if via_alias else node.loc
                    raise _Abort(problem(at, path, (
                        f"with its aliases expanded the spec holds more than "
                        f"{MAX_FILE_BYTES / 1048576:g} MB of text, the most fcctl reads; fcctl refuses it")))
            if node.from_env:
                out.from_env.add(path)
            if node.text is not None and not isinstance(node.value, str):
                out.texts[path] = node.text
            if node.missing:
                out.unset.add(path)
            if node.odd:
                out.odd[path] = (node.text,) + tuple(node.odd)
            return node.value
        out.containers.add(path)
        if isinstance(node, YSeq):
            return [walk(item, path + (i,), via_alias) for i, item in enumerate(node.items)]
        result = {}
        for k, (kloc, v) in node.items.items():
            if isinstance(deref(v), YScalar) and deref(v).value is None:
                continue
            out.keys[path + (k,)] = kloc
            if k in node.key_kinds:
                out.key_kinds[path + (k,)] = node.key_kinds[k]
            result[k] = walk(v, path + (k,), via_alias)
        return result

    try:
        out.data = walk(root, (), None)
    except _Abort as exc:
        problems.append(exc.problem)
        return None
    except RecursionError:  # cyclic aliases cannot be built by PyYAML's parser; a guard anyway
        problems.append(problem(root.loc, "", "aliases refer to themselves; fcctl refuses it"))
        return None
    return out
