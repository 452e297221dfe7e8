"""Endpoint resolution (stdlib only).

``--endpoint`` / ``FCCTL_ENDPOINT`` accepts:

* ``local`` — the embedded emulator, started in-process (see :mod:`fcctl.cloud.local`);
* a URL, ``http://127.0.0.1:9000`` or ``https://fcv3.cn-hangzhou.aliyuncs.com``;
* a bare ``host[:port]``, spoken to over HTTPS;
* nothing — the region's public endpoint ``fcv3.<region>.aliyuncs.com`` (FC 3.0 endpoints page;
  the SDK's own endpoint table has a stray TAB after ``ap-southeast-5``, so we build the host
  ourselves and strip whatever we are given).

The SDK wants a bare ``host[:port]`` plus ``protocol``, so URLs are split here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from fcctl import errors
from fcctl.fcfacts import public_endpoint

LOCAL = "local"
REGION_PATTERN = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")
# FC's own control-plane hosts name their region: fcv3.<region>.aliyuncs.com (FC 3.0 endpoints;
# SDK alibabacloud-fc20230330 client._endpoint_map), fcv3-vpc.<region>.aliyuncs.com, and the
# account endpoint <account id>.<region>.fc.aliyuncs.com (with -internal for the VPC one).
_FC_HOST = re.compile(
    r"^(?:fcv3(?:-vpc)?\.(?P<r1>[a-z0-9-]+)\.aliyuncs\.com"
    r"|\d+\.(?P<r2>[a-z0-9-]+?)(?:-internal)?\.fc\.aliyuncs\.com)$")


def host_region(host: str) -> str | None:
    """The region an FC endpoint host names (``fcv3.cn-shanghai.aliyuncs.com`` → cn-shanghai), or
    None for a host that is not FC's (a proxy, an emulator)."""
    m = _FC_HOST.match(host.strip().lower().split(":", 1)[0])
    return (m.group("r1") or m.group("r2")) if m else None


def check_region(ep: "Endpoint", region: str | None) -> None:
    """A usage error when ``ep`` is FC's endpoint of another region than ``region``: FC would
    create the function in the endpoint's region, not the one the spec names."""
    if ep.local or not region:
        return
    named = host_region(ep.host)
    if named is not None and named != region.strip():
        raise errors.UsageError(
            f"endpoint {ep.host} is FC's endpoint of region {named}, but the function's region "
            f"is {region.strip()}; FC would create it in {named}",
            hint=f"drop --endpoint (fcctl uses {public_endpoint(region)}), or set `region: "
                 f"{named}` in the spec")


@dataclass(frozen=True)
class Endpoint:
    """Where API calls go. ``host`` is ``host[:port]``; ``protocol`` is ``http`` or ``https``;
    ``local`` is True for the embedded emulator (``host`` is then filled in once it runs)."""

    host: str
    protocol: str = "https"
    local: bool = False

    @property
    def url(self) -> str:
        return f"{self.protocol}://{self.host}"


def resolve_endpoint(raw: str | None, region: str | None) -> Endpoint:
    """Turn the ``--endpoint`` value into an :class:`Endpoint`.

    Raises :class:`fcctl.errors.UsageError` for a URL with a path/query, an unknown scheme, no
    endpoint and no region, or FC's endpoint of a region other than ``region``.
    """
    if raw is not None and not raw.strip():
        # never turn a blank setting into the public cloud
        raise errors.UsageError(
            "the endpoint is blank (--endpoint or FCCTL_ENDPOINT)",
            hint="unset it to use the region's public endpoint, or give local / a URL / a host",
        )
    value = (raw or "").strip()
    if value.lower().startswith(LOCAL + ":"):
        raise errors.UsageError(
            f"endpoint {value!r}: 'local' takes no port (it picks a free one); for an emulator "
            "you started yourself use http://127.0.0.1:PORT")
    if not value:
        if region is not None and not REGION_PATTERN.match(region.strip()):
            # the region becomes part of a host name: never let it redirect signed requests
            raise errors.UsageError(
                f"region {region!r} is not a region id (like cn-hangzhou)",
                hint="set `region:` in the spec or --region to an FC region id",
            )
        if not region:
            raise errors.UsageError(
                "no endpoint and no region: set `region:` in the spec, or pass --endpoint",
            )
        return Endpoint(host=public_endpoint(region), protocol="https")
    if value.lower() == LOCAL:
        return Endpoint(host="", protocol="http", local=True)
    if "://" in value:
        try:
            parts = urlsplit(value)
            port = parts.port  # raises ValueError for a port out of range
        except ValueError as exc:
            raise errors.UsageError(f"endpoint {value!r} is not a valid URL: {exc}") from None
        if parts.scheme not in ("http", "https"):
            raise errors.UsageError(
                f"endpoint {value!r}: scheme must be http or https, not {parts.scheme!r}"
            )
        if not parts.hostname:
            raise errors.UsageError(f"endpoint {value!r} has no host")
        if parts.username is not None or parts.password is not None:
            raise errors.UsageError(
                f"endpoint {parts.scheme}://…@{parts.hostname}: credentials do not belong in the "
                "endpoint; FC requests are signed with the access key (see README, credentials)"
            )
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise errors.UsageError(
                f"endpoint {value!r}: give only scheme://host[:port]; FC's API paths are added by the SDK"
            )
        if port == 0:
            raise errors.UsageError(f"endpoint {value!r}: port 0 is not a port to connect to")
        ep = Endpoint(host=parts.netloc, protocol=parts.scheme)
        check_region(ep, region)
        return ep
    if "/" in value or "@" in value:
        raise errors.UsageError(f"endpoint {value!r}: give a host[:port] or a URL")
    try:
        if urlsplit("//" + value).port == 0:
            raise ValueError("port 0 is not a port to connect to")
    except ValueError as exc:
        raise errors.UsageError(f"endpoint {value!r} is not a valid host[:port]: {exc}") from None
    ep = Endpoint(host=value, protocol="https")
    check_region(ep, region)
    return ep
