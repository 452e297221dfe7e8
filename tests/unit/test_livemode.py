"""Selection logic of the live mode (tests/livemode.py); the live runs themselves need an account."""

from __future__ import annotations

import livemode

CREDS = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "ak", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "sk"}


def test_off_without_the_flag_even_with_credentials():
    cfg = livemode.live_config({**CREDS, "FCCTL_TEST_REGION": "cn-hangzhou"})
    assert not cfg.enabled and "FCCTL_TEST_LIVE is not set" in cfg.reason
    assert livemode.live_skip_reason(cfg, True) == cfg.reason


def test_on_with_flag_credentials_and_region():
    cfg = livemode.live_config({**CREDS, "FCCTL_TEST_LIVE": "1", "FCCTL_TEST_REGION": "cn-shanghai",
                                "ALIBABA_CLOUD_SECURITY_TOKEN": "tok"}, run_id="abc")
    assert cfg.enabled and cfg.reason == ""
    assert cfg.endpoint == "https://fcv3.cn-shanghai.aliyuncs.com"
    assert cfg.prefix == "fcctl-test-abc-"
    assert cfg.credentials["ALIBABA_CLOUD_SECURITY_TOKEN"] == "tok"
    assert livemode.live_skip_reason(cfg, True) is None
    assert "sk" not in repr(cfg)  # the secret is not in the repr


def test_unique_prefix_per_run():
    env = {**CREDS, "FCCTL_TEST_LIVE": "true", "FCCTL_TEST_REGION": "cn-hangzhou"}
    assert livemode.live_config(env).prefix != livemode.live_config(env).prefix


def test_a_test_without_the_marker_never_runs_live():
    cfg = livemode.live_config({**CREDS, "FCCTL_TEST_LIVE": "1", "FCCTL_TEST_REGION": "cn-hangzhou"})
    assert "not marked live_ok" in livemode.live_skip_reason(cfg, False)


def test_missing_pieces_name_what_is_missing():
    assert "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in livemode.live_config(
        {"FCCTL_TEST_LIVE": "1", "ALIBABA_CLOUD_ACCESS_KEY_ID": "ak",
         "FCCTL_TEST_REGION": "cn-hangzhou"}).reason
    assert "FCCTL_TEST_REGION is not set" in livemode.live_config(
        {**CREDS, "FCCTL_TEST_LIVE": "1"}).reason
    assert "not a region id" in livemode.live_config(
        {**CREDS, "FCCTL_TEST_LIVE": "1", "FCCTL_TEST_REGION": "evil.com/x"}).reason

