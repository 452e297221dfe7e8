"""fcctl's seam to FC. Only this package imports ``alibabacloud_*``.

``connect(endpoint, profile, region)`` returns an :class:`fcctl.cloud.client.FcClient`, the
SDK-backed implementation of :class:`fcctl.cloud.api.FcApi` (the protocol the deploy code uses).
Importing this package is cheap: the SDK loads inside :func:`connect`. Retries are reported as
:class:`fcctl.cloud.api.RetryNotice` values to ``on_retry``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from fcctl.cloud.api import OnRetry
    from fcctl.cloud.client import FcClient
    from fcctl.cloud.retry import RetryPolicy

# Timeouts for the SDK's HTTP calls, in milliseconds (SDK Config units).
CONNECT_TIMEOUT_MS = 5_000
READ_TIMEOUT_MS = 60_000


def connect(
    endpoint: str | None,
    profile: str | None,
    region: str | None,
    *,
    policy: "RetryPolicy | None" = None,
    on_retry: "OnRetry | None" = None,
) -> "FcClient":
    """A client for ``endpoint`` (``None``/``local``/URL/host; see :mod:`fcctl.cloud.endpoint`).

    Credentials: for ``local``, the embedded emulator's built-in pair; otherwise
    ``alibabacloud-credentials`` (``profile`` or the default chain). Raises
    :class:`fcctl.errors.UsageError` when no endpoint can be resolved or no credentials exist.
    """
    from fcctl.cloud.client import FcClient
    from fcctl.cloud.credentials import credential_client, debug_report, static_credential_client
    from fcctl.cloud.endpoint import resolve_endpoint
    from fcctl.cloud.retry import DEFAULT_POLICY

    ep = resolve_endpoint(endpoint, region)
    if ep.local:
        from fcctl.cloud.local import (
            LOCAL_ACCESS_KEY_ID,
            LOCAL_ACCESS_KEY_SECRET,
            ensure_local_emulator,
        )

        host = ensure_local_emulator()
        credential = static_credential_client(LOCAL_ACCESS_KEY_ID, LOCAL_ACCESS_KEY_SECRET)
        label = f"local emulator (http://{host})"
        protocol = "http"
    else:
        host = ep.host
        protocol = ep.protocol
        credential = credential_client(profile)
        label = ep.url
    debug_report(label, region)  # --debug: the identity's provider, endpoint and region

    def config_factory() -> Any:  # the SDK's Config (untyped)
        from alibabacloud_tea_openapi.utils_models import Config

        return Config(
            credential=credential,
            endpoint=host.strip(),
            protocol=protocol,
            region_id=region or "cn-hangzhou",
            connect_timeout=CONNECT_TIMEOUT_MS,
            read_timeout=READ_TIMEOUT_MS,
        )

    return FcClient(
        config_factory,
        endpoint_label=label,
        region=region,
        policy=policy or DEFAULT_POLICY,
        on_retry=on_retry,
    )
