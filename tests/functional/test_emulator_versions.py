"""Versions and aliases in the emulator, through the official SDK: publish, list, delete,
aliases with weights, instances of a version are not replaced by an update of LATEST."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections import Counter

import pytest

from fcctl.emulator.server import EmulatorServer

AK, SECRET = "AKID-versions", "versions-secret"


def sdk():
    from alibabacloud_fc20230330 import models
    from alibabacloud_tea_openapi import exceptions

    return models, exceptions


@pytest.fixture
def srv(tmp_path):
    with EmulatorServer(tmp_path / "state.db", {AK: SECRET}, log=None, seed=11) as server:
        yield server


@pytest.fixture
def fcc(srv):
    from alibabacloud_fc20230330.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    m, _ = sdk()
    client = Client(Config(access_key_id=AK, access_key_secret=SECRET,
                           endpoint=f"127.0.0.1:{srv.port}", protocol="http"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "x = 1\n")
    client.create_function(m.CreateFunctionRequest(body=m.CreateFunctionInput(
        function_name="fn", runtime="custom.debian10", handler="index.handler", timeout=10,
        code=m.InputCodeLocation(zip_file=base64.b64encode(buf.getvalue()).decode()),
        instance_lifecycle_config=m.InstanceLifecycleConfig(
            pre_stop=m.LifecycleHook(handler="true", timeout=3)))))
    return client


def publish(fcc, description=""):
    m, _ = sdk()
    return fcc.publish_function_version("fn", m.PublishFunctionVersionRequest(
        body=m.PublishVersionInput(description=description))).body


def update_timeout(fcc, seconds):
    m, _ = sdk()
    fcc.update_function("fn", m.UpdateFunctionRequest(
        body=m.UpdateFunctionInput(timeout=seconds)))


def invoke(fcc, qualifier=None) -> dict:
    m, _ = sdk()
    resp = fcc.invoke_function("fn", m.InvokeFunctionRequest(qualifier=qualifier,
                                                             body=io.BytesIO(b"")))
    return json.loads(resp.body.read())


def test_publish_snapshots_the_configuration(fcc):
    m, _ = sdk()
    v1 = publish(fcc, "first")
    assert (v1.version_id, v1.description) == ("1", "first") and v1.created_time
    update_timeout(fcc, 20)
    assert publish(fcc).version_id == "2"
    assert fcc.get_function("fn", m.GetFunctionRequest(qualifier="1")).body.timeout == 10
    assert fcc.get_function("fn", m.GetFunctionRequest(qualifier="2")).body.timeout == 20
    assert fcc.get_function("fn", m.GetFunctionRequest()).body.timeout == 20
    listed = fcc.list_function_versions("fn", m.ListFunctionVersionsRequest()).body
    assert [v.version_id for v in listed.versions] == ["2", "1"]  # newest first
    forward = fcc.list_function_versions("fn", m.ListFunctionVersionsRequest(
        direction="FORWARD", limit=1)).body
    assert [v.version_id for v in forward.versions] == ["1"] and forward.next_token == "2"


def test_unknown_version_and_alias(fcc):
    m, exc_mod = sdk()
    with pytest.raises(exc_mod.ClientException) as exc:
        fcc.get_function("fn", m.GetFunctionRequest(qualifier="7"))
    assert (exc.value.status_code, exc.value.code) == (404, "VersionNotFound")
    with pytest.raises(exc_mod.ClientException) as exc:
        fcc.get_function("fn", m.GetFunctionRequest(qualifier="prod"))
    assert (exc.value.status_code, exc.value.code) == (404, "AliasNotFound")


def test_alias_crud_and_errors(fcc):
    m, exc_mod = sdk()
    publish(fcc)
    publish(fcc)
    alias = fcc.create_alias("fn", m.CreateAliasRequest(body=m.CreateAliasInput(
        alias_name="prod", version_id="1", description="live"))).body
    assert (alias.alias_name, alias.version_id) == ("prod", "1")
    with pytest.raises(exc_mod.ClientException) as exc:
        fcc.create_alias("fn", m.CreateAliasRequest(body=m.CreateAliasInput(
            alias_name="prod", version_id="1")))
    assert (exc.value.status_code, exc.value.code) == (409, "AliasAlreadyExists")
    with pytest.raises(exc_mod.ClientException) as exc:
        fcc.create_alias("fn", m.CreateAliasRequest(body=m.CreateAliasInput(
            alias_name="bad", version_id="9")))
    assert exc.value.code == "VersionNotFound"
    out = fcc.update_alias("fn", "prod", m.UpdateAliasRequest(body=m.UpdateAliasInput(
        version_id="2", additional_version_weight={"1": 0.25}))).body
    assert out.version_id == "2" and out.additional_version_weight == {"1": 0.25}
    assert out.description == "live"
    names = fcc.list_aliases("fn", m.ListAliasesRequest()).body.aliases
    assert [a.alias_name for a in names] == ["prod"]
    assert fcc.delete_alias("fn", "prod").status_code == 204
    assert fcc.delete_function_version("fn", "1").status_code == 204
    with pytest.raises(exc_mod.ClientException) as exc:
        fcc.get_alias("fn", "prod")
    assert exc.value.code == "AliasNotFound"


def test_deleting_a_version_an_alias_uses_is_allowed_and_the_alias_then_fails(fcc):
    # FC docs 版本管理: deleting a version keeps the aliases that point to it; invoking through
    # such an alias then fails (policy: 404 VersionNotFound naming the alias)
    m, exc_mod = sdk()
    publish(fcc)
    fcc.create_alias("fn", m.CreateAliasRequest(body=m.CreateAliasInput(
        alias_name="prod", version_id="1")))
    assert invoke(fcc, "prod")["versionId"] == "1"
    assert fcc.delete_function_version("fn", "1").status_code == 204
    assert fcc.get_alias("fn", "prod").body.version_id == "1"  # the alias is kept
    with pytest.raises(exc_mod.ClientException) as exc:
        invoke(fcc, "prod")
    assert (exc.value.status_code, exc.value.code) == (404, "VersionNotFound")
    assert "alias 'prod'" in exc.value.data["Message"]
    assert invoke(fcc)["versionId"] == "0"  # LATEST still serves


def test_alias_weights_route_invocations(fcc):
    m, _ = sdk()
    publish(fcc)
    publish(fcc)
    fcc.create_alias("fn", m.CreateAliasRequest(body=m.CreateAliasInput(
        alias_name="canary", version_id="1", additional_version_weight={"2": 0.5})))
    seen = Counter(invoke(fcc, "canary")["versionId"] for _ in range(40))
    assert set(seen) == {"1", "2"}  # seeded RNG: both versions are drawn


def test_update_of_latest_leaves_version_instances_alone(fcc):
    m, _ = sdk()
    publish(fcc)
    on_v1 = invoke(fcc, "1")["instanceId"]
    on_latest = invoke(fcc)["instanceId"]
    assert on_v1 != on_latest
    update_timeout(fcc, 30)
    live = fcc.list_instances("fn", m.ListInstancesRequest()).body.instances
    assert [(i.instance_id, i.version_id) for i in live] == [(on_v1, "1")]
    v1_only = fcc.list_instances("fn", m.ListInstancesRequest(qualifier="1")).body.instances
    assert [i.instance_id for i in v1_only] == [on_v1]
    assert fcc.list_instances("fn", m.ListInstancesRequest(qualifier="LATEST")).body.instances \
        in (None, [])
    # deleting the version sends its instances through PreStop
    fcc.delete_function_version("fn", "1")
    assert fcc.list_instances("fn", m.ListInstancesRequest()).body.instances in (None, [])


def test_provisioned_instances_follow_an_alias(fcc):
    m, _ = sdk()
    publish(fcc)
    publish(fcc)
    fcc.create_alias("fn", m.CreateAliasRequest(body=m.CreateAliasInput(
        alias_name="prod", version_id="1")))
    fcc.put_provision_config("fn", m.PutProvisionConfigRequest(
        qualifier="prod", body=m.PutProvisionConfigInput(target=2)))
    first = fcc.list_instances("fn", m.ListInstancesRequest(qualifier="prod")).body.instances
    assert [i.version_id for i in first] == ["1", "1"]
    fcc.update_alias("fn", "prod", m.UpdateAliasRequest(body=m.UpdateAliasInput(version_id="2")))
    now = fcc.list_instances("fn", m.ListInstancesRequest(qualifier="prod")).body.instances
    assert [i.version_id for i in now] == ["2", "2"]
    assert not {i.instance_id for i in now} & {i.instance_id for i in first}
