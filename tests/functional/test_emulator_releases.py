"""Releases as the emulator serves them, through the official SDK over HTTP: weighted routing by
seed, which version served, alias moves (on-demand instances idle-reclaimed, provisioned ones
make-before-break), deleting an alias's provision config, version-failure knobs."""

from __future__ import annotations

import base64
import io
import json
import urllib.request
import zipfile
from collections import Counter

import pytest

from fcctl.emulator.server import EmulatorServer
from tests.functional.emuhelpers import FakeClock

AK, SECRET = "AKID-releases", "releases-secret"


def m():
    from alibabacloud_fc20230330 import models

    return models


@pytest.fixture
def clock():
    return FakeClock()


def start(tmp_path, clock, seed, tag=""):
    return EmulatorServer(tmp_path / f"state-{seed}{tag}.db", {AK: SECRET}, log=None, clock=clock,
                          idle_timeout_s=600, seed=seed)


@pytest.fixture
def srv(tmp_path, clock):
    with start(tmp_path, clock, 7) as server:
        yield server


def client(srv):
    from alibabacloud_fc20230330.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    return Client(Config(access_key_id=AK, access_key_secret=SECRET,
                         endpoint=f"127.0.0.1:{srv.port}", protocol="http"))


def create(fcc, env=None, idle_timeout=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "x = 1\n")
    fcc.create_function(m().CreateFunctionRequest(body=m().CreateFunctionInput(
        function_name="fn", runtime="custom.debian10", handler="index.handler", timeout=10,
        idle_timeout=idle_timeout, environment_variables=env or {},
        code=m().InputCodeLocation(zip_file=base64.b64encode(buf.getvalue()).decode()),
        instance_lifecycle_config=m().InstanceLifecycleConfig(
            initializer=m().LifecycleHook(handler="true", timeout=3),
            pre_stop=m().LifecycleHook(handler="true", timeout=3)))))


def set_env(fcc, env):
    fcc.update_function("fn", m().UpdateFunctionRequest(
        body=m().UpdateFunctionInput(environment_variables=env)))


def publish(fcc) -> str:
    return fcc.publish_function_version("fn", m().PublishFunctionVersionRequest(
        body=m().PublishVersionInput())).body.version_id


def alias(fcc, version, weights=None, create_it=False):
    if create_it:
        return fcc.create_alias("fn", m().CreateAliasRequest(body=m().CreateAliasInput(
            alias_name="prod", version_id=version, additional_version_weight=weights)))
    return fcc.update_alias("fn", "prod", m().UpdateAliasRequest(body=m().UpdateAliasInput(
        version_id=version, additional_version_weight=weights)))


def invoke(fcc, qualifier="prod"):
    resp = fcc.invoke_function("fn", m().InvokeFunctionRequest(qualifier=qualifier,
                                                               body=io.BytesIO(b"")))
    return resp.headers, json.loads(resp.body.read())


def instances(fcc, **kw) -> list:
    return fcc.list_instances("fn", m().ListInstancesRequest(**kw)).body.instances or []


def events(srv) -> dict[str, dict]:
    with urllib.request.urlopen(f"{srv.url}/_fcctl/functions/fn/instances", timeout=10) as r:
        return {i["instanceId"]: i for i in json.loads(r.read())["instances"]}


def two_versions_on_prod(fcc, weights=None):
    create(fcc)
    publish(fcc)
    set_env(fcc, {"V": "2"})
    publish(fcc)
    alias(fcc, "1", weights, create_it=True)


def routed(srv, n=200) -> Counter:
    fcc = client(srv)
    two_versions_on_prod(fcc, {"2": 0.3})
    return Counter(invoke(fcc)[1]["versionId"] for _ in range(n))


def test_weighted_routing_is_seeded_and_follows_the_weights(tmp_path, clock):
    with start(tmp_path, clock, 7) as a:
        first = routed(a)
    with start(tmp_path, clock, 7, "-again") as b:
        again = routed(b)
    assert first == again  # the same seed draws the same versions
    assert set(first) == {"1", "2"} and sum(first.values()) == 200
    assert 30 <= first["2"] <= 90  # 30 % of 200 = 60, far from 0 and from 200


def test_the_response_says_which_version_served(srv):
    fcc = client(srv)
    two_versions_on_prod(fcc)
    headers, body = invoke(fcc)
    assert headers["x-fc-invocation-service-version"] == "1"
    assert (body["qualifier"], body["versionId"]) == ("prod", "1")
    headers, body = invoke(fcc, None)
    assert headers["x-fc-invocation-service-version"] == "LATEST" and body["versionId"] == "0"


def test_alias_move_old_on_demand_instances_are_reclaimed_when_idle(srv, clock):
    fcc = client(srv)
    two_versions_on_prod(fcc)
    old = invoke(fcc)[1]["instanceId"]
    alias(fcc, "2")
    _, body = invoke(fcc)
    assert body["versionId"] == "2" and body["instanceId"] != old  # no more traffic to v1
    assert old in {i.instance_id for i in instances(fcc)}  # not yet idle
    clock.advance(600)
    assert old not in {i.instance_id for i in instances(fcc)}
    kinds = [e["event"] for e in events(srv)[old]["events"]]
    assert kinds[-3:] == ["pre-stop started", "pre-stop ok", "destroyed"]
    assert events(srv)[old]["events"][-3]["trigger"] == "idle"


def test_the_functions_idle_timeout_wins_over_the_emulators(srv, clock):
    fcc = client(srv)
    create(fcc, idle_timeout=30)
    iid = invoke(fcc, None)[1]["instanceId"]
    clock.advance(29)
    assert [i.instance_id for i in instances(fcc)] == [iid]
    clock.advance(1)
    assert instances(fcc) == []


def test_provisioned_alias_move_starts_new_instances_before_old_ones_go(srv, clock):
    fcc = client(srv)
    two_versions_on_prod(fcc)
    fcc.put_provision_config("fn", m().PutProvisionConfigRequest(
        qualifier="prod", body=m().PutProvisionConfigInput(default_target=2)))
    old = {i.instance_id for i in instances(fcc)}
    assert len(old) == 2
    alias(fcc, "2")
    snapshots = []
    for _ in range(5):
        live = instances(fcc)
        snapshots.append(live)
        running = [i for i in live if i.status == "Running" and i.resource_type == "Provisioned"
                   and i.version_id == "2"]
        assert len(running) >= 2  # capacity of the alias never drops below its target
        clock.advance(1)
    assert not old & {i.instance_id for i in snapshots[-1]}
    evs = events(srv)
    new_created = min(evs[i]["createdTimeMs"] for i in {i.instance_id for i in snapshots[0]})
    for iid in old:
        kinds = [e["event"] for e in evs[iid]["events"]]
        assert kinds[-3:] == ["pre-stop started", "pre-stop ok", "destroyed"]
        assert evs[iid]["events"][-3]["trigger"] == "alias-update"
        assert evs[iid]["destroyedTimeMs"] >= new_created
    for iid in {i.instance_id for i in snapshots[-1]}:
        assert [e["event"] for e in evs[iid]["events"]][:2] == ["created", "initializer ok"]
    prov = fcc.get_provision_config("fn", m().GetProvisionConfigRequest(qualifier="prod")).body
    assert prov.current == 2


def test_provisioned_alias_move_waits_for_the_new_initializers(srv, clock):
    # version 2's Initializer takes 3 s: its provisioned instances are Creating meanwhile, and
    # version 1's keep serving the alias until they are Running
    fcc = client(srv)
    create(fcc)
    publish(fcc)
    set_env(fcc, {"FCCTL_EMULATOR_INITIALIZER_MS": "3000"})
    publish(fcc)
    alias(fcc, "1", create_it=True)
    fcc.put_provision_config("fn", m().PutProvisionConfigRequest(
        qualifier="prod", body=m().PutProvisionConfigInput(default_target=2)))
    old = {i.instance_id for i in instances(fcc)}
    alias(fcc, "2")
    seen_creating = False
    for _ in range(6):
        live = instances(fcc, instance_status=["Creating", "Running"])
        running = {i.instance_id for i in live if i.status == "Running"
                   and i.resource_type == "Provisioned"}
        assert len(running) >= 2  # capacity of the alias never drops below its target
        creating = [i for i in live if i.status == "Creating"]
        if creating:
            seen_creating = True
            assert running == old and {i.version_id for i in creating} == {"2"}
            assert invoke(fcc)[1]["versionId"] == "2"  # traffic moved with the alias
        clock.advance(1)
    assert seen_creating
    live = instances(fcc)
    assert {i.version_id for i in live if i.resource_type == "Provisioned"} == {"2"}
    evs = events(srv)
    ready = [e["timeMs"] for i in live if i.resource_type == "Provisioned"
             for e in evs[i.instance_id]["events"] if e["event"] == "initializer ok"]
    assert len(ready) == 2
    for iid in old:
        stops = [e for e in evs[iid]["events"] if e["event"] == "pre-stop started"]
        assert stops and stops[0]["trigger"] == "alias-update"
        assert stops[0]["timeMs"] >= max(ready)  # released only once the new ones passed
        assert evs[iid]["status"] == "Destroyed"


def test_a_failing_new_version_keeps_the_old_provisioned_instances(srv):
    fcc = client(srv)
    create(fcc)
    publish(fcc)
    set_env(fcc, {"FCCTL_EMULATOR_FAIL_INITIALIZER": "1"})
    publish(fcc)
    alias(fcc, "1", create_it=True)
    fcc.put_provision_config("fn", m().PutProvisionConfigRequest(
        qualifier="prod", body=m().PutProvisionConfigInput(default_target=2)))
    old = {i.instance_id for i in instances(fcc)}
    alias(fcc, "2")
    assert old <= {i.instance_id for i in instances(fcc)}  # never below capacity


def test_deleting_an_alias_provision_config_closes_its_instances_through_prestop(srv):
    fcc = client(srv)
    two_versions_on_prod(fcc)
    fcc.put_provision_config("fn", m().PutProvisionConfigRequest(
        qualifier="prod", body=m().PutProvisionConfigInput(default_target=2)))
    ids = {i.instance_id for i in instances(fcc)}
    fcc.delete_provision_config("fn", m().DeleteProvisionConfigRequest(qualifier="prod"))
    assert instances(fcc) == []
    evs = events(srv)
    for iid in ids:
        assert [e["event"] for e in evs[iid]["events"]][-3:] == [
            "pre-stop started", "pre-stop ok", "destroyed"]


def test_version_ids_are_never_reused(srv):
    fcc = client(srv)
    create(fcc)
    assert publish(fcc) == "1"
    assert publish(fcc) == "2"  # PUBLISH_UNCHANGED_POLICY: allowed
    fcc.delete_function_version("fn", "2")
    assert publish(fcc) == "3"


def test_alias_weight_rules(srv):
    from alibabacloud_tea_openapi import exceptions

    fcc = client(srv)
    create(fcc)
    for _ in range(3):
        publish(fcc)
    alias(fcc, "1", create_it=True)
    for weights in ({"1": 0.2}, {"2": 0.6, "3": 0.5}):
        with pytest.raises(exceptions.ClientException) as exc:
            alias(fcc, "1", weights)
        assert (exc.value.status_code, exc.value.code) == (400, "InvalidArgument")
    assert alias(fcc, "1", {"2": 0.5, "3": 0.5}).body.additional_version_weight == {
        "2": 0.5, "3": 0.5}
    with pytest.raises(exceptions.ClientException) as exc:
        fcc.put_provision_config("fn", m().PutProvisionConfigRequest(
            qualifier="1", body=m().PutProvisionConfigInput(default_target=1)))
    assert exc.value.status_code == 400


def test_publish_and_delete_while_in_progress_conflict(tmp_path, clock):
    from alibabacloud_tea_openapi import exceptions

    with start(tmp_path, clock, 1) as srv:
        fcc = client(srv)
        create(fcc, env={"FCCTL_EMULATOR_UPDATE_DELAY_S": "5"})
        set_env(fcc, {"FCCTL_EMULATOR_UPDATE_DELAY_S": "5", "X": "1"})
        for call in (lambda: publish(fcc), lambda: fcc.delete_function("fn")):
            with pytest.raises(exceptions.ClientException) as exc:
                call()
            assert (exc.value.status_code, exc.value.code) == (409, "ConcurrentUpdateError")
        clock.advance(5)
        assert publish(fcc) == "1"


def test_a_knob_published_in_a_version_makes_only_that_version_fail(srv):
    fcc = client(srv)
    create(fcc)
    publish(fcc)
    set_env(fcc, {"FCCTL_EMULATOR_INVOKE_ERROR": "HandledInvocationError"})
    publish(fcc)
    set_env(fcc, {})
    alias(fcc, "1", {"2": 0.5}, create_it=True)
    seen = Counter()
    for _ in range(40):
        headers, body = invoke(fcc)
        version = headers["x-fc-invocation-service-version"]
        seen[(version, headers.get("x-fc-error-type"))] += 1
    assert set(seen) == {("1", None), ("2", "HandledInvocationError")}
    assert invoke(fcc, None)[0].get("x-fc-error-type") is None  # LATEST no longer fails


def test_an_error_rate_knob_fails_a_share_of_invocations(srv):
    fcc = client(srv)
    create(fcc, env={"FCCTL_EMULATOR_INVOKE_ERROR": "UnhandledInvocationError",
                     "FCCTL_EMULATOR_INVOKE_ERROR_RATE": "0.25"})
    kinds = Counter(invoke(fcc, None)[0].get("x-fc-error-type") for _ in range(200))
    assert set(kinds) == {None, "UnhandledInvocationError"}
    assert 20 <= kinds["UnhandledInvocationError"] <= 80  # 25 % of 200 = 50
