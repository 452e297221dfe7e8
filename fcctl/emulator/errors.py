"""FC errors as the emulator answers them: each class carries FC's HTTP status and error code.

:func:`error_response` is the one place that serialises an error into FC's body
``{"Code", "Message", "RequestId"}`` with the ``x-fc-request-id`` / ``x-acs-request-id`` headers.
Statuses and codes follow FC 3.0's error-code reference (help.aliyun.com/zh/functioncompute/api-fc-2023-03-30-errorcodes; docs/fc-facts.md); the few the emulator
had to guess are marked **policy** below and listed in ``docs/emulator.md``.
"""

from __future__ import annotations

import json

from fcctl import fcfacts


class FcError(Exception):
    """An FC API error. ``status`` is the HTTP status, ``code`` FC's error code.

    ``headers`` are extra response headers (e.g. ``x-acs-retry-after`` on throttling).
    """

    status: int = 400
    code: str = "InvalidArgument"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = dict(headers or {})


# --- 400 -------------------------------------------------------------------------------------
class InvalidArgument(FcError):
    status, code = 400, "InvalidArgument"


class MissingRequiredHeader(FcError):
    # Policy (unverified): an unsigned request (no Authorization / x-acs-date /
    # x-acs-content-sha256 header) is answered 400 MissingRequiredHeader.
    status, code = 400, "MissingRequiredHeader"


class LimitExceededError(FcError):
    status, code = 400, "LimitExceededError"


class PathNotSupported(FcError):
    status, code = 400, "PathNotSupported"


class EntityTooLarge(FcError):
    # FC docs, error codes: 400 EntityTooLarge
    # "payload size exceeds maximum allowed size (%s bytes)"
    status, code = 400, "EntityTooLarge"

    def __init__(self, limit: int, **kw) -> None:
        super().__init__(f"payload size exceeds maximum allowed size ({limit} bytes)", **kw)


class SignatureNonceUsed(FcError):
    # Policy (unverified for FC): a replayed x-acs-signature-nonce within the signature's time
    # window. Code, status and message of Alibaba Cloud's OpenAPI gateway (client error codes of
    # the POP gateway: "SignatureNonceUsed  Specified signature nonce was used already.  400").
    status, code = 400, "SignatureNonceUsed"


# --- 403 -------------------------------------------------------------------------------------
class AccessDenied(FcError):
    status, code = 403, "AccessDenied"


class SignatureNotMatch(FcError):
    status, code = 403, "SignatureNotMatch"


class InvalidAccessKeyID(FcError):
    status, code = 403, "InvalidAccessKeyID"


class InvalidTimeStamp(FcError):
    # Policy (unverified): x-acs-date more than 15 minutes off. The code is the one Alibaba
    # Cloud's API gateway uses ("InvalidTimeStamp.Expired"); the status 403 is a guess.
    status, code = 403, "InvalidTimeStamp.Expired"


# --- 404 -------------------------------------------------------------------------------------
class FunctionNotFound(FcError):
    status, code = 404, "FunctionNotFound"


class TriggerNotFound(FcError):
    status, code = 404, "TriggerNotFound"


class VersionNotFound(FcError):
    status, code = 404, "VersionNotFound"


class AliasNotFound(FcError):
    status, code = 404, "AliasNotFound"


class ProvisionConfigNotFound(FcError):
    # Policy (unverified): GetProvisionConfig for a function without one.
    status, code = 404, "ProvisionConfigNotFound"


class NotFound(FcError):
    # control endpoints only (e.g. a stale code download link)
    status, code = 404, "NotFound"


# --- 409 / 412 -------------------------------------------------------------------------------
class FunctionAlreadyExists(FcError):
    status, code = 409, "FunctionAlreadyExists"


class AliasAlreadyExists(FcError):
    status, code = 409, "AliasAlreadyExists"


class TriggerAlreadyExists(FcError):
    status, code = 409, "TriggerAlreadyExists"


class ConcurrentUpdateError(FcError):
    # policy, unverified: one place, fcfacts
    status, code = fcfacts.CONCURRENT_UPDATE_STATUS, fcfacts.CONCURRENT_UPDATE_CODE


class FunctionNotEmpty(FcError):
    # DeleteFunction while triggers exist (FC 3.0 error codes); status is fcfacts policy
    status, code = fcfacts.FUNCTION_NOT_EMPTY_STATUS, fcfacts.FUNCTION_NOT_EMPTY_CODE


class ProvisionConfigExist(FcError):
    # DeleteFunction while a provision config exists (Serverless Devs fc3); status: policy
    status, code = fcfacts.PROVISION_CONFIG_EXIST_STATUS, fcfacts.PROVISION_CONFIG_EXIST_CODE


class FunctionInvocationDisabled(FcError):
    # Policy (unverified): InvokeFunction after DisableFunctionInvocation.
    status, code = 412, "PreconditionFailed"


# --- 408 / 429 / 5xx (fault injection, limits) -----------------------------------------------
class ResourceExhausted(FcError):
    status, code = 429, "ResourceExhausted"


class InternalServerError(FcError):
    status, code = 500, "InternalServerError"


class ResourceThrottled(FcError):
    status, code = 503, "ResourceThrottled"


class ServiceUnavailable(FcError):
    # Policy: the emulator's state file cannot be read or written (disk full, read-only, I/O
    # error, removed). The POP gateway's common 503 code; FC documents no code for this.
    status, code = 503, "ServiceUnavailable"


class RequestTimeout(FcError):
    # Policy: a request body that did not arrive within its time bound (docs/emulator.md).
    status, code = 408, "RequestTimeout"


def error_body(err: FcError, request_id: str) -> bytes:
    """FC's error body: ``{"Code", "Message", "RequestId"}`` as UTF-8 JSON."""
    return json.dumps(
        {"Code": err.code, "Message": err.message, "RequestId": request_id}
    ).encode("utf-8")


def error_response(err: FcError, request_id: str) -> tuple[int, dict[str, str], bytes]:
    """``(status, headers, body)`` for an error; the one place errors are serialised."""
    headers = {
        "Content-Type": "application/json",
        "x-fc-request-id": request_id,
        "x-acs-request-id": request_id,
    }
    headers.update(err.headers)
    return err.status, headers, error_body(err, request_id)
