"""fcctl rollout against the emulator through the official SDK (issue: rollout)."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from alibabacloud_fc20230330 import models
from darabonba.runtime import RuntimeOptions

SPEC = """\
region: cn-hangzhou
functions:
  - functionName: worker
    runtime: custom.debian10
    handler: index.handler
    code: ./app
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
    instanceConcurrency: 1
    environmentVariables:
      LOG_LEVEL: info
{knobs}    instanceLifecycleConfig:
      initializer: {{handler: "true", timeout: 5}}
      preStop: {{handler: "true", timeout: 5}}
"""


def write_spec(project, **knobs) -> str:
    lines = "".join(f"      {k}: \"{v}\"\n" for k, v in knobs.items())
    return str(project(SPEC.format(knobs=lines)))


def invoke(sdk, name="worker", invoke_ms=None):
    headers = models.InvokeFunctionHeaders(
        common_headers={"x-fcctl-invoke-ms": str(invoke_ms)} if invoke_ms else {})
    req = models.InvokeFunctionRequest(body=b"{}")
    resp = sdk.invoke_function_with_options(name, req, headers, RuntimeOptions())
    return resp


def events(emulator, name="worker") -> list[dict]:
    with urllib.request.urlopen(f"{emulator.url}/_fcctl/functions/{name}/instances") as r:
        return json.loads(r.read())["instances"]


def active_ids(sdk, name="worker") -> set[str]:
    body = sdk.list_instances(name, models.ListInstancesRequest()).body.to_map()
    return {i["instanceId"] for i in body.get("instances") or []}


def test_rollout_drains_every_old_instance_through_prestop(fc, sdk, emulator, project):
    path = write_spec(project)
    assert fc("deploy", "-f", path).code == 0
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: invoke(sdk, invoke_ms=400), range(3)))
    before = active_ids(sdk)
    assert len(before) == 3

    run = fc("rollout", "-f", path, "-o", "json")
    assert run.code == 0, run.err
    doc = run.json()
    (fn,) = doc["functions"]
    assert set(fn["instancesBefore"]) == before
    assert set(fn["drainedInstances"]) == before
    assert [p["phase"] for p in fn["phases"]] == ["record", "restart", "accepted", "drained", "probe"]
    assert fn["rolloutId"] == doc["rolloutId"]

    by_id = {i["instanceId"]: i for i in events(emulator)}
    for iid in before:
        kinds = [e["event"] for e in by_id[iid]["events"]]
        assert any(k.startswith("pre-stop") for k in kinds), kinds
        assert kinds[-1] == "destroyed"
    assert active_ids(sdk) & before == set()

    clean = fc("plan", "-f", path, "--detailed-exitcode")
    assert clean.code == 0, clean.out

    invoke(sdk)
    new = active_ids(sdk) - before
    assert len(new) == 1
    (new_id,) = new
    kinds = [e["event"] for e in {i["instanceId"]: i for i in events(emulator)}[new_id]["events"]]
    assert any(k.startswith("initializer") for k in kinds)

    # a later deploy keeps the rollout marker: still no changes, and FC still has it
    assert fc("deploy", "-f", path, "-o", "json").json()["summary"]["writeCalls"] == 0
    env = sdk.get_function("worker", models.GetFunctionRequest()).body.to_map()["environmentVariables"]
    assert env["FCCTL_ROLLOUT_ID"] == doc["rolloutId"]


def test_rollout_of_idle_function_has_nothing_to_drain(fc, project):
    path = write_spec(project)
    assert fc("deploy", "-f", path).code == 0
    run = fc("rollout", "worker", "-o", "json")
    assert run.code == 0, run.err
    (fn,) = run.json()["functions"]
    assert fn["instancesBefore"] == []
    drained = [p for p in fn["phases"] if p["phase"] == "drained"][0]
    assert "nothing to drain" in drained["detail"]


def test_probe_against_failing_initializer_fails_with_fc_message(fc, sdk, project):
    path = write_spec(project, FCCTL_EMULATOR_FAIL_INITIALIZER="1")
    assert fc("deploy", "-f", path).code == 0
    run = fc("rollout", "-f", path, "--probe")
    assert run.code == 1
    assert "InitializationError" in run.out + run.err


def test_timeout_names_instances_still_alive(fc, sdk, project):
    path = write_spec(project, FCCTL_EMULATOR_PRESTOP_HANG="1")
    assert fc("deploy", "-f", path).code == 0
    invoke(sdk)
    (iid,) = active_ids(sdk)
    run = fc("rollout", "-f", path, "--timeout", "1", "-o", "json")
    assert run.code == 4
    (fn,) = run.json()["functions"]
    assert fn["outcome"] == "timeout"
    assert fn["stillActiveInstances"] == [iid]


def test_detach_returns_after_update_accepted(fc, sdk, project):
    path = write_spec(project)
    assert fc("deploy", "-f", path).code == 0
    invoke(sdk)
    run = fc("rollout", "worker", "--detach", "-o", "json")
    assert run.code == 0
    (fn,) = run.json()["functions"]
    statuses = {p["phase"]: p["status"] for p in fn["phases"]}
    assert statuses["accepted"] == "ok" and statuses["drained"] == "skipped"


def test_rollout_of_missing_function_fails(fc):
    run = fc("rollout", "ghost")
    assert run.code == 1
    assert "FunctionNotFound" in run.out + run.err


def test_alias_instances_are_reported_not_restarted(fc, sdk, emulator, project):
    path = write_spec(project)
    assert fc("deploy", "-f", path).code == 0
    version = sdk.publish_function_version(
        "worker", models.PublishFunctionVersionRequest(
            body=models.PublishVersionInput(description="v1"))).body.to_map()["versionId"]
    sdk.create_alias("worker", models.CreateAliasRequest(
        body=models.CreateAliasInput(alias_name="prod", version_id=version)))
    resp = sdk.invoke_function_with_options(
        "worker", models.InvokeFunctionRequest(body=b"{}", qualifier="prod"),
        models.InvokeFunctionHeaders(), RuntimeOptions())
    assert resp.status_code == 200
    invoke(sdk)  # one LATEST instance too

    # issue 10: leaving the alias's instances running is not success (exit 5) unless asked
    run = fc("rollout", "worker", "-o", "json")
    assert run.code == 5, run.err
    assert run.json()["ok"] is False
    assert run.json()["aliasesLeft"] == [{"functionName": "worker", "aliasName": "prod",
                                          "instances": 1}]
    (fn,) = run.json()["functions"]
    assert len(fn["instancesBefore"]) == 1 and fn["drainedInstances"] == fn["instancesBefore"]
    assert [i["qualifier"] for i in fn["notRestarted"]] == ["prod"]
    assert fn["aliases"] == [{"aliasName": "prod", "versionId": version,
                              "additionalVersionWeight": {}}]
    text = fc("rollout", "worker")
    assert "LATEST only" in text.out and "prod → version" in text.out
    assert text.code == 5 and "--latest-only" in text.out
    assert fc("rollout", "worker", "--latest-only").code == 0


def test_rollout_waits_for_an_update_in_progress(fc, sdk, project):
    path = write_spec(project, FCCTL_EMULATOR_UPDATE_DELAY_S="1")
    assert fc("deploy", "-f", path).code == 0
    changed = path.replace("fc.yaml", "fc2.yaml")
    with open(path) as src, open(changed, "w") as dst:
        dst.write(src.read().replace("LOG_LEVEL: info", "LOG_LEVEL: debug"))
    assert fc("deploy", "-f", changed, "--no-wait").code == 0
    assert sdk.get_function("worker", models.GetFunctionRequest()).body.to_map()[
        "lastUpdateStatus"] == "InProgress"
    run = fc("rollout", "worker", "-o", "json")
    assert run.code == 0, run.err
    assert "InProgress; waiting" in run.err
    assert run.json()["functions"][0]["outcome"] == "ok"


def test_timed_out_phase_reports_its_duration(fc, project):
    path = write_spec(project, FCCTL_EMULATOR_UPDATE_DELAY_S="30")
    assert fc("deploy", "-f", path).code == 0
    run = fc("rollout", "worker", "--timeout", "1", "-o", "json")
    assert run.code == 4
    accepted = [p for p in run.json()["functions"][0]["phases"] if p["phase"] == "accepted"][0]
    assert accepted["status"] == "timeout" and accepted["durationSeconds"] > 0


def drained_phase(fn: dict) -> dict:
    return [p for p in fn["phases"] if p["phase"] == "drained"][0]


def test_drained_never_claims_prestop_ran(fc, sdk, project):
    # ListInstances does not say how PreStop ended; a hung PreStop still ends Destroyed
    path = write_spec(project, FCCTL_EMULATOR_PRESTOP_HANG="1", FCCTL_EMULATOR_PRESTOP_MS="10")
    assert fc("deploy", "-f", path).code == 0
    invoke(sdk)
    run = fc("rollout", "worker", "-o", "json")
    assert run.code == 0, run.err
    detail = drained_phase(run.json()["functions"][0])["detail"]
    assert "ran PreStop" not in detail and "PreStop outcome" in detail
    text = fc("rollout", "worker")
    assert "ran PreStop" not in text.out + text.err


def test_provisioned_instances_rotate_only_once_successors_are_healthy(fc, sdk, project):
    path = write_spec(project)
    assert fc("deploy", "-f", path).code == 0
    sdk.put_provision_config("worker", models.PutProvisionConfigRequest(
        qualifier="LATEST", body=models.PutProvisionConfigInput(default_target=1)))
    (old,) = active_ids(sdk)
    run = fc("rollout", "worker", "-o", "json")
    assert run.code == 0, run.err
    (fn,) = run.json()["functions"]
    assert fn["instancesBefore"] == [old] and fn["drainedInstances"] == [old]
    (successor,) = active_ids(sdk)
    assert successor != old

    # the new configuration's Initializer fails: the successor never becomes healthy, so FC
    # keeps the old minimum instance ("rotation" policy) and the rollout names it at --timeout
    env = sdk.get_function("worker", models.GetFunctionRequest()).body.to_map()[
        "environmentVariables"]
    env["FCCTL_EMULATOR_FAIL_INITIALIZER"] = "1"
    sdk.update_function("worker", models.UpdateFunctionRequest(
        body=models.UpdateFunctionInput(environment_variables=env)))
    assert active_ids(sdk) == {successor}
    run = fc("rollout", "worker", "--timeout", "2", "-o", "json")
    assert run.code == 4
    (fn,) = run.json()["functions"]
    assert fn["stillActiveInstances"] == [successor]
    assert fn["stillActiveStatus"] == {successor: "Running"}
    assert successor in fn["message"] and "successor" in fn["message"]


def test_session_affinity_keeps_an_old_instance_past_timeout(fc, sdk, project):
    path = write_spec(project, FCCTL_EMULATOR_SESSION_AFFINITY_S="600")
    assert fc("deploy", "-f", path).code == 0
    invoke(sdk)
    (iid,) = active_ids(sdk)
    run = fc("rollout", "worker", "--timeout", "2")
    assert run.code == 4
    assert f"{iid} (Running)" in run.out + run.err
