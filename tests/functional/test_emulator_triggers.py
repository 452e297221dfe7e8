"""Triggers REST API of the emulator through the official SDK."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest

from fcctl.emulator.server import EmulatorServer

AK, SECRET = "AKID-triggers", "triggers-secret"


def sdk():
    from alibabacloud_fc20230330 import models
    from alibabacloud_fc20230330.client import Client
    from alibabacloud_tea_openapi import exceptions
    from alibabacloud_tea_openapi.utils_models import Config

    return models, exceptions, Client, Config


@pytest.fixture
def fcc(tmp_path):
    m, _, Client, Config = sdk()
    with EmulatorServer(tmp_path / "state.db", {AK: SECRET}, log=None) as srv:
        client = Client(Config(access_key_id=AK, access_key_secret=SECRET,
                               endpoint=f"127.0.0.1:{srv.port}", protocol="http"))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("index.py", "x = 1\n")
        client.create_function(m.CreateFunctionRequest(body=m.CreateFunctionInput(
            function_name="fn1", runtime="python3.10", handler="index.handler",
            code=m.InputCodeLocation(zip_file=base64.b64encode(buf.getvalue()).decode()))))
        yield client


HTTP_CONFIG = json.dumps({"authType": "anonymous", "methods": ["GET", "POST"]})
TIMER_CONFIG = json.dumps({"cronExpression": "@every 5m", "enable": True, "payload": "{}"})


def create_trigger(fcc, name, ttype="http", config=HTTP_CONFIG, **kw):
    m = sdk()[0]
    return fcc.create_trigger("fn1", m.CreateTriggerRequest(body=m.CreateTriggerInput(
        trigger_name=name, trigger_type=ttype, trigger_config=config, **kw))).body


def test_http_trigger_round_trip(fcc):
    m = sdk()[0]
    out = create_trigger(fcc, "web", description="public")
    assert out.trigger_config == HTTP_CONFIG  # a JSON string in and out
    assert out.qualifier == "LATEST" and out.status == "Ready" and out.trigger_id
    assert out.target_arn == "acs:fc:cn-hangzhou:1234567890123456:functions/fn1"
    assert out.http_trigger.url_internet.startswith("https://")
    assert out.http_trigger.url_intranet.startswith("https://")
    got = fcc.get_trigger("fn1", "web").body
    assert got.to_map() == out.to_map()
    new_config = json.dumps({"authType": "function", "methods": ["GET"]})
    upd = fcc.update_trigger("fn1", "web", m.UpdateTriggerRequest(
        body=m.UpdateTriggerInput(trigger_config=new_config))).body
    assert upd.trigger_config == new_config and upd.description == "public"


def test_timer_trigger_has_no_http_urls(fcc):
    out = create_trigger(fcc, "tick", "timer", TIMER_CONFIG)
    assert out.http_trigger is None
    assert json.loads(out.trigger_config)["cronExpression"] == "@every 5m"


def test_list_and_delete_triggers(fcc):
    m, exc_mod, *_ = sdk()
    for name in ("t3", "t1", "t2"):
        create_trigger(fcc, name, "timer", TIMER_CONFIG)
    page = fcc.list_triggers("fn1", m.ListTriggersRequest(limit=2)).body
    assert [t.trigger_name for t in page.triggers] == ["t1", "t2"]
    rest = fcc.list_triggers("fn1", m.ListTriggersRequest(limit=2,
                                                          next_token=page.next_token)).body
    assert [t.trigger_name for t in rest.triggers] == ["t3"] and not rest.next_token
    assert fcc.delete_trigger("fn1", "t2").status_code == 204
    with pytest.raises(exc_mod.ClientException) as exc:
        fcc.get_trigger("fn1", "t2")
    assert (exc.value.status_code, exc.value.code) == (404, "TriggerNotFound")


def test_trigger_errors(fcc):
    m, exc_mod, *_ = sdk()
    create_trigger(fcc, "web")
    with pytest.raises(exc_mod.ClientException) as exc:
        create_trigger(fcc, "web")
    assert (exc.value.status_code, exc.value.code) == (409, "TriggerAlreadyExists")
    with pytest.raises(exc_mod.ClientException) as exc:
        create_trigger(fcc, "bad", config="{not json")
    assert (exc.value.status_code, exc.value.code) == (400, "InvalidArgument")
    with pytest.raises(exc_mod.ClientException) as exc:
        fcc.update_trigger("fn1", "absent", m.UpdateTriggerRequest(
            body=m.UpdateTriggerInput(description="x")))
    assert exc.value.code == "TriggerNotFound"
    with pytest.raises(exc_mod.ClientException) as exc:
        fcc.list_triggers("nofn", m.ListTriggersRequest())
    assert exc.value.code == "FunctionNotFound"


def test_deleting_a_function_with_triggers_is_refused_then_in_fcs_order(fcc):
    # FC error codes: FunctionNotEmpty "function '%s' has active triggers" — triggers first
    m, exc_mod, *_ = sdk()
    create_trigger(fcc, "web")
    with pytest.raises(exc_mod.ClientException) as exc:
        fcc.delete_function("fn1")
    assert (exc.value.status_code, exc.value.code) == (409, "FunctionNotEmpty")
    assert exc.value.data["Message"] == "function 'fn1' has active triggers"
    assert [t.trigger_name for t in fcc.list_triggers("fn1", m.ListTriggersRequest())
            .body.triggers] == ["web"]  # nothing was deleted
    fcc.delete_trigger("fn1", "web")
    fcc.delete_function("fn1")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "x = 2\n")
    fcc.create_function(m.CreateFunctionRequest(body=m.CreateFunctionInput(
        function_name="fn1", runtime="python3.10", handler="index.handler",
        code=m.InputCodeLocation(zip_file=base64.b64encode(buf.getvalue()).decode()))))
    assert fcc.list_triggers("fn1", m.ListTriggersRequest()).body.triggers == []


def test_trigger_qualifier_is_kept_as_given(fcc):
    out = create_trigger(fcc, "prod-web", qualifier="prod")
    assert out.qualifier == "prod"
