"""fcctl release against the emulator, read back through the official SDK (issue 10)."""

from __future__ import annotations

import json
import urllib.request

from alibabacloud_fc20230330 import models
from darabonba.runtime import RuntimeOptions

from fcctl.emulator.knobs import KNOB_FAIL_INITIALIZER

SPEC = """\
region: cn-hangzhou
functions:
  - functionName: worker
    runtime: custom.debian10
    handler: index.handler
    code: ./app
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
    environmentVariables:
      LOG_LEVEL: {level}
{knobs}    instanceLifecycleConfig:
      initializer: {{handler: "true", timeout: 5}}
      preStop: {{handler: "true", timeout: 5}}
"""


def deploy(fc, project, level, **knobs):
    lines = "".join(f"      {k}: \"{v}\"\n" for k, v in knobs.items())
    path = str(project(SPEC.format(level=level, knobs=lines)))
    run = fc("deploy", "-f", path)
    assert run.code == 0, run.err
    return path


def alias(sdk):
    return sdk.get_alias("worker", "prod").body.to_map()


def test_release_canary_auto_rollback_steps_and_rollback(fc, sdk, project):
    deploy(fc, project, "info")
    first = fc("release", "worker", "--alias", "prod", "-o", "json")
    assert first.code == 0, first.err
    assert first.json()["newVersion"] == "1" and alias(sdk)["versionId"] == "1"

    again = fc("release", "worker", "--alias", "prod", "-o", "json")
    assert again.code == 0 and again.json()["published"] is False
    versions = sdk.list_function_versions("worker", models.ListFunctionVersionsRequest())
    assert [v.version_id for v in versions.body.versions] == ["1"]

    deploy(fc, project, "debug")
    canary = fc("release", "worker", "--alias", "prod", "--canary", "20", "-o", "json")
    assert canary.code == 0, canary.err
    assert canary.json()["differences"] == ["environmentVariables"]
    seen = alias(sdk)
    assert seen["versionId"] == "1" and seen["additionalVersionWeight"] == {"2": 0.2}
    back = fc("release", "worker", "--alias", "prod", "--rollback")
    assert back.code == 0, back.err
    assert alias(sdk)["versionId"] == "1" and not alias(sdk).get("additionalVersionWeight")

    deploy(fc, project, "warn", **{KNOB_FAIL_INITIALIZER: "1"})
    bad = fc("release", "worker", "--alias", "prod", "--steps", "50,100", "--probe-count", "12",
             "-o", "json")
    assert bad.code == 1, bad.out
    doc = bad.json()
    assert doc["failedProbes"] and all(f["errorType"] == "InitializationError"
                                       for f in doc["failedProbes"])
    assert doc["failedProbes"][0]["requestId"] in doc["message"]
    assert alias(sdk)["versionId"] == "1" and not alias(sdk).get("additionalVersionWeight")

    deploy(fc, project, "error")
    good = fc("release", "worker", "--alias", "prod", "--steps", "10,50,100", "-o", "json")
    assert good.code == 0, good.out
    new = good.json()["newVersion"]
    assert [s["percent"] for s in good.json()["steps"]] == [10, 50, 100]
    assert alias(sdk)["versionId"] == new and not alias(sdk).get("additionalVersionWeight")

    undo = fc("release", "worker", "--alias", "prod", "--rollback", "-o", "json")
    assert undo.code == 0, undo.out
    assert alias(sdk)["versionId"] == "1"


def test_rollout_alias_retires_the_old_versions_instances(fc, sdk, emulator, project):
    from fcctl import fcfacts
    from test_rollout import events

    path = deploy(fc, project, "info")
    assert fc("release", "worker", "--alias", "prod").code == 0
    for _ in range(2):
        resp = sdk.invoke_function_with_options(
            "worker", models.InvokeFunctionRequest(body=b"{}", qualifier="prod"),
            models.InvokeFunctionHeaders(), RuntimeOptions())
        assert resp.status_code == 200
    listed = sdk.list_instances("worker", models.ListInstancesRequest(qualifier="prod"))
    before = {i["instanceId"] for i in listed.body.to_map().get("instances") or []}
    assert before

    # After the alias moves, the old version's on-demand instances get no traffic and FC
    # reclaims them when idle, through PreStop: the emulator's idle timeout made short here
    req = urllib.request.Request(emulator.url + "/_fcctl/config", method="PUT",
                                 data=json.dumps({"idleTimeoutS": 1.0}).encode())
    urllib.request.urlopen(req).read()
    run = fc("rollout", "worker", "--alias", "prod", "--timeout", "60", "-o", "json")
    assert run.code == 0, run.out + run.err
    doc = run.json()
    assert set(doc["instancesBefore"]) == before
    assert set(doc["drainedInstances"]) == before and not doc["stillActiveInstances"]
    new = doc["newVersion"]
    assert alias(sdk)["versionId"] == new
    by_id = {i["instanceId"]: i for i in events(emulator)}
    for iid in doc["drainedInstances"]:
        kinds = [e["event"] for e in by_id[iid]["events"]]
        assert any(k.startswith("pre-stop") for k in kinds), kinds
    env = sdk.get_function("worker", models.GetFunctionRequest(qualifier=new)).body.to_map()[
        "environmentVariables"]
    assert env[fcfacts.ROLLOUT_ENV] == doc["rolloutId"]
    assert fc("plan", "-f", path, "--detailed-exitcode").code == 0

    deploy(fc, project, "debug")
    refused = fc("rollout", "worker", "--alias", "prod", "-o", "json")
    assert refused.code == 2 and refused.json()["differences"] == ["environmentVariables"]
    assert alias(sdk)["versionId"] == new


def test_bad_alias_names_and_steps_are_exit_2_json_documents_without_an_api_call(
        fc, project, api_log):
    deploy(fc, project, "info")
    api_log.clear()
    for args in (["--alias", "LATEST"], ["--alias", "bad alias!"],
                 ["--alias", "prod", "--steps", "50,10"], ["--alias", "prod", "--steps", "100"],
                 ["--alias", "prod", "--interval", "zz"]):
        run = fc("release", "worker", *args, "-o", "json")
        assert run.code == 2, (args, run.out, run.err)
        assert run.json()["schemaVersion"] and run.json()["error"], args
    bad = fc("rollout", "worker", "--alias", "LATEST", "-o", "json")
    assert bad.code == 2 and bad.json()["error"]
    assert api_log.all() == []  # no version was published for a name no alias can have
