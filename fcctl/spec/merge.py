"""Overlays: ``-f fc.yaml -f fc.prod.yaml`` merges located trees in order (docker compose style).

* mappings deep-merge, the later file wins for scalars and lists;
* ``functions`` merge by ``functionName`` (a function only in an overlay is appended) and each
  function's ``triggers`` by ``triggerName``;
* a null value in an overlay removes the key (null means "unset" everywhere in a spec).

Nodes keep their own locations, so a problem in a merged value points into the file that
holds it.
"""

from __future__ import annotations

from typing import Any

from fcctl.errors import Problem
from fcctl.spec.locations import Loc, PathT, problem
from fcctl.spec.tree import MAX_DEPTH, MAX_NODES, YAlias, YMap, YNode, YScalar, YSeq, deref

_BY_NAME = {"functions": "functionName", "triggers": "triggerName", "aliases": "aliasName"}


_REQUIRED_HINT = {
    "functions": "to leave functions out, remove them from the base file or use a separate spec",
    "functionName": "overlays merge functions by functionName; to rename, change the base file",
    "triggerName": "overlays merge triggers by triggerName; to rename, change the base file",
}


def _required(path: PathT, key: str) -> bool:
    """Keys a spec cannot do without: top-level ``functions`` and the names overlays merge by."""
    if not path:
        return key == "functions"
    return len(path) >= 2 and path[-2] in _BY_NAME and _BY_NAME[str(path[-2])] == key


def _name_of(item: YNode | None, name_key: str) -> str | None:
    item = deref(item)
    if isinstance(item, YMap) and name_key in item.items:
        value = deref(item.items[name_key][1])
        if isinstance(value, YScalar) and isinstance(value.value, (str, int)):
            return str(value.value)
    return None


def _name_loc(item: YNode, name_key: str) -> Loc:
    """Where the name of ``item`` (a mapping :func:`_name_of` found it in) is written."""
    node = deref(item)
    assert isinstance(node, YMap)
    written: YNode = node.items[name_key][1]  # (key location, value node)
    return deref(written).loc


def check_duplicate_names(seq: YSeq, name_key: str, path: PathT, problems: list[Problem]) -> None:
    """Report the second and later items of ``seq`` whose ``name_key`` repeats an earlier one."""
    first: dict[str, YNode] = {}
    for i, item in enumerate(seq.items):
        name = _name_of(item, name_key)
        if name is None:
            continue
        if name in first:
            at = _name_loc(item, name_key)
            prev = _name_loc(first[name], name_key)
            if at == prev:
                # the name came from a shared anchor: `- *fn` repeats a whole function (point at
                # the alias, where the repeat is written), `<<: *base` a name (point at the item)
                at = item.loc if isinstance(item, YAlias) else deref(item).loc
                prev = first[name].loc if isinstance(first[name], YAlias) else deref(first[name]).loc
            where = f"line {prev.line}" if prev.file == at.file else f"{prev.file}:{prev.line}"
            problems.append(problem(at, path + (i, name_key), (
                f"{name_key} {name} is defined twice (first at {where}); names must be unique — "
                "rename one, or put overrides in an overlay file (-f)")))
        else:
            first[name] = item


class _TooDeep(Exception):
    def __init__(self, node: YNode, path: PathT, why: str) -> None:
        super().__init__()
        self.node = node
        self.path = path
        self.why = why


def merge(base: YNode | None, over: YNode | None, path: PathT = (),
          problems: list[Problem] | None = None) -> YNode | None:
    """Merge ``over`` onto ``base`` (neither is modified); returns the merged tree.

    Problems an overlay causes (a function or trigger without its name, nesting deeper than
    aliases allow) are appended to ``problems`` at the overlay's file:line:column."""
    try:
        return _merge(base, over, path, problems, [0, None])
    except _TooDeep as exc:  # aliases can nest deeper and wider than a file: never run on and on
        if problems is not None:
            problems.append(problem(exc.node.loc, exc.path, exc.why))
        return base


def _merge(base: YNode | None, over: YNode | None, path: PathT,
           problems: list[Problem] | None, visited: list[Any]) -> YNode | None:
    b, o = deref(base), deref(over)
    if o is None:
        return base
    if len(path) <= 1:
        visited[1] = over  # the overlay's top-level value (as written: an alias at its use)
    visited[0] += 1 + (len(o.items) if isinstance(o, (YMap, YSeq)) else 0)
    if visited[0] > MAX_NODES:
        raise _TooDeep(visited[1] or o, path[:1], (
            f"merging this overlay visits more than {MAX_NODES} nodes through aliases (an alias "
            "bomb?); fcctl refuses it"))
    if len(path) > 2 * MAX_DEPTH:
        raise _TooDeep(o, path, "the overlay nests too deeply (through aliases) to merge; fcctl refuses it")
    if isinstance(o, YScalar) and o.value is None:
        return None
    if isinstance(b, YMap) and isinstance(o, YMap):
        out = YMap(b.loc, items=dict(b.items), key_kinds=dict(b.key_kinds))
        for key, (kloc, value) in o.items.items():
            v = deref(value)
            if isinstance(v, YScalar) and v.value is None:
                if _required(path, key) and problems is not None and key in out.items:
                    # the merged spec would lack it, and the error would point at the base
                    # file, which has it: say so here, where it is removed
                    problems.append(problem(v.loc, path + (key,), (
                        f"an overlay cannot remove {key} (null unsets a key): "
                        + _REQUIRED_HINT.get(key, f"set {key} to a new value instead"))))
                    continue
                out.items.pop(key, None)
                out.key_kinds.pop(key, None)
                continue
            if key in _BY_NAME.values() and _name_of(b, key) == _name_of(o, key):
                continue  # keep where the name was first written (a function's source file)
            if key in o.key_kinds:  # the key as the latest file wrote it
                out.key_kinds[key] = o.key_kinds[key]
            else:
                out.key_kinds.pop(key, None)
            if key in out.items:
                merged = _merge(out.items[key][1], value, path + (key,), problems, visited)
                out.items[key] = (kloc, merged)  # the key as the latest file wrote it
            else:
                out.items[key] = (kloc, value)
        return out
    name_key = _BY_NAME.get(path[-1]) if path and isinstance(path[-1], str) else None
    if name_key and isinstance(b, YSeq) and isinstance(o, YSeq):
        items = list(b.items)
        index = {}
        for i, item in enumerate(items):
            name = _name_of(item, name_key)
            if name is not None and name not in index:
                index[name] = i
        for item in o.items:
            name = _name_of(item, name_key)
            if name is None and isinstance(deref(item), YMap) and problems is not None:
                what = "function" if name_key == "functionName" else "trigger"
                problems.append(problem(deref(item).loc, path + (len(items),), (
                    f"this {what} in an overlay has no {name_key} (or not a text one): overlays "
                    f"merge {path[-1]} by {name_key} — name the {what} it changes or adds")))
                continue
            if name is not None and name in index:
                i = index[name]
                items[i] = _merge(items[i], item, path + (i,), problems, visited)
            else:
                if name is not None:
                    index[name] = len(items)
                items.append(item)
        return YSeq(b.loc, items=items)
    return over
