"""Instances in the emulator: InvokeFunction, instanceConcurrency, Initializer, PreStop on update,
idle reclaim, provisioned instances, ListInstances — through the official SDK over HTTP.
Time-based transitions use an injected clock; simulated durations use the documented knobs."""

from __future__ import annotations

import base64
import io
import json
import time
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from fcctl.emulator.server import EmulatorServer
from tests.functional.emuhelpers import FakeClock

AK, SECRET = "AKID-instances", "instances-secret"


def models():
    from alibabacloud_fc20230330 import models as m

    return m


def client(srv):
    from alibabacloud_fc20230330.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    return Client(Config(access_key_id=AK, access_key_secret=SECRET,
                         endpoint=f"127.0.0.1:{srv.port}", protocol="http",
                         read_timeout=60000, connect_timeout=5000))


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def srv(tmp_path, clock):
    with EmulatorServer(tmp_path / "state.db", {AK: SECRET}, log=None, clock=clock,
                        idle_timeout_s=600) as server:
        yield server


def create(srv, name="worker", env=None, hooks=True, concurrency=1, pre_stop_timeout=5):
    m = models()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", "print('hi')\n")
    ilc = m.InstanceLifecycleConfig(
        initializer=m.LifecycleHook(handler="true", timeout=5),
        pre_stop=m.LifecycleHook(handler="true", timeout=pre_stop_timeout)) if hooks else None
    client(srv).create_function(m.CreateFunctionRequest(body=m.CreateFunctionInput(
        function_name=name, runtime="custom.debian10", handler="index.handler",
        code=m.InputCodeLocation(zip_file=base64.b64encode(buf.getvalue()).decode()),
        instance_concurrency=concurrency, environment_variables=env or {},
        instance_lifecycle_config=ilc)))


def invoke(srv, name="worker", invoke_ms=None, body=b"{}"):
    from darabonba.runtime import RuntimeOptions

    m = models()
    headers = m.InvokeFunctionHeaders(
        common_headers={"x-fcctl-invoke-ms": str(invoke_ms)} if invoke_ms else {})
    return client(srv).invoke_function_with_options(
        name, m.InvokeFunctionRequest(body=io.BytesIO(body)), headers, RuntimeOptions())


def list_instances(srv, name="worker", **kw) -> list[dict]:
    m = models()
    body = client(srv).list_instances(name, m.ListInstancesRequest(**kw)).body.to_map()
    return body.get("instances") or []


def events(srv, name="worker") -> dict[str, dict]:
    with urllib.request.urlopen(f"{srv.url}/_fcctl/functions/{name}/instances", timeout=10) as r:
        return {i["instanceId"]: i for i in json.loads(r.read())["instances"]}


def kinds(instance: dict) -> list[str]:
    return [e["event"] for e in instance["events"]]


def update(srv, name="worker", **env):
    m = models()
    client(srv).update_function(name, m.UpdateFunctionRequest(
        body=m.UpdateFunctionInput(environment_variables=env or {"FCCTL_ROLLOUT_ID": "r2"})))


def test_invocation_echo_and_instance_reuse(srv):
    create(srv)
    first = invoke(srv, body=b"hello")
    assert first.status_code == 200
    echo = json.loads(first.body.read())
    assert echo == {"instanceId": echo["instanceId"], "functionName": "worker",
                    "qualifier": "LATEST", "versionId": "0", "bodyLength": 5}
    second = json.loads(invoke(srv).body.read())
    assert second["instanceId"] == echo["instanceId"]  # sequential calls reuse the instance
    listed = list_instances(srv)
    assert [i["instanceId"] for i in listed] == [echo["instanceId"]]
    assert listed[0]["status"] == "Running" and listed[0]["versionId"] == "0"
    # FC's ListInstances example: LATEST instances carry versionId "0" and qualifier ""
    assert listed[0]["resourceType"] == "OnDemand" and listed[0]["qualifier"] == ""
    assert kinds(events(srv)[echo["instanceId"]]) == ["created", "initializer ok"]


def test_three_concurrent_invocations_make_three_instances(srv):
    create(srv, concurrency=1)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: json.loads(invoke(srv, invoke_ms=1500).body.read()),
                                range(3)))
    ids = {r["instanceId"] for r in results}
    assert len(ids) == 3
    assert {i["instanceId"] for i in list_instances(srv)} == ids


def test_instance_concurrency_lets_one_instance_serve_several(srv):
    create(srv, concurrency=5)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: json.loads(invoke(srv, invoke_ms=500).body.read()),
                                range(3)))
    assert len({r["instanceId"] for r in results}) == 1


def test_update_moves_every_old_instance_through_prestop_to_destroyed(srv, clock):
    create(srv, env={"FCCTL_EMULATOR_PRESTOP_MS": "2000"})
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: invoke(srv, invoke_ms=1500), range(3)))
    old = {i["instanceId"] for i in list_instances(srv)}
    assert len(old) == 3

    update(srv)
    # PreStop is running (2 s of model time): the old instances are still listed, Running (FC's
    # instance-event states have no "Stopping"), and their PreStop has started
    assert {i["status"] for i in list_instances(srv)} == {"Running"}
    assert all(kinds(events(srv)[iid])[-1] == "pre-stop started" for iid in old)
    clock.advance(2)
    assert list_instances(srv) == []  # ListInstances reflects it without any other call
    seen = events(srv)
    for iid in old:
        assert kinds(seen[iid]) == ["created", "initializer ok", "pre-stop started",
                                    "pre-stop ok", "destroyed"]
        ev = {e["event"]: e for e in seen[iid]["events"]}
        assert ev["destroyed"]["timeMs"] - ev["pre-stop started"]["timeMs"] == 2000
        assert seen[iid]["status"] == "Destroyed" and seen[iid]["destroyedTimeMs"]
    destroyed = list_instances(srv, instance_status=["Destroyed"])
    assert {i["instanceId"] for i in destroyed} == old

    # a new invocation gets a new instance, which runs the Initializer again
    new_id = json.loads(invoke(srv).body.read())["instanceId"]
    assert new_id not in old
    assert kinds(events(srv)[new_id]) == ["created", "initializer ok"]


def test_prestop_duration_is_capped_by_its_timeout_and_hang_fails(srv, clock):
    create(srv, env={"FCCTL_EMULATOR_PRESTOP_HANG": "1"}, pre_stop_timeout=3)
    iid = json.loads(invoke(srv).body.read())["instanceId"]
    update(srv)
    clock.advance(2.9)
    assert [i["status"] for i in list_instances(srv)] == ["Running"]
    assert kinds(events(srv)[iid])[-1] == "pre-stop started"
    clock.advance(0.1)
    assert list_instances(srv) == []
    inst = events(srv)[iid]
    assert kinds(inst)[-2:] == ["pre-stop failed", "destroyed"]
    assert "timed out after 3 s" in inst["events"][-2]["reason"]


def test_without_prestop_hook_the_step_is_skipped(srv):
    create(srv, hooks=False)
    iid = json.loads(invoke(srv).body.read())["instanceId"]
    update(srv)
    assert list_instances(srv) == []
    assert kinds(events(srv)[iid]) == ["created", "initializer skipped", "pre-stop skipped",
                                       "destroyed"]


def test_failing_initializer_returns_200_with_error_type(srv):
    create(srv, env={"FCCTL_EMULATOR_FAIL_INITIALIZER": "1"})
    resp = invoke(srv)
    assert resp.status_code == 200
    assert resp.headers.get("x-fc-error-type") == "InitializationError"
    body = json.loads(resp.body.read())
    assert "errorMessage" in body
    assert list_instances(srv) == []  # the instance was discarded
    second = invoke(srv)
    assert second.headers.get("x-fc-error-type") == "InitializationError"
    seen = events(srv)
    assert len(seen) == 2  # each invocation started (and discarded) a new instance
    for inst in seen.values():
        assert kinds(inst) == ["created", "initializer failed", "destroyed"]


def test_idle_instances_are_reclaimed_through_prestop(srv, clock):
    create(srv)
    iid = json.loads(invoke(srv).body.read())["instanceId"]
    clock.advance(599)
    assert len(list_instances(srv)) == 1
    clock.advance(1)
    assert list_instances(srv) == []
    inst = events(srv)[iid]
    assert kinds(inst) == ["created", "initializer ok", "pre-stop started", "pre-stop ok",
                           "destroyed"]
    assert inst["events"][2]["trigger"] == "idle"


def test_provisioned_instances(srv, clock):
    m = models()
    create(srv)
    fcc = client(srv)
    out = fcc.put_provision_config("worker", m.PutProvisionConfigRequest(
        qualifier="LATEST", body=m.PutProvisionConfigInput(target=2))).body
    assert out.target == 2 and out.current == 2
    listed = list_instances(srv)
    assert [i["resourceType"] for i in listed] == ["Provisioned", "Provisioned"]
    # invocations go to provisioned instances first
    iid = json.loads(invoke(srv).body.read())["instanceId"]
    assert iid in {i["instanceId"] for i in listed}
    # provisioned instances are not reclaimed when idle
    clock.advance(3600)
    assert len(list_instances(srv)) == 2
    got = fcc.get_provision_config("worker", m.GetProvisionConfigRequest(qualifier="LATEST")).body
    # the SDK's ProvisionConfig example: acs:fc:cn-shanghai:124:functions/myFunction/prod
    assert got.current == 2 and got.function_arn.endswith(":functions/worker/LATEST")
    # an update replaces them: the old ones go through PreStop, new ones take their place
    update(srv)
    now = list_instances(srv)
    assert len(now) == 2 and not {i["instanceId"] for i in now} & {i["instanceId"] for i in listed}
    # scale in to 1, then delete
    fcc.put_provision_config("worker", m.PutProvisionConfigRequest(
        qualifier="LATEST", body=m.PutProvisionConfigInput(target=1)))
    assert len(list_instances(srv)) == 1
    fcc.delete_provision_config("worker", m.DeleteProvisionConfigRequest(qualifier="LATEST"))
    assert list_instances(srv) == []


def test_unknown_qualifier_and_function(srv):
    from alibabacloud_tea_openapi.exceptions import ClientException

    create(srv)
    with pytest.raises(ClientException) as exc:
        list_instances(srv, qualifier="prod")
    assert exc.value.code == "AliasNotFound"
    with pytest.raises(ClientException) as exc:
        invoke(srv, name="absent")
    assert exc.value.code == "FunctionNotFound"


def test_async_invocation_is_accepted_with_202(srv):
    from darabonba.runtime import RuntimeOptions

    m = models()
    create(srv)
    resp = client(srv).invoke_function_with_options(
        "worker", m.InvokeFunctionRequest(body=io.BytesIO(b"x")),
        m.InvokeFunctionHeaders(x_fc_invocation_type="Async"), RuntimeOptions())
    assert resp.status_code == 202
    deadline = time.monotonic() + 30  # safety net only: the background run is quick
    while not any(i["invocations"] for i in events(srv).values()):
        assert time.monotonic() < deadline, "the async invocation never ran"
        time.sleep(0.02)


def test_disable_and_enable_invocation(srv):
    from alibabacloud_tea_openapi.exceptions import ClientException

    m = models()
    create(srv)
    fcc = client(srv)
    fcc.disable_function_invocation("worker", m.DisableFunctionInvocationRequest(reason="x"))
    with pytest.raises(ClientException) as exc:
        invoke(srv)
    assert exc.value.status_code == 412
    from darabonba.runtime import RuntimeOptions

    with pytest.raises(ClientException) as exc:
        fcc.invoke_function_with_options(
            "worker", m.InvokeFunctionRequest(body=io.BytesIO(b"x")),
            m.InvokeFunctionHeaders(x_fc_invocation_type="Async"), RuntimeOptions())
    assert exc.value.status_code == 412
    fcc.enable_function_invocation("worker")
    assert invoke(srv).status_code == 200
