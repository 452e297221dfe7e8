"""The closed vocabularies of plans and results: plan actions, trigger operations, outcomes and
rollout phase statuses.

Each is a ``str``-valued enum whose ``str()``/``format()`` is its value, so the JSON documents
and the text output read exactly as the plain strings did ("create", "ok", …). Code that
dispatches on one handles every member and calls :func:`unknown` for anything else: a new member
fails loudly where it is not handled, instead of falling through silently.
"""

from __future__ import annotations

from enum import Enum
from typing import NoReturn


class _StrEnum(str, Enum):
    __str__ = str.__str__

    def __format__(self, format_spec: str) -> str:
        return str.__format__(self, format_spec)

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


class Action(_StrEnum):
    """What deploy does with one function."""

    CREATE = "create"
    UPDATE = "update"
    NOOP = "noop"


class TriggerOp(_StrEnum):
    """What deploy does with one trigger; ``REPLACE`` is DeleteTrigger then CreateTrigger (FC
    cannot change a trigger's type or sourceArn in place)."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"


class AliasOp(_StrEnum):
    """What deploy does with one alias of the spec. ``UPDATE`` is UpdateAlias carrying only
    ``description`` (the version and weights belong to ``fcctl release``); ``PENDING``: the alias
    is not on FC and deploy cannot create it (CreateAlias needs a versionId; deploy never
    publishes) — a note, not a change."""

    UPDATE = "update"
    PENDING = "pending"


class ProvisionOp(_StrEnum):
    """PutProvisionConfig of LATEST or an alias: none on FC yet (``CREATE``) or different."""

    CREATE = "create"
    UPDATE = "update"


class Outcome(_StrEnum):
    """How one function's deploy or rollout ended."""

    OK = "ok"
    FAILED = "failed"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"


class PhaseStatus(_StrEnum):
    """The state of one rollout phase."""

    PENDING = "pending"
    OK = "ok"
    FAILED = "failed"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"


def unknown(what: str, value: object) -> NoReturn:
    """Fail loudly on a value a dispatch does not handle (a bug, never FC's answer)."""
    raise ValueError(f"unknown {what}: {value!r}")
