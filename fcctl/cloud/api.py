"""What fcctl needs from FC: the :class:`FcApi` protocol and the :class:`RetryNotice` it reports.

The deploy, rollout and inspect code is written against :class:`FcApi`, not the SDK-backed
:class:`fcctl.cloud.client.FcClient`, so unit tests can drive it with the in-memory fake
``tests/fakefc.py`` (which follows the emulator's rules) while the functional tests keep going
through the official SDK over HTTP to the emulator. Importing this module loads no SDK.

Every method takes and returns plain dicts in FC's JSON shape (camelCase, as in FC's API
reference). A failed call raises :class:`fcctl.errors.ApiError` with FC's code (e.g.
``FunctionNotFound``, ``FunctionAlreadyExists``, ``ConcurrentUpdateError``); anything else that
escapes a call is a bug in fcctl and is not disguised as an API failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from fcctl.cloud.client import InvokeResult


@dataclass(frozen=True)
class RetryNotice:
    """One retry the client is about to make: FC's ``code`` (``None`` for a connection error),
    the HTTP ``status`` (``None`` when there was no answer), the ``attempt`` that failed (1 =
    the first), the ``delay`` before the next one (seconds), the API ``action`` and the
    ``function`` it was about (when one)."""

    action: str
    attempt: int
    delay: float
    code: str | None = None
    status: int | None = None
    function: str | None = None

    @property
    def connection_error(self) -> bool:
        return self.code is None and self.status is None

    def reason(self) -> str:
        """FC's code, else "connection error", else "HTTP <status>"."""
        if self.code:
            return self.code
        return "connection error" if self.status is None else f"HTTP {self.status}"

    def subject(self) -> str:
        return f"{self.action} {self.function}" if self.function else self.action


OnRetry = Callable[[RetryNotice], None]


class FcApi(Protocol):
    """The FC operations fcctl uses (FC 3.0 API, ``2023-03-30``)."""

    endpoint_label: str
    region: str | None

    # functions
    def get_function(self, name: str, qualifier: str | None = None, *,
                     missing_ok: bool = True) -> dict | None: ...
    def create_function(self, body: dict) -> dict: ...
    def update_function(self, name: str, body: dict) -> dict: ...
    def delete_function(self, name: str) -> None: ...
    def list_functions(self, prefix: str | None = None) -> list[dict]: ...
    def get_function_code(self, name: str, qualifier: str | None = None) -> dict: ...
    def download_code(self, name: str) -> tuple[bytes, str | None]: ...

    # tags
    def tag_function(self, arn: str, tags: dict[str, str], *, name: str | None = None) -> None: ...
    def untag_function(self, arn: str, keys: list[str], *, name: str | None = None) -> None: ...

    # triggers and aliases
    def list_triggers(self, function_name: str) -> list[dict]: ...
    def create_trigger(self, function_name: str, body: dict) -> dict: ...
    def update_trigger(self, function_name: str, trigger_name: str, body: dict) -> dict: ...
    def delete_trigger(self, function_name: str, trigger_name: str) -> None: ...
    def list_aliases(self, function_name: str) -> list[dict]: ...
    def get_alias(self, function_name: str, alias_name: str) -> dict | None: ...
    def create_alias(self, function_name: str, body: dict) -> dict: ...
    def update_alias(self, function_name: str, alias_name: str, body: dict) -> dict: ...
    def delete_alias(self, function_name: str, alias_name: str) -> None: ...
    def list_versions(self, function_name: str) -> list[dict]: ...
    def publish_version(self, function_name: str, description: str | None = None) -> dict: ...
    def delete_version(self, function_name: str, version_id: str) -> None: ...
    def put_provision_config(self, function_name: str, body: dict | int,
                             qualifier: str = "LATEST") -> dict: ...
    def get_provision_config(self, function_name: str, qualifier: str = "LATEST") -> dict: ...
    def delete_provision_config(self, function_name: str, qualifier: str = "LATEST") -> None: ...

    # instances and invocation
    def list_instances(self, function_name: str, qualifier: str | None = None,
                       with_all_active: bool = True, limit: int | None = None) -> list[dict]: ...
    def invoke_function(self, function_name: str, payload: bytes = b"", *,
                        qualifier: str | None = None, invocation_type: str = "Sync",
                        function_timeout_s: float | None = None,
                        log_tail: bool = False) -> "InvokeResult": ...

    # accounting
    def write_calls(self) -> int: ...
