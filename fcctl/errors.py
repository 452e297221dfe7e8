"""The error tree of fcctl. Each error knows its process exit code.

Commands raise these; only :func:`fcctl.cli.main.main` turns them into exit codes and messages,
so the mapping below is the one place where exit codes are decided (they are documented in the
README):

====  =================================================================
code  meaning
====  =================================================================
0     success
1     an operation failed (:class:`ApiError`, :class:`OperationFailed`)
2     usage error or invalid spec (:class:`UsageError`, :class:`SpecError`)
3     ``plan --detailed-exitcode``: changes present (not an error class)
4     a wait ran out of time (:class:`WaitTimeout`)
5     ``rollout`` left instances serving an alias untouched (without ``--latest-only``)
130   interrupted (Ctrl-C)
====  =================================================================

This module imports only the standard library: it is loaded on every start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CHANGES = 3
EXIT_TIMEOUT = 4
EXIT_PARTIAL = 5  # rollout: instances serving an alias were left running (not an error class)
EXIT_INTERRUPTED = 130


class FcctlError(Exception):
    """Base of every error fcctl reports to a person. ``exit_code`` is the process exit code."""

    exit_code: int = EXIT_FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_dict(self) -> dict:
        """JSON shape used by ``--output json``: ``{"error": {"type", "message", "hint"}}``."""
        out = {"type": type(self).__name__, "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        return out


class UsageError(FcctlError):
    """Bad command-line usage or configuration (exit 2)."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class Problem:
    """One finding about a spec file.

    ``line`` and ``column`` are 1-based; ``path`` is the key path inside the document
    (e.g. ``functions[0].instanceLifecycleConfig.initializer.timeout``); ``severity`` is
    ``"error"`` or ``"warning"``.
    """

    file: str
    line: int
    column: int
    path: str
    message: str
    severity: str = "error"

    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
            "severity": self.severity,
        }


class SpecError(FcctlError):
    """The spec is invalid (exit 2). ``problems`` holds every problem found, errors and warnings."""

    exit_code = EXIT_USAGE

    def __init__(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"the spec has {len(errors)} error(s)")
        self.problems = problems

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["problems"] = [p.to_dict() for p in self.problems]
        return out


class ApiError(FcctlError):
    """An FC API call failed (exit 1).

    ``code`` is FC's error code (e.g. ``SignatureNotMatch``), ``request_id`` FC's request id,
    ``status`` the HTTP status (``None`` for connection errors), ``action`` the API action
    (e.g. ``UpdateFunction``).
    """

    exit_code = EXIT_FAILED

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        request_id: str | None = None,
        status: int | None = None,
        action: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.code = code
        self.request_id = request_id
        self.status = status
        self.action = action

    def __str__(self) -> str:
        parts = []
        if self.action:
            parts.append(f"{self.action} failed")
        if self.code:
            parts.append(f"[{self.code}]")
        parts.append(self.message)
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        return " ".join(parts)

    def to_dict(self) -> dict:
        out = super().to_dict()
        out.update(
            {
                "code": self.code,
                "requestId": self.request_id,
                "status": self.status,
                "action": self.action,
            }
        )
        return out


class OperationFailed(FcctlError):
    """An operation completed with failures that were already reported in its result (exit 1)."""

    exit_code = EXIT_FAILED


class WaitTimeout(FcctlError):
    """A wait for FC (update status, instance drain) ran out of time (exit 4).

    ``pending`` names what was still pending (functions or instance ids).
    """

    exit_code = EXIT_TIMEOUT

    def __init__(self, message: str, *, pending: list[str] | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.pending = list(pending or [])

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["pending"] = self.pending
        return out


class ExitStatus(Exception):
    """Raised by a command whose result is already printed but whose exit code is not 0
    (e.g. ``plan --detailed-exitcode`` → 3). Nothing more is printed."""

    def __init__(self, exit_code: int) -> None:
        super().__init__(exit_code)
        self.exit_code = exit_code
