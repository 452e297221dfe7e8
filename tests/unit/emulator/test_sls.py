"""The emulator's SLS lines, query terms and signature, and fcctl's reading of hook lines."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fcctl.emulator import sls
from fcctl.observe import logs as obs

INST = {"instanceId": "c-1", "events": [
    {"event": "created", "timeMs": 1_000_000},
    {"event": "initializer ok", "timeMs": 1_000_000},
    {"event": "pre-stop started", "timeMs": 2_000_000},
    {"event": "pre-stop failed", "timeMs": 2_003_000, "reason": "timed out after 3 s"},
    {"event": "destroyed", "timeMs": 2_003_000},
]}


def test_a_prestop_killed_at_its_timeout_has_a_start_and_no_end_and_is_called_out():
    rows = sls.records([INST], "f")
    per = obs.hooks_by_instance(rows)["c-1"]
    kinds = {h.kind: h for h in per["hooks"]}
    assert kinds["Initializer"].outcome == "ok" and kinds["Initializer"].duration_ms == 0
    assert kinds["PreStop"].outcome == "started, never ended"
    assert kinds["PreStop"].errors == ["PreStop failed: timed out after 3 s"]
    assert [e["event"] for e in per["events"]] == [
        "fc:Instance:Creating", "fc:Instance:InitializationSuccess", "fc:Instance:DestroySuccess"]


def test_instance_events_only_with_instance_metrics_on():
    rows = sls.records([INST], "f", with_events=False)
    assert rows and not [r for r in rows if r["__topic__"].startswith("FCInstanceEvents")]


def test_query_terms_are_anded_and_field_terms_match_exactly():
    rows = sls.records([INST, {**INST, "instanceId": "c-2"}], "f")
    body = {"from": 0, "to": 10**10, "topic": "FCLogs:f"}
    got = sls.get_logs(rows, {**body, "query": "instanceID: c-2 and prestop start"})
    assert [(r["instanceID"], r["message"].split(" RequestId")[0]) for r in got] == [
        ("c-2", "FC PreStop Start")]
    assert sls.get_logs(rows, {**body, "query": "instanceID: c-"}) == []
    assert len(sls.get_logs(rows, {**body, "query": "*"})) == len(
        [r for r in rows if r["__topic__"] == "FCLogs:f"])


@given(st.text(max_size=60))
def test_any_query_text_is_answered_without_error(q):
    sls.get_logs(sls.records([INST], "f"), {"from": 0, "to": 10**10, "query": q})


def _signed(secret: str, body: bytes) -> dict:
    h = {"content-md5": hashlib.md5(body).hexdigest().upper(), "content-type": "application/json",
         "date": "Fri, 04 Dec 2026 20:00:00 GMT", "x-log-apiversion": "0.6.0",
         "x-log-bodyrawsize": str(len(body)), "x-log-signaturemethod": "hmac-sha256"}
    to_sign = ("POST\n" + h["content-md5"] + "\napplication/json\n" + h["date"] + "\n"
               + "".join(f"{k}:{h[k]}\n" for k in sorted(h) if k.startswith("x-log-"))
               + "/logstores/s/logs")
    sig = base64.b64encode(hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).digest())
    h["authorization"] = "LOG ak:" + sig.decode()
    return h


def test_signature_v1_checked_and_body_bound_by_content_md5():
    body = b'{"from":1,"to":2}'
    sls.verify("POST", "/logstores/s/logs", {}, _signed("sk", body), body, {"ak": "sk"})
    with pytest.raises(sls.SlsError) as exc:
        sls.verify("POST", "/logstores/s/logs", {}, _signed("other", body), body, {"ak": "sk"})
    assert (exc.value.status, exc.value.code) == (401, "SignatureNotMatch")
    with pytest.raises(sls.SlsError) as exc:
        sls.verify("POST", "/logstores/s/logs", {}, _signed("sk", body), b'{"from":0,"to":2}',
                   {"ak": "sk"})
    assert exc.value.code == "InvalidContentMD5"


def test_log_rows_have_the_functions_secrets_masked():
    fn = {"functionName": "f", "environmentVariables": {"DB_PASSWORD": "hunter2-very-secret"}}
    rows = [{"message": "connecting with hunter2-very-secret", "instanceID": "c-1"}]
    out = obs.mask(fn, rows)
    assert "hunter2-very-secret" not in repr(out)
    assert out[0]["message"].startswith("connecting with ")


def test_since_reads_durations_and_epoch_seconds():
    assert obs.parse_since("10m", 1000.0) == 400
    assert obs.parse_since("1700000000", 0) == 1700000000
    with pytest.raises(Exception):
        obs.parse_since("yesterday", 0)


@pytest.mark.parametrize("body", [{"from": "abc", "to": 1}, {"from": float("nan"), "to": 1},
                                  {"from": float("inf"), "to": 1}, {"from": True, "to": 1},
                                  {"from": -1, "to": 1}, {"from": 1, "to": [2]}])
def test_bad_time_ranges_are_400_parameter_invalid_not_500(body):
    from fcctl.emulator import sls

    with pytest.raises(sls.SlsError) as exc:
        sls.get_logs([], body)
    assert (exc.value.status, exc.value.code) == (400, "ParameterInvalid")
    assert sls.get_logs([], {"from": "5", "to": 10}) == []
