from __future__ import annotations

import pytest

from fcctl import errors
from fcctl.cloud.endpoint import resolve_endpoint


@pytest.mark.parametrize(
    "raw, region, host, protocol, local",
    [
        (None, "cn-hangzhou", "fcv3.cn-hangzhou.aliyuncs.com", "https", False),
        (None, "ap-southeast-5\t", "fcv3.ap-southeast-5.aliyuncs.com", "https", False),
        ("local", None, "", "http", True),
        ("LOCAL", None, "", "http", True),
        ("http://127.0.0.1:9000", None, "127.0.0.1:9000", "http", False),
        ("https://fcv3.cn-beijing.aliyuncs.com/", None, "fcv3.cn-beijing.aliyuncs.com", "https", False),
        ("fcv3.cn-shanghai.aliyuncs.com", None, "fcv3.cn-shanghai.aliyuncs.com", "https", False),
        ("  127.0.0.1:9000 ", None, "127.0.0.1:9000", "https", False),
    ],
)
def test_resolve(raw, region, host, protocol, local):
    ep = resolve_endpoint(raw, region)
    assert (ep.host, ep.protocol, ep.local) == (host, protocol, local)


@pytest.mark.parametrize("raw", ["ftp://x", "http://h/2023-03-30", "http://", "h/path"])
def test_bad_endpoints_are_usage_errors(raw):
    with pytest.raises(errors.UsageError):
        resolve_endpoint(raw, "cn-hangzhou")


def test_no_endpoint_no_region():
    with pytest.raises(errors.UsageError, match="region"):
        resolve_endpoint(None, None)


@pytest.mark.parametrize("raw", ["http://[::1", "http://127.0.0.1:99999", "http://u:p@127.0.0.1:9",
                                 "127.0.0.1:99999", "user@host", " ", "", "\t",
                                 "http://127.0.0.1:0", "127.0.0.1:0", "local:9000"])
def test_malformed_endpoints_are_usage_errors(raw):
    with pytest.raises(errors.UsageError):
        resolve_endpoint(raw, "cn-hangzhou")


@pytest.mark.parametrize("region", ["", "  ", "CN-HANGZHOU", "evil.com#", "cn-hangzhou/x"])
def test_region_must_be_a_region_id(region):
    with pytest.raises(errors.UsageError):
        resolve_endpoint(None, region)
