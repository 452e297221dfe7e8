"""The located YAML tree: :class:`YMap` / :class:`YSeq` / :class:`YScalar` / :class:`YAlias`
nodes, each with its :class:`~fcctl.spec.locations.Loc`, and the hostile-input budgets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, overload

from fcctl.errors import Problem
from fcctl.spec.locations import Loc

# Hostile-input budgets. A real fc.yaml is a few KB, a dozen levels deep, a few hundred nodes.
MAX_FILE_BYTES = 1024 * 1024  # 1 MB: a real fc.yaml is a few KB
MAX_DEPTH = 64
MAX_NODES = 100_000


@dataclass(eq=False)
class YNode:
    loc: Loc


@dataclass(eq=False)
class YScalar(YNode):
    value: Any = None
    from_env: bool = False  # the value came (at least partly) from ${env:…}
    text: str | None = None  # the scalar as written (for numbers/booleans that must be strings)
    missing: bool = False  # an ${env:…} in it is unset (already reported)
    odd: tuple[Any, ...] | None = None  # (why, suggestion): a number/boolean YAML versions read differently


@dataclass(eq=False)
class YMap(YNode):
    # key -> (key location, value node); insertion order = file order
    items: dict[str, Any] = field(default_factory=dict)
    # key -> "number" / "boolean" / "null": an unquoted key YAML would read as that type
    # (fcctl keeps keys as written; names such as environment variables must not be these)
    key_kinds: dict[str, str] = field(default_factory=dict)


@dataclass(eq=False)
class YSeq(YNode):
    items: list[Any] = field(default_factory=list)


@dataclass(eq=False)
class YAlias(YNode):
    """``*name``: a reference to an anchored node (expanded by :func:`to_plain` under budget)."""

    target: YNode = None  # type: ignore[assignment]
    name: str = ""


@overload
def deref(node: YNode) -> YNode: ...
@overload
def deref(node: None) -> None: ...
def deref(node: YNode | None) -> YNode | None:
    while isinstance(node, YAlias):
        node = node.target
    return node


class _Abort(Exception):
    def __init__(self, prob: Problem):
        self.problem = prob
