"""SDK exceptions → :class:`fcctl.errors.ApiError`, with what to do next (FC 3.0 error codes;
docs/fc-facts.md).

Every message keeps FC's error code and request id. Nothing here prints or keeps credentials:
SDK exception text can embed the request, so we build messages from code/message fields only.
"""

from __future__ import annotations

from typing import Any

from fcctl import errors

HINTS = {
    "SignatureNotMatch": "the request signature did not match: check the access key secret for "
    "this access key id, and that this machine's clock is right (signatures carry the time)",
    "InvalidAccessKeyID": "the access key id is unknown to this endpoint: check "
    "ALIBABA_CLOUD_ACCESS_KEY_ID / --profile, and that the key is enabled",
    # the POP gateway's spellings for FC 3.0 (V3 signature): same causes
    "SignatureDoesNotMatch": "the request signature did not match: check the access key secret "
    "for this access key id, and that this machine's clock is right (signatures carry the time)",
    "InvalidAccessKeyId": "the access key id is unknown to this endpoint: check "
    "ALIBABA_CLOUD_ACCESS_KEY_ID / --profile, and that the key is enabled",
    "InvalidTimeStamp": "the request time is too far from the server's: fix this machine's clock "
    "(NTP); FC rejects requests more than 15 minutes off",
    "RequestTimeTooSkewed": "the request time is too far from the server's: fix this machine's clock",
    "AccessDenied": "the identity lacks a RAM permission for this action: grant the fc:<Action> "
    "named above (e.g. AliyunFCFullAccess or a custom policy) to the user or role",
    "FunctionNotFound": "the function does not exist in this region/account; check the name, "
    "region and endpoint",
    "FunctionAlreadyExists": "a function with this name exists; run `fcctl plan` to adopt it",
    "ConcurrentUpdateError": "another update of this function is still InProgress; fcctl waits "
    "and retries, so rerunning will converge",
    "PreconditionFailed": "FC refused the change because the function changed meanwhile (or an "
    "update is still InProgress); rerun once `fcctl plan` shows it settled",
    "FunctionNotEmpty": "FC deletes a function only after its triggers: delete the triggers "
    "first",
    "ProvisionConfigExist": "FC deletes a function only after its provision configs: delete "
    "them (DeleteProvisionConfig per qualifier) first",
    "Throttling": "throttled by the API gateway; lower --concurrency or retry later",
    "Rejected": "throttled by the API gateway; lower --concurrency or retry later",
    "ServiceUnavailable": "FC is temporarily unavailable; retry later (fcctl already retried)",
    "InvalidArgument": "FC rejected a field value; run `fcctl validate` and compare with FC's limits",
    "ResourceExhausted": "throttled by FC; lower --concurrency or retry later",
    "ResourceThrottled": "FC is throttling this account; retry later",
    "LimitExceededError": "an account quota was reached; raise it in the FC console or remove "
    "unused resources",
    "EntityTooLarge": "the request is too large (a code zip over FC's inline limit): upload the "
    "code to OSS and use code: {ossBucketName, ossObjectName}",
}


def classify(exc: BaseException) -> tuple[bool, float | None]:
    """``(retryable, retry_after_seconds)`` for an SDK or connection exception."""
    from fcctl.cloud.retry import is_retryable

    status, code, _rid, _msg, retry_after, conn = _fields(exc)
    return is_retryable(status, code, conn), retry_after


def status_and_code(exc: BaseException) -> tuple[int | None, str | None]:
    """FC's HTTP status and error code of an SDK exception (``(None, None)`` for a connection
    error): what a :class:`fcctl.cloud.api.RetryNotice` carries."""
    status, code, _rid, _msg, _after, _conn = _fields(exc)
    return status, code


def is_sdk_error(exc: BaseException) -> bool:
    """True for what the SDK or the transport raises about a call — FC's error answers
    (``TeaException`` and its subclasses, ``AlibabaCloudException``), the SDK's own validation
    and retry wrappers, credential resolution failures, and connection/timeout errors
    (``requests``/``urllib3``, ``OSError``). False for anything else: a ``TypeError`` or
    ``KeyError`` raised inside a call is a bug in fcctl and must not read as "the API failed"."""
    from alibabacloud_credentials.exceptions import CredentialException
    from darabonba import exceptions as dara
    from Tea import exceptions as tea

    sdk = (tea.TeaException, tea.ValidateException, tea.RetryError, dara.ValidateException,
           dara.RetryError, CredentialException, OSError)
    if isinstance(exc, sdk):
        return True
    import requests
    import urllib3.exceptions

    return isinstance(exc, (requests.RequestException, urllib3.exceptions.HTTPError))


def to_api_error(exc: BaseException, action: str, endpoint: str) -> errors.ApiError:
    """Wrap an SDK/connection exception raised by ``action`` against ``endpoint``."""
    status, code, request_id, message, _after, conn = _fields(exc)
    if conn:
        return errors.ApiError(
            f"cannot reach the FC endpoint {endpoint}: {message}",
            code="ConnectionError",
            action=action,
            hint="check the endpoint and the network; for the emulator, is `fcctl emulator serve` "
            "running, or use --endpoint local",
        )
    hint = hint_for(code)
    if hint is None and status is not None and status >= 500:
        hint = "FC had a server-side fault; retry later (fcctl already retried with backoff)"
    return errors.ApiError(
        message or "no message",
        code=code,
        request_id=request_id,
        status=status,
        action=action,
        hint=hint,
    )


_HINTS_FOLDED = {k.lower(): v for k, v in HINTS.items()}


def hint_for(code: str | None) -> str | None:
    """The hint for an error code, matched without regard to letter case (FC says
    ``InvalidAccessKeyID``, the gateway ``InvalidAccessKeyId.NotFound``); a code with a detail
    suffix (``InvalidTimeStamp.Expired``) falls back to its base."""
    folded = (code or "").lower()
    if not folded:
        return None
    return _HINTS_FOLDED.get(folded) or _HINTS_FOLDED.get(folded.split(".", 1)[0])


def _fields(exc: BaseException) -> tuple[int | None, Any, Any, str, float | None, bool]:
    """(status, code, request_id, message, retry_after_s, is_connection_error)."""
    from alibabacloud_tea_openapi.exceptions import AlibabaCloudException

    if isinstance(exc, AlibabaCloudException):
        status = getattr(exc, "status_code", None)
        code = getattr(exc, "code", None)
        data = getattr(exc, "data", None) or {}
        request_id = getattr(exc, "request_id", None) or (
            data.get("RequestId") if isinstance(data, dict) else None
        )
        message = getattr(exc, "message", None) or ""
        # The SDK prefixes "code: 403, <Message> request id: ..."; keep FC's Message only.
        if isinstance(data, dict) and data.get("Message"):
            message = data["Message"]
        retry_after = getattr(exc, "retry_after", None)
        try:
            status = int(status) if status is not None else None
        except (TypeError, ValueError):
            status = None
        if retry_after is not None:
            # x-acs-retry-after is in milliseconds (alibabacloud_tea_openapi's
            # Utils.get_throttling_time_left and darabonba's backoff both treat it so).
            try:
                retry_after = float(retry_after) / 1000.0
            except (TypeError, ValueError):
                retry_after = None
        return status, code, request_id, message, retry_after, False
    # darabonba/Tea wrap transport failures (connection refused/reset, timeouts)
    inner = getattr(exc, "inner_exception", None)
    if type(exc).__name__ in ("UnretryableException", "RetryError") or inner is not None:
        msg = str(inner if inner is not None else exc)
        return None, None, None, _transport_reason(msg), None, True
    import requests

    if isinstance(exc, (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError)):
        return None, None, None, _short(str(exc)), None, True
    return None, None, None, _short(str(exc)), None, False


def _transport_reason(text: str) -> str:
    """The useful part of a requests/urllib3 error ("[Errno 111] Connection refused")."""
    import re

    m = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if m:
        return m.group(1).strip().lower()
    for needle in ("timed out", "Connection reset", "Connection aborted", "RemoteDisconnected",
                   "Name or service not known", "Failed to resolve", "NameResolutionError",
                   "Temporary failure in name resolution", "SSLError", "certificate verify failed"):
        if needle.lower() in text.lower():
            return needle.lower()
    return _short(text)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:300] + "…"
