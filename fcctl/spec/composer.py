"""Composing a located tree from PyYAML's event stream.

``load_yaml_file(path, label, environ, problems)`` reads one file and returns a tree of
:class:`~fcctl.spec.tree.YMap` / ``YSeq`` / ``YScalar`` / ``YAlias`` nodes, each with its editor
position. Problems (syntax, duplicate keys, tabs, size / depth / node budgets, tags, merge keys,
unset ``${env:…}`` variables) are appended to ``problems``; the function never raises for bad
input. The composer is iterative (no recursion, so deep nesting cannot raise
``RecursionError``) and reads the C parser's events when PyYAML has libyaml (its events keep
marks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import yaml

from fcctl.errors import Problem
from fcctl.spec.envrefs import (
    _WHOLE_REF_RE,
    EnvGrowthError,
    _EnvBudget,
    bad_env_reference,
    substitute_env,
)
from fcctl.spec.locations import (
    _BREAK_NAMES,
    _YAML11_ONLY_BREAK,
    LineIndex,
    Loc,
    PathT,
    _tab_lines,
    problem,
)
from fcctl.spec.reading import read_text
from fcctl.spec.scalars import (
    _BASIC_TAGS,
    _MAX_INT_BITS,
    _YAML_TAG,
    _resolve_plain,
    _scalar_value,
    odd_form,
)
from fcctl.spec.tree import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    YAlias,
    YMap,
    YNode,
    YScalar,
    YSeq,
    _Abort,
    deref,
)

_Loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


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
        self.key: str | None = None  # pending key (maps): set after a key scalar, cleared after its value
        self.key_loc: Loc | None = None
        self.key_kind: str | None = None  # the pending key's YAML type if not text (see YMap.key_kinds)
        self.key_merge = False  # the pending key is a plain `<<` (YAML merge key)
        self.seen: dict = {}
        self.last_key: str | None = None  # key of the most recent value (for paths of nested nodes)
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
    line_starts = lines.starts
    last = len(line_starts) - 1
    current = [0]  # the line of the previous event: events come in file order

    def loc_of(mark) -> Loc:
        # LineIndex.position, without a search when the mark is on the previous event's line
        # or the next one
        offset = mark.index
        i = current[0]
        if not (line_starts[i] <= offset and (i == last or offset < line_starts[i + 1])):
            if i < last and line_starts[i + 1] <= offset and (i + 1 == last or offset < line_starts[i + 2]):
                i += 1
            else:
                line, col = lines.position(offset)
                i = line - 1
            current[0] = i
        return Loc(label, i + 1, offset - line_starts[i] + 1)

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
        mapping, key, key_loc, key_kind = frame.node, frame.key, frame.key_loc, frame.key_kind
        # a frame is a sequence or a mapping; a mapping's value comes after its key (set above)
        assert isinstance(mapping, YMap) and key_loc is not None
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
        mapping.items[key] = (key_loc, node)
        if key_kind:
            mapping.key_kinds[key] = key_kind
        else:
            mapping.key_kinds.pop(key, None)

    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    containers = {yaml.MappingStartEvent: YMap, yaml.SequenceStartEvent: YSeq}
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    skipped = (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)
    # the parser's events read directly (yaml.parse wraps the same calls in a generator)
    parser = _Loader(text)
    next_event = parser.get_event
    try:
        while True:
            event = next_event()
            if event is None or type(event) is yaml.StreamEndEvent:
                break
            kind = type(event)  # PyYAML's event classes are final: dispatch on the exact type
            if kind in ends:
                nodes += 1  # end events count towards the node budget too
                if nodes > MAX_NODES:
                    raise _Abort(problem(loc_of(event.start_mark), "", (
                        f"the file has more than {MAX_NODES} YAML nodes; fcctl refuses it")))
                frame = stack.pop()
                if frame.merges and isinstance(frame.node, YMap):  # only mappings take `<<`
                    _apply_merge(frame.node, frame.merges, problems, _stack_path(stack))
                continue
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Abort(problem(loc_of(event.start_mark), "", (
                        "the file holds more than one YAML document (`---`); put everything in one "
                        "document, or pass overlays as separate -f files")))
                continue
            if kind in skipped:
                continue
            nodes += 1
            if nodes > MAX_NODES:
                raise _Abort(problem(loc_of(event.start_mark), "", (
                    f"the file has more than {MAX_NODES} YAML nodes; fcctl refuses it")))
            if kind is scalar_event:
                loc = loc_of(event.start_mark)
                if is_key_position():
                    # keys stay as written (`on:` is the name "on", not a boolean)
                    node = YScalar(loc, value=event.value)
                    if event.tag not in (None, "!", _YAML_TAG + "merge") and event.tag not in _BASIC_TAGS:
                        problems.append(_tag_problem(event.tag, loc, stack))
                    if event.style in (None, "") and event.tag in (None, "!"):
                        odd = _KEY_ODD.get(event.value, False)
                        if odd is False:
                            if len(_KEY_ODD) >= _SCALARS_MAX:
                                _KEY_ODD.clear()
                            odd = _KEY_ODD[event.value] = _key_odd(event.value)
                        if odd is not None:
                            node.odd = odd
                    stack[-1].key_merge = event.value == "<<" and event.style in (None, "") and (
                        event.tag in (None, "tag:yaml.org,2002:merge"))
                else:
                    node = _scalar_node(event, loc, environ, problems, stack, budget)
                if event.anchor:
                    anchors[event.anchor] = node
                add(node)
                continue
            if kind is alias_event:
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
            container = containers.get(kind)
            if container is not None:
                if len(stack) >= MAX_DEPTH:
                    raise _Abort(problem(loc_of(event.start_mark), _stack_path(stack)[:2], (
                        f"the document nests too deeply (more than {MAX_DEPTH} levels); fcctl refuses it")))
                loc = loc_of(event.start_mark)
                if event.tag not in (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
                    problems.append(_tag_problem(event.tag, loc, stack))
                node = container(loc)
                if event.anchor:
                    anchors[event.anchor] = node
                    anchor_locs[event.anchor] = loc
                add(node)
                stack.append(_Frame(node))
                continue
    finally:
        parser.dispose()
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


_SCALARS: dict = {}  # (text, plain) -> (value, odd): see _scalar_node
_SCALARS_MAX = 4096
_KEY_ODD: dict = {}  # plain key text -> YMap.key_kinds entry (None: text), see _key_odd


def _key_odd(text: str) -> tuple | None:
    """A plain untagged key that YAML would read as a number, boolean or null: its kind."""
    kind = _resolve_plain(text).rsplit(":", 1)[-1]
    if kind in ("int", "float"):
        return ("number", None)
    if kind in ("bool", "null"):
        return ("boolean" if kind == "bool" else "null", None)
    return None


def _untagged_scalar(text: str, plain: bool) -> tuple:
    """``(value, odd)`` of an untagged scalar without ``$`` (what :func:`_scalar_node` builds)."""
    tag = _resolve_plain(text) if plain else "tag:yaml.org,2002:str"
    try:
        value = _scalar_value(tag, text, None)
    except (yaml.YAMLError, ValueError):
        value = text
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        value = text  # an absurd number (0x…, 0…, 1_…: no digit limit) stays text
    return value, (odd_form(text, value) if plain else None)


def _scalar_node(event, loc: Loc, environ, problems: list[Problem], stack,
                 budget: "_EnvBudget | None" = None) -> YScalar:
    text = event.value
    plain = event.style in (None, "")
    if event.tag in (None, "!") and "$" not in text:
        # the common case: an untagged scalar without ${env:…}; its value depends only on the
        # text and whether it is plain (values are immutable), so a spec's repeated values —
        # runtimes, handlers, memory sizes — are resolved once
        key = (text, plain)
        hit = _SCALARS.get(key)
        if hit is None:
            if len(_SCALARS) >= _SCALARS_MAX:
                _SCALARS.clear()
            hit = _SCALARS[key] = _untagged_scalar(text, plain)
        return YScalar(loc, value=hit[0], text=text, odd=hit[1])
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
