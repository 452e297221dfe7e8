"""Issue 10's release story end to end, through fcctl and read back with the official SDK from
the emulator: aliases and minimum instances in fc.yaml → deploy → release → the alias's
provision config → canary → automatic rollback → steps → rollback → ``rollout --alias`` with
the alias's minimum instances never below their target → the next plan is clean."""

from __future__ import annotations

import json
import threading
import urllib.request

from alibabacloud_fc20230330 import models

from fcctl.emulator.knobs import KNOB_FAIL_INITIALIZER, KNOB_INITIALIZER_MS

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
      {init_ms_knob}: "300"
{knobs}    instanceLifecycleConfig:
      initializer: {{handler: "true", timeout: 5}}
      preStop: {{handler: "true", timeout: 5}}
    aliases:
      - aliasName: prod
        description: what customers call
        provisionConfig: {{defaultTarget: 2}}
    triggers:
      - triggerName: web
        triggerType: http
        qualifier: prod
        triggerConfig: {{authType: anonymous, methods: [GET, POST]}}
"""


def write(project, level, **knobs) -> str:
    lines = "".join(f"      {k}: \"{v}\"\n" for k, v in knobs.items())
    return str(project(SPEC.format(level=level, knobs=lines, init_ms_knob=KNOB_INITIALIZER_MS)))


def alias(sdk) -> dict:
    return sdk.get_alias("worker", "prod").body.to_map()


def running_provisioned(sdk) -> list[dict]:
    body = sdk.list_instances("worker", models.ListInstancesRequest(
        qualifier="prod", with_all_active=True)).body.to_map()
    return [i for i in body.get("instances") or []
            if i.get("status") == "Running" and i.get("resourceType") == "Provisioned"]


def test_release_story_from_spec_to_rollout_of_the_alias(fc, sdk, project, emulator):
    path = write(project, "info")
    first = fc("deploy", "-f", path, "-o", "json")
    assert first.code == 0, first.err
    # the alias cannot exist before a version does: the plan says who creates it
    pending = fc("plan", "-f", path)
    assert pending.code == 0 and "fcctl release worker --alias prod" in pending.out

    released = fc("release", "worker", "--alias", "prod", "-o", "json")
    assert released.code == 0, released.err
    assert released.json()["newVersion"] == "1" and alias(sdk)["versionId"] == "1"
    # now the alias exists, the next deploy gives it its minimum instances
    assert fc("deploy", "-f", path).code == 0
    prov = sdk.get_provision_config("worker", models.GetProvisionConfigRequest(
        qualifier="prod")).body.to_map()
    assert prov["defaultTarget"] == 2
    assert fc("plan", "-f", path, "--detailed-exitcode").code == 0

    # a failing version: the canary's probes fail, the alias goes back to version 1 by itself
    assert fc("deploy", "-f", write(project, "warn", **{KNOB_FAIL_INITIALIZER: "1"})).code == 0
    bad = fc("release", "worker", "--alias", "prod", "--steps", "50,100",
             "--probe-count", "20", "-o", "json")
    assert bad.code == 1, bad.out
    assert {f["errorType"] for f in bad.json()["failedProbes"]} == {"InitializationError"}
    seen = alias(sdk)
    assert seen["versionId"] == "1" and not seen.get("additionalVersionWeight")

    # a good version walks its steps and is promoted; --rollback returns to the previous one
    assert fc("deploy", "-f", write(project, "debug")).code == 0
    good = fc("release", "worker", "--alias", "prod", "--steps", "10,50,100", "-o", "json")
    assert good.code == 0, good.out
    promoted = good.json()["newVersion"]
    assert alias(sdk)["versionId"] == promoted and promoted not in ("1", "2")
    assert fc("release", "worker", "--alias", "prod", "--rollback").code == 0
    assert alias(sdk)["versionId"] == "1"
    assert fc("release", "worker", "--alias", "prod").code == 0  # forward again
    assert alias(sdk)["versionId"] != "1"

    # the probes left an on-demand instance of the version prod is back on: FC reclaims it when
    # idle after the alias moves on (the emulator's idle timeout made short here)
    req = urllib.request.Request(emulator.url + "/_fcctl/config", method="PUT",
                                 data=json.dumps({"idleTimeoutS": 1.0}).encode())
    urllib.request.urlopen(req).read()

    # rollout of the alias: every old instance runs PreStop, and the alias's Running minimum
    # instances (as ListInstances answers for it) never drop below 2 on the way
    old = {i["instanceId"] for i in running_provisioned(sdk)}
    assert len(old) == 2
    lowest, stop, snapshots = [2], threading.Event(), []

    def watch() -> None:
        while not stop.wait(0.05):
            rows = running_provisioned(sdk)
            snapshots.append(rows)
            lowest[0] = min(lowest[0], len(rows))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        run = fc("rollout", "worker", "--alias", "prod", "--timeout", "60", "-o", "json")
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert run.code == 0, run.out + run.err
    doc = run.json()
    assert old <= set(doc["instancesBefore"]) and old <= set(doc["drainedInstances"])
    assert not doc["stillActiveInstances"]
    assert doc["provisionReadySeconds"] is not None
    assert snapshots, "the watcher saw no ListInstances answer"  # else the check below is vacuous
    assert lowest[0] >= 2, (lowest[0], "".join(str(len(s)) for s in snapshots))
    now = {i["instanceId"] for i in running_provisioned(sdk)}
    assert len(now) == 2 and not now & old
    assert fc("plan", "-f", path, "--detailed-exitcode").code == 0
