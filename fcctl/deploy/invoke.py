"""``fcctl invoke``'s work: read the payload (bounded, regular files only), call InvokeFunction with
the log tail asked for, and describe the answer — including a function error FC answers as HTTP 200
(``X-Fc-Error-Type``, or an ``errorMessage`` body), which is a failure, never a success."""

from __future__ import annotations

import base64
import json
import os
import stat
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from fcctl import errors, fcfacts

if TYPE_CHECKING:  # pragma: no cover
    from fcctl.cloud.api import FcApi


def payload_limit(invocation_type: str) -> int:
    """FC's request payload limit for a sync or async invocation (fcfacts, FC quotas)."""
    return (fcfacts.ASYNC_INVOKE_PAYLOAD_MAX_BYTES if invocation_type == "Async"
            else fcfacts.SYNC_INVOKE_PAYLOAD_MAX_BYTES)


def _too_big(size: int, limit: int, what: str, invocation_type: str) -> errors.UsageError:
    return errors.UsageError(
        f"{what} is {size} bytes: more than FC's {invocation_type.lower()} invocation payload "
        f"limit of {limit} bytes")


def read_payload(*, text: str | None, file: str | None, stdin: BinaryIO | None,
                 invocation_type: str) -> bytes:
    """The payload bytes from ``--payload TEXT``, ``--payload-file F`` or ``-`` (``stdin``).

    A FIFO, device or directory is refused (it could block or never end), and so is anything
    larger than FC's limit — read with a bound, never whole first. Raises UsageError (exit 2)."""
    limit = payload_limit(invocation_type)
    if text is not None and file is not None:
        raise errors.UsageError("give --payload or --payload-file, not both")
    if text is not None:
        data = text.encode("utf-8")
        if len(data) > limit:
            raise _too_big(len(data), limit, "--payload", invocation_type)
        return data
    if file is None:
        return b""
    if file == "-":
        if stdin is None:
            raise errors.UsageError("--payload-file -: no standard input")
        data = stdin.read(limit + 1)
        if len(data) > limit:
            raise _too_big(len(data), limit, "standard input", invocation_type)
        return data
    try:
        st = os.stat(file)
    except OSError as exc:
        raise errors.UsageError(f"--payload-file {file}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise errors.UsageError(
            f"--payload-file {file}: not a regular file (a FIFO, device or directory is refused)",
            hint="use --payload-file - to read standard input")
    if st.st_size > limit:
        raise _too_big(st.st_size, limit, f"--payload-file {file}", invocation_type)
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since the stat
                raise errors.UsageError(f"--payload-file {file}: not a regular file")
            data = fh.read(limit + 1)
    except OSError as exc:
        raise errors.UsageError(f"--payload-file {file}: {exc.strerror}") from None
    if len(data) > limit:
        raise _too_big(len(data), limit, f"--payload-file {file}", invocation_type)
    return data


@dataclass
class Invocation:
    """One InvokeFunction answer, described: ``error_type`` is set when the function failed."""

    status: int
    request_id: str | None
    instance_id: str | None
    error_type: str | None
    error_message: str | None
    body: bytes
    log_tail: str | None
    invocation_type: str

    @property
    def failed(self) -> bool:
        return self.error_type is not None

    def body_json(self) -> dict[str, Any]:
        """The body for ``-o json``: text when UTF-8, else base64 (``bodyEncoding``)."""
        try:
            return {"body": self.body.decode("utf-8"), "bodyEncoding": "text"}
        except UnicodeDecodeError:
            return {"body": base64.b64encode(self.body).decode("ascii"),
                    "bodyEncoding": "base64"}

    def document(self, function_name: str, qualifier: str | None) -> dict[str, Any]:
        return {"function": function_name, "qualifier": qualifier or "LATEST",
                "invocationType": self.invocation_type, "status": self.status,
                "requestId": self.request_id, "instanceId": self.instance_id,
                "errorType": self.error_type, "errorMessage": self.error_message,
                **self.body_json(), "logTail": self.log_tail}


def _body_error(body: bytes) -> tuple[str | None, str | None]:
    """``(errorType, errorMessage)`` of a JSON body holding ``errorMessage``, else Nones."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, None
    if isinstance(doc, dict) and doc.get("errorMessage") is not None:
        return (str(doc.get("errorType") or fcfacts.INVOKE_BODY_ERROR_TYPE),
                str(doc["errorMessage"]))
    return None, None


def invoke(client: "FcApi", name: str, payload: bytes, *, qualifier: str | None = None,
           asynchronous: bool = False) -> Invocation:
    """InvokeFunction with ``x-fc-log-type: Tail``. The read timeout is sized from the
    function's timeout by the client (GetFunction first, which also answers FunctionNotFound)."""
    invocation_type = "Async" if asynchronous else "Sync"
    res = client.invoke_function(name, payload, qualifier=qualifier,
                                 invocation_type=invocation_type, log_tail=not asynchronous)
    error_type = res.error_type
    body_type, message = _body_error(res.body)
    if error_type is None and body_type is not None:
        error_type = body_type
    if error_type is not None and message is None:
        message = res.error_message()
    return Invocation(status=res.status, request_id=res.request_id,
                      instance_id=res.instance_id, error_type=error_type,
                      error_message=message, body=res.body, log_tail=res.log_tail,
                      invocation_type=invocation_type)
