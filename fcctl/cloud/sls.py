"""Simple Log Service (SLS) through the official SDK ``alibabacloud-sls20201230`` (loaded only
inside :meth:`SlsReader.get_logs`, so only ``fcctl logs`` / ``rollout --logs`` import it).

Endpoint rules, as the FC client's (:func:`fcctl.cloud.connect`): no ``--endpoint`` (or FC's
public endpoint of a region) → SLS's public endpoint ``<region>.log.aliyuncs.com`` over HTTPS;
``local`` or any other endpoint (an emulator) → the same host. The SDK puts the project in the
Host (``<project>.<endpoint>``, alibabacloud-gateway-sls ``get_host``), which does not resolve for
an IP, so for an http endpoint the SDK is given it as its HTTP proxy: the request reaches the
emulator with the project still in its Host and its signature. Credentials: the same chain as
FC's (:mod:`fcctl.cloud.credentials`; ``local`` → the embedded emulator's pair).
"""

from __future__ import annotations

from typing import Any

from fcctl import errors
from fcctl.fcfacts import SLS_PUBLIC_ENDPOINT


class SlsReader:
    def __init__(self, config_factory, runtime_factory) -> None:
        self._config_factory = config_factory
        self._runtime_factory = runtime_factory
        self._client: Any = None  # the SDK's Client, made at the first query

    def get_logs(self, project: str, logstore: str, frm: int, to: int, query: str = "*",
                 topic: str | None = None) -> list[dict]:
        from alibabacloud_sls20201230 import models
        from alibabacloud_sls20201230.client import Client

        if self._client is None:
            self._client = Client(self._config_factory())
        req = models.GetLogsRequest(from_=frm, to=to, query=query or "*", topic=topic)
        try:
            resp = self._client.get_logs_with_options(project, logstore, req,
                                                      models.GetLogsHeaders(),
                                                      self._runtime_factory())
        except Exception as exc:  # the SDK's TeaException / darabonba errors
            code = getattr(exc, "code", None) or type(exc).__name__
            msg = getattr(exc, "message", None) or str(exc)
            data = getattr(exc, "data", None) or {}
            rid = data.get("requestId") if isinstance(data, dict) else None
            status = getattr(exc, "statusCode", None) or (
                data.get("statusCode") if isinstance(data, dict) else None)
            raise errors.ApiError(
                f"Simple Log Service query of {project}/{logstore}: {msg}", code=str(code),
                request_id=rid, status=status if isinstance(status, int) else None,
                action="GetLogs",
                hint="check the credentials (the same chain as FC's) and that the project and "
                     "logstore in the function's logConfig exist") from None
        body = resp.body
        rows = (body.get("data") if isinstance(body, dict) else getattr(body, "data", None)) or []
        return [dict(r) for r in rows]


def connect_sls(endpoint: str | None, profile: str | None, region: str | None) -> SlsReader:
    from fcctl.cloud.credentials import credential_client, static_credential_client
    from fcctl.cloud.endpoint import host_region, resolve_endpoint

    ep = resolve_endpoint(endpoint, region)
    proxy = None
    if ep.local:
        from fcctl.cloud.local import (LOCAL_ACCESS_KEY_ID, LOCAL_ACCESS_KEY_SECRET,
                                       ensure_local_emulator)

        host = ensure_local_emulator()
        credential = static_credential_client(LOCAL_ACCESS_KEY_ID, LOCAL_ACCESS_KEY_SECRET)
        protocol, proxy = "http", f"http://{host}"
    elif host_region(ep.host) is not None or endpoint is None:
        host = SLS_PUBLIC_ENDPOINT.format(region=host_region(ep.host) or region)
        credential, protocol = credential_client(profile), "https"
    else:  # an emulator or proxy: the same host
        host, protocol = ep.host, ep.protocol
        credential = credential_client(profile)
        if protocol == "http":
            proxy = f"http://{host}"

    def config_factory():
        from alibabacloud_tea_openapi.utils_models import Config

        return Config(credential=credential, endpoint=host, protocol=protocol,
                      region_id=region or "cn-hangzhou", http_proxy=proxy,
                      connect_timeout=5_000, read_timeout=60_000)

    def runtime_factory():
        from darabonba.runtime import RuntimeOptions

        return RuntimeOptions()

    return SlsReader(config_factory, runtime_factory)
