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


@pytest.mark.parametrize("raw", [
    "https://fcv3.cn-shanghai.aliyuncs.com", "fcv3.cn-shanghai.aliyuncs.com",
    "https://fcv3-vpc.cn-shanghai.aliyuncs.com", "https://123456789.cn-shanghai.fc.aliyuncs.com",
    "1234.cn-shanghai-internal.fc.aliyuncs.com", "FCV3.CN-SHANGHAI.ALIYUNCS.COM:443",
])
def test_an_fc_endpoint_of_another_region_is_a_usage_error_naming_both(raw):
    # FC creates the function in the endpoint's region, not in the spec's
    with pytest.raises(errors.UsageError) as exc:
        resolve_endpoint(raw, "cn-hangzhou")
    assert "cn-shanghai" in str(exc.value) and "cn-hangzhou" in str(exc.value)


@pytest.mark.parametrize("raw", [
    "https://fcv3.cn-hangzhou.aliyuncs.com", "fcv3-vpc.cn-hangzhou.aliyuncs.com",
    "http://127.0.0.1:9000", "https://fc-proxy.example.com", "local",
])
def test_an_endpoint_of_the_same_region_or_not_fc_is_accepted(raw):
    assert resolve_endpoint(raw, "cn-hangzhou") is not None
    assert resolve_endpoint(raw, None) is not None  # no region to compare


def test_region_mismatch_through_the_cli_is_exit_2_without_a_call(tmp_path, capsys, monkeypatch):
    from fcctl.cli.main import main

    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "ak")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "sk")
    app = tmp_path / "app"
    app.mkdir()
    (app / "index.py").write_text("def handler(e, c):\n    return 'ok'\n")
    spec = tmp_path / "fc.yaml"
    spec.write_text("region: cn-hangzhou\nfunctions:\n  - functionName: fn\n    runtime: python3.10\n"
                    "    handler: index.handler\n    code: ./app\n")
    code = main(["--endpoint", "https://fcv3.cn-shanghai.aliyuncs.com", "plan", "-f", str(spec)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "cn-shanghai" in err and "cn-hangzhou" in err
