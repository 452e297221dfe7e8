"""`fcctl invoke`, `fcctl list` and `fcctl delete` through the CLI against the emulator, with the
functions set up and checked through the official SDK."""

from __future__ import annotations

import base64
import io
import json
import os
import zipfile

import pytest


def _m():
    from alibabacloud_fc20230330 import models

    return models


def create(sdk, name, env=None, hooks=False):
    m = _m()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "print('hi')\n")
    ilc = m.InstanceLifecycleConfig(
        initializer=m.LifecycleHook(handler="index.init", timeout=5)) if hooks else None
    sdk.create_function(m.CreateFunctionRequest(body=m.CreateFunctionInput(
        function_name=name, runtime="custom.debian10", handler="index.handler", timeout=30,
        code=m.InputCodeLocation(zip_file=base64.b64encode(buf.getvalue()).decode()),
        environment_variables=env or {}, instance_lifecycle_config=ilc)))


# --- invoke ------------------------------------------------------------------------------------
def test_invoke_prints_the_body_on_stdout_and_the_request_facts_and_log_tail_on_stderr(fc, sdk):
    create(sdk, "good")
    r = fc("invoke", "good", "--payload", '{"a": 1}')
    assert r.code == 0, r.err
    body = json.loads(r.out)
    assert body["functionName"] == "good" and body["bodyLength"] == len('{"a": 1}')
    assert "status 200" in r.err and f"instanceId {body['instanceId']}" in r.err
    assert "FC Invoke Start RequestId" in r.err  # the decoded x-fc-log-result


def test_invoke_json_is_one_document_with_the_log_tail(fc, sdk, tmp_path):
    create(sdk, "good")
    f = tmp_path / "p.json"
    f.write_bytes(b"x" * 1000)
    r = fc("-o", "json", "invoke", "good", "--payload-file", str(f))
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["status"] == 200 and doc["errorType"] is None and doc["requestId"]
    assert doc["bodyEncoding"] == "text" and json.loads(doc["body"])["bodyLength"] == 1000
    assert doc["instanceId"] == json.loads(doc["body"])["instanceId"]
    assert doc["requestId"] in doc["logTail"]


def test_invoke_reads_the_payload_from_stdin_with_a_dash(fc, sdk, monkeypatch):
    import sys

    create(sdk, "good")

    class In:
        buffer = io.BytesIO(b"from stdin")

    monkeypatch.setattr(sys, "stdin", In())
    r = fc("-o", "json", "invoke", "good", "-")
    assert r.code == 0, r.err
    assert json.loads(r.json()["body"])["bodyLength"] == len(b"from stdin")
    assert fc("invoke", "good", "x").code == 2


def test_invoke_a_handled_error_exits_1_too(fc, sdk):
    create(sdk, "handled", env={"FCCTL_EMULATOR_INVOKE_ERROR": "HandledInvocationError"})
    r = fc("-o", "json", "invoke", "handled")
    assert r.code == 1 and r.json()["errorType"] == "HandledInvocationError"
    assert r.json()["errorMessage"]


def test_invoke_a_failing_initializer_exits_1_naming_initialization_error(fc, sdk):
    create(sdk, "badinit", env={"FCCTL_EMULATOR_FAIL_INITIALIZER": "1"}, hooks=True)
    r = fc("invoke", "badinit")
    assert r.code == 1
    assert "InitializationError" in r.err
    j = fc("-o", "json", "invoke", "badinit")
    assert j.code == 1 and j.json()["errorType"] == "InitializationError"


def test_invoke_a_raising_handler_exits_1_naming_unhandled_invocation_error(fc, sdk):
    create(sdk, "raises", env={"FCCTL_EMULATOR_INVOKE_ERROR": "UnhandledInvocationError"})
    r = fc("invoke", "raises")
    assert r.code == 1 and "UnhandledInvocationError" in r.err
    assert "request id" in r.err


def test_invoke_async_is_accepted_with_202(fc, sdk):
    create(sdk, "good")
    r = fc("-o", "json", "invoke", "good", "--async", "--payload", "hi")
    assert r.code == 0, r.err
    assert r.json()["status"] == 202 and r.json()["invocationType"] == "Async"


def test_invoke_of_a_missing_function_exits_1_with_fc_code_and_request_id(fc):
    r = fc("invoke", "nosuch")
    assert r.code == 1 and "FunctionNotFound" in r.err and "request" in r.err.lower()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_invoke_refuses_a_fifo_and_an_oversized_async_payload_before_any_call(fc, tmp_path,
                                                                               api_log):
    from fcctl import fcfacts

    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    api_log.clear()
    r = fc("invoke", "any", "--payload-file", str(fifo))
    assert r.code == 2 and "not a regular file" in r.err
    big = tmp_path / "big"
    big.write_bytes(b"x" * (fcfacts.ASYNC_INVOKE_PAYLOAD_MAX_BYTES + 1))
    r = fc("invoke", "any", "--async", "--payload-file", str(big))
    assert r.code == 2 and "limit" in r.err
    assert [x for x in api_log.all() if x["path"].startswith("/2023-03-30/")] == []


# --- list --------------------------------------------------------------------------------------
def test_list_follows_next_token_past_one_page_and_marks_what_the_spec_manages(fc, sdk, tmp_path,
                                                                               monkeypatch,
                                                                               api_log):
    for i in range(105):
        create(sdk, f"fn-{i:03d}")
    create(sdk, "other")
    api_log.clear()
    r = fc("-o", "json", "list", "--prefix", "fn-")
    assert r.code == 0, r.err
    names = [f["functionName"] for f in r.json()["functions"]]
    assert names == [f"fn-{i:03d}" for i in range(105)]
    assert sum(1 for x in api_log.all() if x["path"] == "/2023-03-30/functions") >= 2
    row = r.json()["functions"][0]
    assert row["runtime"] == "custom.debian10" and row["lastUpdateStatus"] == "Successful"
    assert "managed" not in row

    (tmp_path / "fc.yaml").write_text(
        "region: cn-hangzhou\nfunctions:\n  - functionName: fn-001\n    runtime: custom.debian10\n"
        "    handler: index.handler\n    code: ./code\n")
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text("print(1)\n")
    monkeypatch.chdir(tmp_path)
    r = fc("-o", "json", "list")
    assert r.code == 0, r.err
    managed = {f["functionName"]: f["managed"] for f in r.json()["functions"]}
    assert len(managed) == 106 and managed["fn-001"] is True and managed["other"] is False
    t = fc("list", "--prefix", "oth")
    assert t.code == 0 and "other" in t.out and "fn-001" not in t.out and "in spec" in t.out


# --- delete ------------------------------------------------------------------------------------
def test_delete_removes_triggers_provision_alias_and_versions_before_the_function(fc, sdk,
                                                                                  api_log):
    m = _m()
    create(sdk, "busy")
    sdk.create_trigger("busy", m.CreateTriggerRequest(body=m.CreateTriggerInput(
        trigger_name="http", trigger_type="http", qualifier="LATEST",
        trigger_config=json.dumps({"authType": "anonymous", "methods": ["GET"]}))))
    v = sdk.publish_function_version("busy", m.PublishFunctionVersionRequest(
        body=m.PublishVersionInput(description="v1"))).body.version_id
    sdk.create_alias("busy", m.CreateAliasRequest(body=m.CreateAliasInput(
        alias_name="prod", version_id=v)))
    sdk.put_provision_config("busy", m.PutProvisionConfigRequest(
        qualifier="prod", body=m.PutProvisionConfigInput(default_target=1)))
    create(sdk, "keep")

    no = fc("delete", "busy")  # stdin is not a terminal: --yes is required
    assert no.code == 2 and "--yes" in no.err
    api_log.clear()
    r = fc("-o", "json", "delete", "busy", "--yes")
    assert r.code == 0, r.err
    deletes = [x["path"].split("/functions/busy", 1)[1] for x in api_log.all()
               if x["method"] == "DELETE"]
    assert deletes == ["/triggers/http", "/provision-config", "/aliases/prod",
                       f"/versions/{v}", ""]
    doc = r.json()["deleted"][0]
    assert doc["triggers"] == ["http"] and doc["aliases"] == ["prod"]
    assert doc["provisionConfigs"] == ["prod"] and doc["versions"] == [v]
    names = [f.function_name for f in sdk.list_functions(m.ListFunctionsRequest()).body.functions]
    assert names == ["keep"]


def test_delete_of_a_missing_function_exits_1_with_function_not_found_and_deletes_nothing(
        fc, sdk, api_log):
    create(sdk, "keep")
    api_log.clear()
    r = fc("delete", "keep", "nosuch", "--yes")
    assert r.code == 1 and "FunctionNotFound" in r.err and "request id" in r.err.lower()
    assert api_log.writes() == []


# --- URLs: deploy and get ----------------------------------------------------------------------
URL_SPEC = """\
region: cn-hangzhou
functions:
  - functionName: web-api
    runtime: custom.debian10
    handler: index.handler
    code: ./app
    customRuntimeConfig: {command: [python3, app.py], port: 9000}
    triggers:
      - triggerName: web
        triggerType: http
        triggerConfig: {authType: anonymous, methods: [GET, POST]}
"""


def test_deploy_and_get_show_the_http_trigger_urls_fc_answers(fc, sdk, project):
    m = _m()
    path = project(URL_SPEC)
    r = fc("-o", "json", "deploy", "-f", str(path), "--yes")
    assert r.code == 0, r.err
    trig = sdk.get_trigger("web-api", "web").body.http_trigger
    assert trig.url_internet and trig.url_intranet
    urls = r.json()["functions"][0]["urls"]
    assert urls == [{"triggerName": "web", "urlInternet": trig.url_internet,
                     "urlIntranet": trig.url_intranet}]
    again = fc("deploy", "-f", str(path), "--yes")  # unchanged: still shown
    assert again.code == 0 and trig.url_internet in again.out and "URL" in again.out

    v = sdk.publish_function_version("web-api", m.PublishFunctionVersionRequest(
        body=m.PublishVersionInput())).body.version_id
    sdk.create_alias("web-api", m.CreateAliasRequest(body=m.CreateAliasInput(
        alias_name="prod", version_id=v)))
    doc = fc("-o", "json", "get", "web-api").json()
    assert doc["triggers"][0]["httpTrigger"]["urlInternet"] == trig.url_internet
    assert doc["triggers"][0]["httpTrigger"]["urlIntranet"] == trig.url_intranet
    assert doc["aliases"] == [{"aliasName": "prod", "versionId": v,
                               "additionalVersionWeight": {}}]
    text = fc("get", "web-api")
    assert text.code == 0
    assert trig.url_internet in text.out and trig.url_intranet in text.out
    assert "alias prod" in text.out and f"version {v}" in text.out


def test_get_shows_the_image_and_gpu_configuration_of_a_container_function(fc, sdk):
    m = _m()
    sdk.create_function(m.CreateFunctionRequest(body=m.CreateFunctionInput(
        function_name="gpu-app", runtime="custom-container", handler="index.handler",
        memory_size=32768, cpu=8, disk_size=10240,
        custom_container_config=m.CustomContainerConfig(
            image="registry.cn-hangzhou.aliyuncs.com/acme/infer:v1", port=9000),
        gpu_config=m.GPUConfig(gpu_type="fc.gpu.tesla.1", gpu_memory_size=16384))))
    live = sdk.get_function("gpu-app", m.GetFunctionRequest()).body
    text = fc("get", "gpu-app")
    assert text.code == 0, text.err
    line = next(ln for ln in text.out.splitlines() if ln.startswith("image "))
    assert line.split()[1] == live.custom_container_config.image
    assert f"{live.gpu_config.gpu_type} ({live.gpu_config.gpu_memory_size} MB)" in text.out
    doc = fc("-o", "json", "get", "gpu-app").json()
    assert doc["function"]["gpuConfig"]["gpuType"] == "fc.gpu.tesla.1"
    assert doc["function"]["customContainerConfig"]["image"].endswith("infer:v1")


def test_delete_on_a_terminal_lists_what_will_go_and_asks(emulator, sdk, api_log):
    from tests.functional.test_prompts import OnTerminal

    m = _m()
    create(sdk, "busy")
    sdk.create_trigger("busy", m.CreateTriggerRequest(body=m.CreateTriggerInput(
        trigger_name="http", trigger_type="http", qualifier="LATEST",
        trigger_config=json.dumps({"authType": "anonymous", "methods": ["GET"]}))))
    api_log.clear()
    t = OnTerminal(["delete", "busy"], emulator)
    shown = t.expect(b"Delete 1 function(s)? [y/N]: ")
    assert b"function busy with triggers http" in shown
    t.send(b"n\n")
    code, _out, err = t.finish()
    assert code == 1 and "nothing was changed" in err
    assert api_log.writes() == []

    t = OnTerminal(["delete", "busy", "-o", "json"], emulator)  # JSON cannot answer: exit 2
    code, out, _err = t.finish()
    assert code == 2 and "--yes" in json.loads(out)["error"]["message"]

    t = OnTerminal(["delete", "busy"], emulator)
    t.expect(b"[y/N]: ")
    t.send(b"y\n")
    code, _out, err = t.finish()
    assert code == 0, err
    with pytest.raises(Exception) as exc:
        sdk.get_function("busy", m.GetFunctionRequest())
    assert "FunctionNotFound" in str(exc.value)
