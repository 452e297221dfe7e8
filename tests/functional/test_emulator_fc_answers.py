"""The emulator answers as FC does (issue 9 item 6), through the official SDK over HTTP:
DeleteFunction's order, provisioning on LATEST/aliases only, defaultTarget, an empty
GetProvisionConfig, ListFunctions filters, InvokeFunction's response headers."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest

from fcctl.emulator.server import EmulatorServer

AK, SECRET = "AKID-answers", "answers-secret"


def sdk():
    from alibabacloud_fc20230330 import models
    from alibabacloud_tea_openapi import exceptions

    return models, exceptions


@pytest.fixture
def srv(tmp_path):
    with EmulatorServer(tmp_path / "state.db", {AK: SECRET}, log=None) as server:
        yield server


@pytest.fixture
def fcc(srv):
    from alibabacloud_fc20230330.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    return Client(Config(access_key_id=AK, access_key_secret=SECRET,
                         endpoint=f"127.0.0.1:{srv.port}", protocol="http"))


def zip_b64() -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "x = 1\n")
    return base64.b64encode(buf.getvalue()).decode()


def create(fcc, name="fn", **kw):
    m, _ = sdk()
    body = m.CreateFunctionInput(function_name=name, runtime=kw.pop("runtime", "python3.10"),
                                 handler="index.handler", **kw)
    if body.runtime != "custom-container":
        body.code = m.InputCodeLocation(zip_file=zip_b64())
    return fcc.create_function(m.CreateFunctionRequest(body=body)).body


def test_delete_function_refused_while_provisioned(fcc):
    m, exc_mod = sdk()
    create(fcc)
    fcc.put_provision_config("fn", m.PutProvisionConfigRequest(
        qualifier="LATEST", body=m.PutProvisionConfigInput(default_target=1)))
    with pytest.raises(exc_mod.ClientException) as exc:
        fcc.delete_function("fn")
    assert (exc.value.status_code, exc.value.code) == (409, "ProvisionConfigExist")
    assert fcc.get_function("fn", m.GetFunctionRequest()).body.function_name == "fn"
    fcc.delete_provision_config("fn", m.DeleteProvisionConfigRequest(qualifier="LATEST"))
    assert fcc.delete_function("fn").status_code == 204


def test_provisioning_only_on_latest_or_an_alias(fcc):
    m, exc_mod = sdk()
    create(fcc)
    fcc.publish_function_version("fn", m.PublishFunctionVersionRequest(
        body=m.PublishVersionInput()))
    with pytest.raises(exc_mod.ClientException) as exc:
        fcc.put_provision_config("fn", m.PutProvisionConfigRequest(
            qualifier="1", body=m.PutProvisionConfigInput(default_target=1)))
    assert (exc.value.status_code, exc.value.code) == (400, "InvalidArgument")
    fcc.create_alias("fn", m.CreateAliasRequest(body=m.CreateAliasInput(
        alias_name="prod", version_id="1")))
    out = fcc.put_provision_config("fn", m.PutProvisionConfigRequest(
        qualifier="prod", body=m.PutProvisionConfigInput(default_target=2))).body
    assert (out.default_target, out.target, out.current) == (2, 2, 2)
    # the SDK's example: acs:fc:cn-shanghai:124:functions/myFunction/prod
    assert out.function_arn.endswith(":functions/fn/prod")


def test_get_provision_config_without_one_is_200_and_empty(fcc):
    m, _ = sdk()
    create(fcc)
    resp = fcc.get_provision_config("fn", m.GetProvisionConfigRequest(qualifier="LATEST"))
    assert resp.status_code == 200
    assert not resp.body.function_arn and resp.body.target is None


def test_list_functions_honours_its_filters(fcc):
    m, _ = sdk()
    create(fcc, "api-a", description="public api", tags=[m.Tag(key="team", value="x")])
    create(fcc, "api-b", runtime="custom.debian10", tags=[m.Tag(key="team", value="y")])
    create(fcc, "job-c", description="batch job")

    def names(**kw):
        body = fcc.list_functions(m.ListFunctionsRequest(**kw)).body
        return [f.function_name for f in body.functions or []]

    assert names(runtime="python3.10") == ["api-a", "job-c"]
    assert names(description="api") == ["api-a"]
    assert names(function_name="job") == ["job-c"]
    assert names(tags=[m.Tag(key="team", value="y")]) == ["api-b"]
    assert names(tags=[m.Tag(key="team")]) == ["api-a", "api-b"]
    assert names(fc_version="v3") == ["api-a", "api-b", "job-c"]
    assert names(fc_version="v2") == []
    assert names(gpu_type="fc.gpu.tesla.1") == []
    assert names(prefix="api", runtime="custom.debian10") == ["api-b"]
    # a filter with pagination: pages hold matching functions only
    page = fcc.list_functions(m.ListFunctionsRequest(runtime="python3.10", limit=1)).body
    assert [f.function_name for f in page.functions] == ["api-a"] and page.next_token
    rest = fcc.list_functions(m.ListFunctionsRequest(runtime="python3.10", limit=1,
                                                     next_token=page.next_token)).body
    assert [f.function_name for f in rest.functions] == ["job-c"]


def test_invoke_sends_code_checksum_and_service_version_headers(fcc):
    m, _ = sdk()
    fn = create(fcc)
    resp = fcc.invoke_function("fn", m.InvokeFunctionRequest(body=io.BytesIO(b"")))
    headers = {k.lower(): v for k, v in resp.headers.items()}
    assert headers["x-fc-code-checksum"] == fn.code_checksum
    assert headers["x-fc-invocation-service-version"] == "LATEST"
    fcc.publish_function_version("fn", m.PublishFunctionVersionRequest(
        body=m.PublishVersionInput()))
    resp = fcc.invoke_function("fn", m.InvokeFunctionRequest(qualifier="1",
                                                             body=io.BytesIO(b"")))
    headers = {k.lower(): v for k, v in resp.headers.items()}
    assert headers["x-fc-invocation-service-version"] == "1"
    assert json.loads(resp.body.read())["versionId"] == "1"


def test_list_instances_by_qualifier(fcc):
    m, _ = sdk()
    create(fcc)
    fcc.publish_function_version("fn", m.PublishFunctionVersionRequest(
        body=m.PublishVersionInput()))
    fcc.create_alias("fn", m.CreateAliasRequest(body=m.CreateAliasInput(
        alias_name="prod", version_id="1")))
    on_latest = json.loads(fcc.invoke_function("fn", m.InvokeFunctionRequest(
        body=io.BytesIO(b""))).body.read())["instanceId"]
    on_prod = json.loads(fcc.invoke_function("fn", m.InvokeFunctionRequest(
        qualifier="prod", body=io.BytesIO(b""))).body.read())["instanceId"]

    def listed(q):
        out = fcc.list_instances("fn", m.ListInstancesRequest(qualifier=q, limit="100"))
        return [(i.instance_id, i.version_id, i.qualifier) for i in out.body.instances or []]

    # FC's ListInstances example: LATEST instances are versionId "0" with qualifier ""
    assert listed("LATEST") == [(on_latest, "0", "")]
    assert listed("prod") == [(on_prod, "1", "prod")]
    assert listed("1") == [(on_prod, "1", "prod")]


def test_container_update_settles_only_when_image_acceleration_is_ready(tmp_path):
    # customContainerConfig.accelerationInfo.status: Preparing | Ready (FC SDK AccelerationInfo);
    # fcctl's waiter treats Preparing as not settled (policy)
    from alibabacloud_fc20230330.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    from fcctl.deploy.waiters import update_settled
    from tests.functional.emuhelpers import FakeClock

    m, _ = sdk()
    clock = FakeClock()
    with EmulatorServer(tmp_path / "s.db", {AK: SECRET}, log=None, update_delay_s=5,
                        clock=clock) as server:
        fcc = Client(Config(access_key_id=AK, access_key_secret=SECRET,
                            endpoint=f"127.0.0.1:{server.port}", protocol="http"))
        create(fcc, "box", runtime="custom-container",
               custom_container_config=m.CustomContainerConfig(image="reg.example/app:1"),
               environment_variables={"FCCTL_EMULATOR_ACCELERATION_S": "10"})

        def got():
            return fcc.get_function("box", m.GetFunctionRequest()).body.to_map()

        first = got()
        assert first["state"] == "Pending"
        assert first["customContainerConfig"]["accelerationInfo"]["status"] == "Preparing"
        clock.advance(5)
        active = got()
        assert active["state"] == "Active" and active["lastUpdateStatus"] == "Successful"
        assert active["customContainerConfig"]["accelerationInfo"]["status"] == "Preparing"
        assert not update_settled(active, container=True)
        clock.advance(10)
        ready = got()
        assert ready["customContainerConfig"]["accelerationInfo"]["status"] == "Ready"
        assert update_settled(ready, container=True)


def test_invoke_read_timeout_follows_the_function_timeout(srv, fcc):
    # the client's own read timeout (here 300 ms, the SDK default is 60 s) must not cut a sync
    # invocation short: FcClient sizes RuntimeOptions.read_timeout from the function's timeout
    from alibabacloud_tea_openapi.utils_models import Config
    from darabonba.runtime import RuntimeOptions

    from fcctl.cloud.client import FcClient

    m, _ = sdk()
    create(fcc, timeout=20, environment_variables={"FCCTL_EMULATOR_INVOKE_MS": "1200"})

    def config():
        return Config(access_key_id=AK, access_key_secret=SECRET,
                      endpoint=f"127.0.0.1:{srv.port}", protocol="http", read_timeout=300,
                      connect_timeout=5000)

    # control: with the client's read timeout the same invocation does not come back in time
    from alibabacloud_fc20230330.client import Client

    with pytest.raises(Exception):
        Client(config()).invoke_function_with_options(
            "fn", m.InvokeFunctionRequest(body=io.BytesIO(b"")), m.InvokeFunctionHeaders(),
            RuntimeOptions())
    client = FcClient(config, endpoint_label="emulator", region="cn-hangzhou")
    result = client.invoke_function("fn", b"")
    assert result.status == 200 and json.loads(result.body)["functionName"] == "fn"
    assert FcClient.invoke_read_timeout_ms(20) == 50_000


def test_fcclient_provisions_with_default_target_and_lists_with_a_limit(srv, fcc):
    from alibabacloud_tea_openapi.utils_models import Config

    from fcctl import errors
    from fcctl.cloud.client import FcClient

    m, _ = sdk()
    create(fcc)
    client = FcClient(lambda: Config(access_key_id=AK, access_key_secret=SECRET,
                                     endpoint=f"127.0.0.1:{srv.port}", protocol="http"),
                      endpoint_label="emulator", region="cn-hangzhou")
    out = client.put_provision_config("fn", 2)
    assert out["defaultTarget"] == 2 and out["current"] == 2
    assert out["functionArn"].endswith(":functions/fn/LATEST")
    assert len(client.list_instances("fn", qualifier="LATEST", limit=1)) == 1
    assert len(client.list_instances("fn", qualifier="LATEST", limit=100)) == 2
    fcc.publish_function_version("fn", m.PublishFunctionVersionRequest(
        body=m.PublishVersionInput()))
    with pytest.raises(errors.ApiError) as exc:
        client.put_provision_config("fn", 1, qualifier="1")
    assert exc.value.code == "InvalidArgument" and exc.value.status == 400
    # FC's order: the provision config first, then the function
    with pytest.raises(errors.ApiError) as exc:
        client.delete_function("fn")
    assert exc.value.code == "ProvisionConfigExist" and "provision" in exc.value.hint


def test_fcclient_publishes_versions_and_moves_aliases_like_the_fake(srv, fcc):
    """PublishFunctionVersion, CreateAlias/GetAlias/UpdateAlias and a full PutProvisionConfig
    body through the real SDK; the in-memory fake answers the same sequence the same way."""
    from alibabacloud_tea_openapi.utils_models import Config

    from fcctl import errors
    from fcctl.cloud.client import FcClient
    from tests.fakefc import FakeFc

    create(fcc)
    client = FcClient(lambda: Config(access_key_id=AK, access_key_secret=SECRET,
                                     endpoint=f"127.0.0.1:{srv.port}", protocol="http"),
                      endpoint_label="emulator", region="cn-hangzhou")
    fake = FakeFc()
    fake.seed({"functionName": "fn", "runtime": "python3.10", "handler": "index.handler"})

    def story(api):
        seen = []
        v1 = api.publish_version("fn", "first")
        v2 = api.publish_version("fn")
        seen.append((v1["versionId"], v2["versionId"], v1["description"]))
        assert api.get_alias("fn", "prod") is None
        api.create_alias("fn", {"aliasName": "prod", "versionId": v1["versionId"]})
        moved = api.update_alias("fn", "prod", {"versionId": v1["versionId"],
                                                "additionalVersionWeight": {"2": 0.2}})
        seen.append((moved["versionId"], moved["additionalVersionWeight"]))
        got = api.get_alias("fn", "prod")
        seen.append((got["aliasName"], got["versionId"], got["additionalVersionWeight"]))
        for bad in ({"versionId": "9"}, {"additionalVersionWeight": {"1": 0.5}}):
            with pytest.raises(errors.ApiError) as exc:
                api.update_alias("fn", "prod", bad)
            seen.append((exc.value.status, exc.value.code))
        with pytest.raises(errors.ApiError) as exc:
            api.create_alias("fn", {"aliasName": "prod", "versionId": "1"})
        seen.append((exc.value.status, exc.value.code))
        out = api.put_provision_config("fn", {"defaultTarget": 1, "alwaysAllocateCPU": True},
                                       qualifier="prod")
        seen.append((out["defaultTarget"], out["alwaysAllocateCPU"],
                     out["functionArn"].endswith("fn/prod")))
        return seen

    live, modelled = story(client), story(fake)
    assert live == modelled
    assert live[0] == ("1", "2", "first")
    assert live[1] == ("1", {"2": 0.2})
    assert live[3][1] == "VersionNotFound" and live[5] == (409, "AliasAlreadyExists")
