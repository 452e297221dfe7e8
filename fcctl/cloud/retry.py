"""Retry policy for FC API calls (docs/fc-facts.md "Rollout, instances, errors,
provisioning"), built on tenacity.

Retried: throttling (HTTP 429; any code starting ``Throttling`` — the API gateway's
``Throttling.User``, the SDK's ``ThrottlingException`` —, ``Rejected.Throttling``,
``ServiceUnavailable``, FC's ``ResourceExhausted`` and ``ResourceThrottled``, whatever the status),
5xx, and connection errors — with exponential backoff and full jitter, honouring
``x-acs-retry-after`` when FC sends it, bounded by ``max_attempts`` and ``max_total_s``. The
codes are ``fcfacts.RETRYABLE_CODES`` / ``RETRYABLE_CODE_PREFIXES`` (Terraform's ``NeedRetry``).
Never retried: other 4xx (400/403/404/412). The "update busy" answers
(``fcfacts.UPDATE_BUSY_CODES``: 409 ``ConcurrentUpdateError``, 412 ``PreconditionFailed``) are not
retried here: :func:`fcctl.deploy.waiters.update_when_free` waits for the running update to
finish and then sends again.

Retrying a write is safe here because FC (and the emulator) reject a faulty call before it
changes anything; for the one ambiguous case — a connection dropped after a create was
accepted — the executor treats ``FunctionAlreadyExists`` on a retried create as success.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from fcctl import fcfacts

T = TypeVar("T")

RETRYABLE_CODES = frozenset(fcfacts.RETRYABLE_CODES)


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` tries in all (1 = no retry), within ``max_total_s`` seconds; backoff
    starts at ``initial_s`` and doubles up to ``max_backoff_s``, with full jitter."""

    max_attempts: int = 6
    max_total_s: float = 60.0
    initial_s: float = 0.2
    max_backoff_s: float = 5.0


DEFAULT_POLICY = RetryPolicy()


def is_retryable(status: int | None, code: str | None, connection_error: bool) -> bool:
    """Whether a failed call may be sent again unchanged."""
    if connection_error:
        return True
    if status is not None and (status == 429 or status >= 500):
        return True
    if not code:
        return False
    return code in RETRYABLE_CODES or code.startswith(fcfacts.RETRYABLE_CODE_PREFIXES)


def call_with_retry(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    classify: Callable[[BaseException], tuple[bool, float | None]],
    on_retry: Callable[[int, BaseException, float], None] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> T:
    """Call ``fn()``; on an exception ``exc`` for which ``classify(exc)`` returns
    ``(retryable, retry_after_s)``, retry per ``policy``. Re-raises the last exception."""
    import tenacity

    def _should_retry(state: "tenacity.RetryCallState") -> bool:
        exc = state.outcome.exception() if state.outcome else None
        return exc is not None and classify(exc)[0]

    def _wait(state: "tenacity.RetryCallState") -> float:
        jitter = tenacity.wait_random_exponential(multiplier=policy.initial_s, max=policy.max_backoff_s)
        delay = jitter(state)
        exc = state.outcome.exception() if state.outcome else None
        after = classify(exc)[1] if exc is not None else None
        if after:
            delay = max(delay, min(float(after), policy.max_backoff_s * 2))
        return delay

    def _before_sleep(state: "tenacity.RetryCallState") -> None:
        # (tenacity sleeps only after a failure _should_retry accepted: the exception is set)
        exc = state.outcome.exception() if state.outcome is not None else None
        if on_retry is not None and exc is not None:
            on_retry(state.attempt_number, exc, state.upcoming_sleep)

    kwargs: dict[str, Any] = {}
    if sleep is not None:
        kwargs["sleep"] = sleep
    retrying = tenacity.Retrying(
        retry=_should_retry,
        wait=_wait,
        stop=tenacity.stop_after_attempt(policy.max_attempts)
        | tenacity.stop_after_delay(policy.max_total_s),
        before_sleep=_before_sleep,
        reraise=True,
        **kwargs,
    )
    return retrying(fn)
