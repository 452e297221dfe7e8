"""fc.yaml aliases and provisionConfig through plan/deploy, the official SDK and the emulator
(issue 10 item 1): LATEST's minimum instances as GetProvisionConfig answers them, a clean plan
after deploy, an alias pending until it exists (published and created with the SDK here, as
`fcctl release` will), its provisionConfig applied by the next deploy, and a description change
that leaves the alias's version alone."""

from __future__ import annotations

from alibabacloud_fc20230330 import models

from fcctl import errors

SPEC = """\
region: cn-hangzhou
functions:
  - functionName: worker
    runtime: custom.debian10
    handler: index.handler
    code: ./app
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
    provisionConfig:
      defaultTarget: 1
      alwaysAllocateCPU: false
      scheduledActions:
        - name: business-hours
          scheduleExpression: cron(0 0 8 * * *)
          target: 2
          startTime: "2026-01-01T00:00:00Z"
          endTime: "2027-01-01T00:00:00Z"
          timeZone: Asia/Shanghai
      targetTrackingPolicies:
        - {{name: cpu, metricType: CPUUtilization, metricTarget: 0.6, minCapacity: 1, maxCapacity: 3}}
    aliases:
      - aliasName: prod
        description: {description}
        provisionConfig: {{defaultTarget: 2}}
    triggers:
      - {{triggerName: http, triggerType: http, qualifier: prod,
         triggerConfig: {{authType: anonymous, methods: [GET]}}}}
"""


def provision(sdk, qualifier: str) -> dict:
    return sdk.get_provision_config("worker", models.GetProvisionConfigRequest(
        qualifier=qualifier)).body.to_map()


def test_aliases_and_provisioning_deploy_then_plan_clean(fc, sdk, project, api_log):
    path = str(project(SPEC.format(description="production traffic")))

    plan = fc("plan", "-f", path, "-o", "json")
    assert plan.code == 0, plan.err
    (fn,) = plan.json()["functions"]
    (prov,) = fn["provisionConfigs"]
    assert (prov["qualifier"], prov["action"]) == ("LATEST", "create")
    assert [(c["path"], c["live"], c["desired"]) for c in prov["changes"]][:2] == [
        ("defaultTarget", None, 1), ("alwaysAllocateCPU", None, False)]
    assert {c["path"] for c in prov["changes"]} >= {"scheduledActions", "targetTrackingPolicies"}
    assert fn["aliases"][0]["action"] == "pending"
    assert "fcctl release worker --alias prod" in fn["aliases"][0]["note"]

    run = fc("deploy", "-f", path, "-o", "json")
    assert run.code == 0, run.err
    latest = provision(sdk, "LATEST")
    assert latest["defaultTarget"] == 1 and latest["alwaysAllocateCPU"] is False
    assert latest["scheduledActions"][0]["scheduleExpression"] == "cron(0 0 8 * * *)"
    assert latest["targetTrackingPolicies"][0]["maxCapacity"] == 3
    assert latest["functionArn"].endswith("/LATEST")

    # clean, although the alias is still pending: a note, not a change
    again = fc("plan", "-f", path, "--detailed-exitcode", "-o", "json")
    assert again.code == 0, again.out
    doc = again.json()
    assert doc["changes"] is False
    assert doc["functions"][0]["provisionConfigs"] == []
    assert doc["functions"][0]["aliases"][0]["action"] == "pending"
    text = fc("plan", "-f", path)
    assert "alias prod: pending — created by `fcctl release worker --alias prod`" in text.out

    # the alias comes into being (what `fcctl release worker --alias prod` does)
    version = sdk.publish_function_version("worker", models.PublishFunctionVersionRequest(
        body=models.PublishVersionInput())).body.version_id
    sdk.create_alias("worker", models.CreateAliasRequest(body=models.CreateAliasInput(
        alias_name="prod", version_id=version, description="production traffic")))
    assert provision(sdk, "prod").get("defaultTarget") is None  # none yet

    plan = fc("plan", "-f", path, "--detailed-exitcode", "-o", "json")
    assert plan.code == errors.EXIT_CHANGES, plan.out
    (fn,) = plan.json()["functions"]
    assert fn["aliases"] == []  # same description: nothing to do
    assert [(p["qualifier"], p["action"]) for p in fn["provisionConfigs"]] == [("prod", "create")]
    api_log.clear()
    assert fc("deploy", "-f", path).code == 0
    assert provision(sdk, "prod")["defaultTarget"] == 2
    assert fc("plan", "-f", path, "--detailed-exitcode").code == 0

    # a description change → UpdateAlias with the description only; the version stays
    path = str(project(SPEC.format(description="prod, v2 words")))
    plan = fc("plan", "-f", path, "-o", "json")
    (fn,) = plan.json()["functions"]
    assert fn["aliases"] == [{"aliasName": "prod", "action": "update", "note": None, "changes": [
        {"path": "description", "live": "production traffic", "desired": "prod, v2 words",
         "cleared": False}]}]
    api_log.clear()
    run = fc("deploy", "-f", path, "-o", "json")
    assert run.code == 0, run.err
    writes = [(r["method"], r["path"]) for r in api_log.writes()]
    assert writes == [("PUT", "/2023-03-30/functions/worker/aliases/prod")]
    alias = sdk.get_alias("worker", "prod").body.to_map()
    assert alias["description"] == "prod, v2 words" and alias["versionId"] == version
    assert fc("plan", "-f", path, "--detailed-exitcode").code == 0


def test_saved_plan_carries_provision_actions_and_notices_a_moved_config(fc, sdk, project,
                                                                         tmp_path):
    import json

    path = str(project(SPEC.format(description="production traffic")))
    assert fc("deploy", "-f", path).code == 0
    spec = SPEC.format(description="production traffic").replace(
        "      defaultTarget: 1\n", "      defaultTarget: 3\n", 1)
    path = str(project(spec))
    out = str(tmp_path / "plan.json")
    assert fc("plan", "-f", path, "--out", out).code == 0
    saved = json.loads(open(out).read())
    assert '"provisionConfigs"' in json.dumps(saved) and '"defaultTarget"' in json.dumps(saved)

    # someone changes LATEST's provision config meanwhile: the saved plan no longer applies
    sdk.put_provision_config("worker", models.PutProvisionConfigRequest(
        qualifier="LATEST", body=models.PutProvisionConfigInput(default_target=5)))
    run = fc("deploy", "--plan", out)
    assert run.code == 1 and "worker" in run.err
    assert provision(sdk, "LATEST")["defaultTarget"] == 5

    assert fc("plan", "-f", path, "--out", out).code == 0
    run = fc("deploy", "--plan", out)
    assert run.code == 0, run.err
    assert provision(sdk, "LATEST")["defaultTarget"] == 3
    assert fc("plan", "-f", path, "--detailed-exitcode").code == 0


def test_corpus_spec_deploys_and_plans_clean(fc, sdk):
    from pathlib import Path

    spec = str(Path(__file__).resolve().parents[1]
               / "corpus/specs/good/realistic/aliases-min-instances.yaml")
    assert fc("deploy", "-f", spec).code == 0
    got = sdk.get_provision_config("orders-api", models.GetProvisionConfigRequest(
        qualifier="LATEST")).body.to_map()
    assert got["defaultTarget"] == 1
    assert got["scheduledActions"][0]["timeZone"] == "Asia/Shanghai"
    run = fc("plan", "-f", spec, "--detailed-exitcode")
    assert run.code == 0, run.out
    assert "alias canary: pending" in run.out and "alias prod: pending" in run.out
