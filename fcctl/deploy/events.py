"""Deploy progress as a stream of events.

The executor reports what it does as event objects, never as text; the UI
(:class:`fcctl.ui.render.DeployProgress`) turns each into a progress line and counts the
functions that finished for the spinner. A function's stream ends with exactly one
:class:`Settled` or :class:`Failed` (``finishes`` is true for those two).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Union

from fcctl.deploy.kinds import Action, Outcome, ProvisionOp, TriggerOp, _StrEnum

if TYPE_CHECKING:  # pragma: no cover
    from fcctl.cloud.api import RetryNotice


class WaitFor(_StrEnum):
    """What deploy waits for."""

    LAST_UPDATE_STATUS = "lastUpdateStatus"  # our write is InProgress: poll GetFunction
    RUNNING_UPDATE = "running update"  # UpdateFunction answered busy: wait, then send again
    EARLIER_UPDATE = "earlier update"  # nothing to write, but FC is still applying the last one


@dataclass(frozen=True)
class FunctionWriting:
    """Create/UpdateFunction is being sent: ``fields`` (sorted body keys, ``code`` apart) and
    whether the code package goes with it."""

    function: str
    action: Action
    fields: tuple[str, ...] = ()
    code: bool = False
    finishes = False


@dataclass(frozen=True)
class TagsWriting:
    """TagResources (``remove`` false) or UntagResources (true) of ``keys``."""

    function: str
    keys: tuple[str, ...]
    remove: bool = False
    finishes = False


@dataclass(frozen=True)
class TriggerWriting:
    """Create/Update/DeleteTrigger of ``trigger`` (a replace is a DELETE then a CREATE)."""

    function: str
    trigger: str
    op: TriggerOp
    finishes = False


@dataclass(frozen=True)
class AliasWriting:
    """UpdateAlias of ``alias`` with its description only (never versionId or weights)."""

    function: str
    alias: str
    finishes = False


@dataclass(frozen=True)
class ProvisionWriting:
    """PutProvisionConfig of ``qualifier`` (LATEST or an alias)."""

    function: str
    qualifier: str
    op: ProvisionOp
    target: int | None = None
    finishes = False


@dataclass(frozen=True)
class Waiting:
    """Deploy waits for FC: ``for_`` says what for; ``detail`` FC's pending state if known."""

    function: str
    for_: WaitFor
    detail: str | None = None
    finishes = False


@dataclass(frozen=True)
class Settled:
    """The function is done and ok. ``waited``: deploy applied or waited for something (false
    for an unchanged function it did not touch; ``pending`` then names what FC was still
    applying, not waited for under ``--no-wait``)."""

    function: str
    action: Action
    waited: bool = True
    pending: str | None = None
    finishes = True


@dataclass(frozen=True)
class Failed:
    """The function ended not ok: ``outcome`` FAILED (FC's error or lastUpdateStatus Failed) or
    TIMEOUT (still pending at the deadline), with the message."""

    function: str
    outcome: Outcome
    message: str
    finishes = True


@dataclass(frozen=True)
class RetryScheduled:
    """The client retries a call after a throttling/5xx/connection answer."""

    notice: "RetryNotice"
    finishes = False

    @property
    def function(self) -> str | None:
        return self.notice.function


Event = Union[FunctionWriting, TagsWriting, TriggerWriting, AliasWriting, ProvisionWriting,
              Waiting, Settled, Failed, RetryScheduled]
OnEvent = Callable[[Event], None]
