"""A located tree -> plain Python data plus where each path was written (:class:`Plain`);
aliases are expanded under a node and text budget (billion laughs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fcctl.errors import Problem
from fcctl.spec.locations import Loc, PathT, problem
from fcctl.spec.tree import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, YAlias, YMap, YNode, YScalar, YSeq, _Abort, deref


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
        assert isinstance(node, YMap)  # the composer makes only these four kinds of node
        result = {}
        for k, (kloc, v) in node.items.items():
            target = deref(v)
            if isinstance(target, YScalar) and target.value is None:
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
