"""`fcctl logs` against the emulator's Simple Log Service emulation, through the official FC
and SLS SDKs (alibabacloud-fc20230330, alibabacloud-sls20201230) over real HTTP."""

from __future__ import annotations

import base64
import io
import json
import time
import zipfile

import pytest

from tests.functional.conftest import AK_ID


def _m():
    from alibabacloud_fc20230330 import models

    return models


def create(sdk, name, env=None, log=True):
    m = _m()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "print('hi')\n")
    ilc = m.InstanceLifecycleConfig(
        initializer=m.LifecycleHook(handler="index.init", timeout=5),
        pre_stop=m.LifecycleHook(handler="index.stop", timeout=3))
    lc = m.LogConfig(project="proj-a", logstore="store-a", enable_instance_metrics=True) \
        if log else None
    sdk.create_function(m.CreateFunctionRequest(body=m.CreateFunctionInput(
        function_name=name, runtime="custom.debian10", handler="index.handler", timeout=30,
        code=m.InputCodeLocation(zip_file=base64.b64encode(buf.getvalue()).decode()),
        environment_variables=env or {}, instance_lifecycle_config=ilc, log_config=lc)))


def invoke(sdk, name):
    sdk.invoke_function(name, _m().InvokeFunctionRequest(body=io.BytesIO(b"x")))


def roll(sdk, name, env):
    m = _m()
    sdk.update_function(name, m.UpdateFunctionRequest(
        body=m.UpdateFunctionInput(environment_variables=env)))


def sls(emulator, secret):
    from alibabacloud_sls20201230.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    host = emulator.url.split("://", 1)[1]
    return Client(Config(access_key_id=AK_ID, access_key_secret=secret, endpoint=host,
                         protocol="http", http_proxy=emulator.url))


def test_sls_getlogs_is_signed_and_a_wrong_secret_is_rejected_with_signature_not_match(
        emulator, sdk):
    from alibabacloud_sls20201230 import models
    from tests.functional.conftest import AK_SECRET

    create(sdk, "w1")
    invoke(sdk, "w1")
    req = models.GetLogsRequest(from_=int(time.time()) - 600, to=int(time.time()) + 10,
                                query="*", topic="FCLogs:w1")
    rows = sls(emulator, AK_SECRET).get_logs("proj-a", "store-a", req).body.data
    assert any("FC Initialize Start RequestId: " in r["message"] for r in rows)
    with pytest.raises(Exception) as exc:
        sls(emulator, "wrong-secret").get_logs("proj-a", "store-a", req)
    assert getattr(exc.value, "code", None) == "SignatureNotMatch"
    assert getattr(exc.value, "statusCode", getattr(exc.value, "status_code", 401)) == 401


def test_logs_hooks_lists_initializer_and_prestop_per_instance_with_durations(fc, sdk):
    create(sdk, "w2", env={"FCCTL_EMULATOR_PRESTOP_MS": "250"})
    invoke(sdk, "w2")
    roll(sdk, "w2", {"FCCTL_EMULATOR_PRESTOP_MS": "250", "V": "2"})
    invoke(sdk, "w2")
    time.sleep(0.5)  # the old instance's PreStop (250 ms of model time) ends
    r = fc("-o", "json", "logs", "w2", "--hooks")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    insts = doc["instances"]
    assert len(insts) == 2
    old = insts[0]
    kinds = {h["hook"]: h for h in old["hooks"]}
    assert kinds["Initializer"]["outcome"] == "ok"
    assert kinds["PreStop"]["outcome"] == "ok"
    assert kinds["PreStop"]["durationMs"] == 250
    assert "fc:Instance:DestroySuccess" in [e["event"] for e in old["events"]]
    new = insts[1]
    assert [h["hook"] for h in new["hooks"]] == ["Initializer"]
    # --instance narrows to one instance
    one = json.loads(fc("-o", "json", "logs", "w2", "--instance", new["instanceId"]).out)
    assert one["lines"] and {x["instanceID"] for x in one["lines"]} == {new["instanceId"]}
    # --request-id narrows to one hook run
    rid = kinds["PreStop"]["requestId"]
    only = json.loads(fc("-o", "json", "logs", "w2", "--request-id", rid).out)["lines"]
    assert [x["message"] for x in only] == [f"FC PreStop Start RequestId: {rid}",
                                            f"FC PreStop End RequestId: {rid}"]


def test_a_prestop_that_hangs_is_called_out_as_started_and_never_ended(fc, sdk):
    create(sdk, "w3", env={"FCCTL_EMULATOR_PRESTOP_HANG": "1"})
    invoke(sdk, "w3")
    roll(sdk, "w3", {"FCCTL_EMULATOR_PRESTOP_HANG": "1", "V": "2"})
    time.sleep(3.2)  # the PreStop timeout (3 s) passes
    r = fc("logs", "w3", "--hooks")
    assert r.code == 0, r.err
    assert "started and never ended" in r.out  # stdout: `fcctl logs … | grep` works


def test_a_function_without_logconfig_gets_a_message_naming_what_to_set(fc, sdk):
    create(sdk, "w4", log=False)
    r = fc("logs", "w4")
    assert r.code == 1
    assert "logConfig.project" in r.err and "logConfig.logstore" in r.err


def test_only_logs_imports_the_sls_sdk(emulator, sdk):
    """Other commands that call FC never load the SLS SDK; `logs` does (the probe sees it)."""
    from tests.functional.conftest import AK_SECRET
    from tests.unit.cli.test_startup import run_probe

    create(sdk, "w5")
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": AK_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AK_SECRET,
           "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}
    for argv in (["invoke", "w5"], ["get", "w5"], ["list"]):
        out = run_probe(["--endpoint", emulator.url, *argv], env=env)
        assert "alibabacloud_fc20230330" in out["heavy"], argv
        assert not [m for m in out["heavy"] if m.startswith("alibabacloud_sls")], argv
    out = run_probe(["--endpoint", emulator.url, "logs", "w5"], env=env)
    assert out["code"] == 0
    assert "alibabacloud_sls20201230" in out["heavy"]


def test_rollout_logs_reports_prestop_per_drained_instance_then_logs_hooks_agrees(fc, sdk):
    create(sdk, "w6", env={"FCCTL_EMULATOR_PRESTOP_MS": "200"})
    invoke(sdk, "w6")
    r = fc("-o", "json", "rollout", "w6", "--logs", "--timeout", "60")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    drained = doc["functions"][0]["drainedInstances"]
    assert len(drained) == 1
    rep = doc["preStopLogs"][0]
    assert rep["functionName"] == "w6"
    assert [(i["instanceId"], i["known"], i["preStop"], i["durationMs"])
            for i in rep["instances"]] == [(drained[0], True, "ok", 200)]
    hooks = json.loads(fc("-o", "json", "logs", "w6", "--hooks").out)["instances"]
    old = next(i for i in hooks if i["instanceId"] == drained[0])
    assert {h["hook"]: h["durationMs"] for h in old["hooks"]}["PreStop"] == 200


def test_rollout_logs_says_plainly_it_cannot_know_without_logconfig(fc, sdk):
    create(sdk, "w7", log=False)
    invoke(sdk, "w7")
    r = fc("-o", "json", "rollout", "w7", "--logs", "--timeout", "60")
    assert r.code == 0, r.err
    inst = json.loads(r.out)["preStopLogs"][0]["instances"]
    assert len(inst) == 1 and inst[0]["known"] is False and "no logConfig" in inst[0]["reason"]
    text = fc("rollout", "w7", "--logs", "--timeout", "60")
    assert text.code == 0


def test_each_invocation_has_its_start_and_end_lines_found_by_request_id(fc, sdk):
    create(sdk, "w8")
    r = fc("-o", "json", "invoke", "w8", "--payload", "x")
    assert r.code == 0, r.err
    rid = json.loads(r.out)["requestId"]
    lines = json.loads(fc("-o", "json", "logs", "w8", "--request-id", rid).out)["lines"]
    assert [x["message"] for x in lines] == [f"FC Invoke Start RequestId: {rid}",
                                             f"FC Invoke End RequestId: {rid}"]


def test_logs_hooks_shows_how_long_the_initializer_took_on_stdout(fc, sdk):
    """The Initializer's Start line is written when the instance starts it, its End line when it
    ends: a 400 ms Initializer (emulator knob) reads as 400 ms, in text on stdout."""
    create(sdk, "w4", env={"FCCTL_EMULATOR_INITIALIZER_MS": "400"})
    invoke(sdk, "w4")
    doc = json.loads(fc("-o", "json", "logs", "w4", "--hooks").out)
    (inst,) = doc["instances"]
    init = [h for h in inst["hooks"] if h["hook"] == "Initializer"]
    assert init and init[0]["durationMs"] == 400
    text = fc("logs", "w4", "--hooks")
    assert text.code == 0 and "Initializer" in text.out and "400 ms" in text.out
