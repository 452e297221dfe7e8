"""The spec is the whole truth: removing a block, a sub-field or a tag from fc.yaml clears it on
FC at the next deploy (plan shows "cleared" first, the plan after is clean), checked through the
official SDK against the emulator; and deploy polls GetFunction only when FC answers InProgress
(issue 9 items 1, 4; issue 15 item 2)."""

from __future__ import annotations

import pytest
from alibabacloud_fc20230330 import models

HEAD = """\
region: cn-hangzhou
functions:
  - functionName: conv
    runtime: custom.debian12
    handler: index.handler
    code: ./app
"""
RUNTIME_WITH_ARGS = "    customRuntimeConfig: {command: [python3, app.py], args: [--debug], port: 9000}\n"
RUNTIME_NO_ARGS = "    customRuntimeConfig: {command: [python3, app.py], port: 9000}\n"

BLOCKS = {
    "vpcConfig": ("    vpcConfig: {vpcId: vpc-1, vSwitchIds: [vsw-1], securityGroupId: sg-1}\n",
                  lambda v: not v or (not v.get("vpcId") and not v.get("vSwitchIds")
                                      and not v.get("securityGroupId"))),
    "nasConfig": ("    nasConfig: {userId: 10003, groupId: 10003, mountPoints: "
                  "[{serverAddr: 'x.cn-hangzhou.nas.aliyuncs.com:/', mountDir: /mnt/nas}]}\n",
                  lambda v: not v or not v.get("mountPoints")),
    "logConfig": ("    logConfig: {project: p, logstore: l, enableRequestMetrics: true}\n",
                  lambda v: not v or (not v.get("project") and not v.get("logstore")
                                      and not v.get("enableRequestMetrics"))),
    "ossMountConfig": ("    ossMountConfig: {mountPoints: [{bucketName: b, mountDir: /mnt/oss}]}\n",
                       lambda v: not v or not v.get("mountPoints")),
    "layers": ("    layers: ['acs:fc:cn-hangzhou:123:layers/x/versions/1']\n",
               lambda v: not v),
    "tracingConfig": ("    tracingConfig: {type: Jaeger, params: {endpoint: 'http://t'}}\n",
                      lambda v: not v or (not v.get("type") and not v.get("params"))),
    "customDNS": ("    customDNS: {nameServers: [1.1.1.1]}\n",
                  lambda v: not v or not v.get("nameServers")),
    "description": ("    description: made by hand\n", lambda v: not v),
    "role": ("    role: 'acs:ram::123:role/fc'\n", lambda v: not v),
    "environmentVariables": ("    environmentVariables: {A: '1'}\n", lambda v: not v),
    "instanceLifecycleConfig": (
        "    instanceLifecycleConfig: {preStop: {handler: 'true', timeout: 5}}\n",
        lambda v: not v or not (v.get("preStop") or {}).get("handler")),
}


def live(sdk, name="conv") -> dict:
    return sdk.get_function(name, models.GetFunctionRequest()).body.to_map()


@pytest.mark.parametrize("field", sorted(BLOCKS))
def test_removed_block_is_cleared_on_fc(fc, sdk, project, field):
    block, is_empty = BLOCKS[field]
    path = str(project(HEAD + RUNTIME_NO_ARGS + block))
    assert fc("deploy", "-f", path).code == 0
    assert not is_empty(live(sdk).get(field))
    path = str(project(HEAD + RUNTIME_NO_ARGS))
    plan = fc("plan", "-f", path, "--detailed-exitcode")
    assert plan.code == 3, plan.out + plan.err
    assert f"    {field}" in plan.out and "→ cleared" in plan.out
    assert fc("deploy", "-f", path).code == 0
    assert is_empty(live(sdk).get(field)), live(sdk).get(field)
    again = fc("plan", "-f", path, "--detailed-exitcode")
    assert again.code == 0, again.out


def test_removed_sub_field_is_cleared_and_the_rest_kept(fc, sdk, project):
    path = str(project(HEAD + RUNTIME_WITH_ARGS))
    assert fc("deploy", "-f", path).code == 0
    assert live(sdk)["customRuntimeConfig"]["args"] == ["--debug"]
    path = str(project(HEAD + RUNTIME_NO_ARGS))
    plan = fc("plan", "-f", path, "--output", "json")
    (fn,) = plan.json()["functions"]
    assert {"path": "customRuntimeConfig.args", "live": ["--debug"], "desired": None,
            "cleared": True} in fn["changes"]
    assert fc("deploy", "-f", path).code == 0
    cfg = live(sdk)["customRuntimeConfig"]
    assert not cfg.get("args") and cfg["command"] == ["python3", "app.py"]
    assert fc("plan", "-f", path, "--detailed-exitcode").code == 0


def test_removed_container_command_and_entrypoint_are_cleared(fc, sdk, project):
    head = HEAD.replace("custom.debian12", "custom-container").replace("    code: ./app\n", "")
    with_cmd = head + ("    customContainerConfig: {image: 'registry.cn-hangzhou.aliyuncs.com/a/b:1',"
                       " command: [x], entrypoint: [/bin/sh], port: 9000}\n")
    bare = head + "    customContainerConfig: {image: 'registry.cn-hangzhou.aliyuncs.com/a/b:1', port: 9000}\n"
    assert fc("deploy", "-f", str(project(with_cmd))).code == 0
    plan = fc("plan", "-f", str(project(bare)))
    assert "customContainerConfig.command: [\"x\"] → cleared" in plan.out
    assert "customContainerConfig.entrypoint: [\"/bin/sh\"] → cleared" in plan.out
    assert fc("deploy", "-f", str(project(bare))).code == 0
    cfg = live(sdk)["customContainerConfig"]
    assert not cfg.get("command") and not cfg.get("entrypoint")
    assert fc("plan", "-f", str(project(bare)), "--detailed-exitcode").code == 0


def test_removed_memory_size_is_kept_and_said_so(fc, sdk, project):
    path = str(project(HEAD + RUNTIME_NO_ARGS + "    memorySize: 1024\n"))
    assert fc("deploy", "-f", path).code == 0
    path = str(project(HEAD + RUNTIME_NO_ARGS))
    plan = fc("plan", "-f", path, "--detailed-exitcode")
    assert plan.code == 0
    assert "kept at live value: " in plan.out and "memorySize 1024" in plan.out
    assert live(sdk)["memorySize"] == 1024


def test_tags_add_change_remove_converge(fc, sdk, project, api_log):
    path = str(project(HEAD + RUNTIME_NO_ARGS + "    tags: {team: a, old: x}\n"))
    assert fc("deploy", "-f", path).code == 0
    path = str(project(HEAD + RUNTIME_NO_ARGS + "    tags: {team: b, env: prod}\n"))
    plan = fc("plan", "-f", path, "--detailed-exitcode")
    assert plan.code == 3
    assert 'tags.team: "a" → "b"' in plan.out and 'tags.old: "x" → cleared' in plan.out
    assert 'tags.env: (unset) → "prod"' in plan.out
    assert "tags" not in plan.err  # no "create-only" warning any more
    api_log.clear()
    assert fc("deploy", "-f", path).code == 0
    actions = [r["action"] for r in api_log.writes()]
    assert actions == ["UntagResources", "TagResources"]
    tags = {t["Key"]: t["Value"] for t in live(sdk)["tags"]}
    assert tags == {"team": "b", "env": "prod"}
    arn = live(sdk)["functionArn"]
    listed = sdk.list_tag_resources(models.ListTagResourcesRequest(
        resource_id=[arn], resource_type="function")).body.to_map()
    assert {(r["TagKey"], r["TagValue"]) for r in listed["TagResources"]} == {
        ("team", "b"), ("env", "prod")}
    assert fc("plan", "-f", path, "--detailed-exitcode").code == 0
    # no tags: key → every (non-system) tag removed
    path = str(project(HEAD + RUNTIME_NO_ARGS))
    assert fc("deploy", "-f", path).code == 0
    assert not live(sdk).get("tags")
    assert fc("plan", "-f", path, "--detailed-exitcode").code == 0


def test_no_status_poll_when_the_write_answers_settled(fc, project, api_log, emulator):
    path = str(project(HEAD + RUNTIME_NO_ARGS + "    timeout: 10\n"))
    api_log.clear()
    assert fc("deploy", "-f", path).code == 0  # create: observe + CreateFunction
    assert [r["action"] for r in api_log.all()] == ["GetFunction", "CreateFunction"]
    path = str(project(HEAD + RUNTIME_NO_ARGS + "    timeout: 20\n"))
    api_log.clear()
    assert fc("deploy", "-f", path).code == 0  # update answered Successful: no poll
    assert [r["action"] for r in api_log.all()] == ["GetFunction", "UpdateFunction"]


def test_one_poll_when_fc_answers_in_progress(fc, project, api_log, emulator):
    env = "    environmentVariables: {FCCTL_EMULATOR_UPDATE_DELAY_S: '0.2'}\n"
    path = str(project(HEAD + RUNTIME_NO_ARGS + env + "    timeout: 10\n"))
    assert fc("deploy", "-f", path).code == 0
    path = str(project(HEAD + RUNTIME_NO_ARGS + env + "    timeout: 20\n"))
    api_log.clear()
    assert fc("deploy", "-f", path).code == 0
    # the answer said InProgress: one read, one poll interval (0.5 s) after it, which outlasts
    # the 0.2 s update
    assert [r["action"] for r in api_log.all()] == ["GetFunction", "UpdateFunction",
                                                    "GetFunction"]


def test_write_only_registry_password_is_never_a_diff(fc, sdk, project, monkeypatch):
    head = HEAD.replace("custom.debian12", "custom-container").replace("    code: ./app\n", "")
    spec = head + ("    customContainerConfig:\n"
                   "      image: 'registry.cn-hangzhou.aliyuncs.com/a/b:{tag}'\n"
                   "      port: 9000\n"
                   "      registryConfig: {{authConfig: {{userName: u, password: '${{env:REG_PW}}'}}}}\n")
    monkeypatch.setenv("REG_PW", "first-pass-123")
    assert fc("deploy", "-f", str(project(spec.format(tag="1")))).code == 0
    monkeypatch.setenv("REG_PW", "second-pass-456")  # rotated: compare never
    plan = fc("plan", "-f", str(project(spec.format(tag="1"))), "--detailed-exitcode")
    assert plan.code == 0, plan.out
    # sent with its object when something else in customContainerConfig changes
    assert fc("deploy", "-f", str(project(spec.format(tag="2")))).code == 0
    cfg = live(sdk)["customContainerConfig"]
    assert cfg["registryConfig"]["authConfig"]["password"] == "second-pass-456"


@pytest.mark.parametrize("before,after,check", [
    # a removed health check: the URL (which FC does not fill in) is cleared; the thresholds FC
    # fills in are kept (fcfacts.DEFAULTED_SUBKEYS)
    ("    customRuntimeConfig: {command: [python3, app.py], port: 9000, healthCheckConfig: "
     "{httpGetUrl: /ready, initialDelaySeconds: 1}}\n",
     RUNTIME_NO_ARGS,
     lambda fn: not ((fn["customRuntimeConfig"].get("healthCheckConfig") or {}).get("httpGetUrl"))),
    # logConfig kept, its metrics switches removed: cleared to false, FC's empty
    ("    logConfig: {project: p, logstore: l, enableRequestMetrics: true, "
     "enableInstanceMetrics: true}\n",
     "    logConfig: {project: p, logstore: l}\n",
     lambda fn: not fn["logConfig"].get("enableRequestMetrics")
     and not fn["logConfig"].get("enableInstanceMetrics") and fn["logConfig"]["project"] == "p"),
])
def test_removed_nested_sub_keys_fc_does_not_fill_are_cleared(fc, sdk, project, before, after,
                                                               check):
    base = HEAD if "customRuntimeConfig" in before else HEAD + RUNTIME_NO_ARGS
    assert fc("deploy", "-f", str(project(base + before))).code == 0
    assert not check(live(sdk))
    path = str(project(base + after))
    plan = fc("plan", "-f", path, "--detailed-exitcode")
    assert plan.code == 3 and "→ cleared" in plan.out, plan.out + plan.err
    assert fc("deploy", "-f", path).code == 0
    assert check(live(sdk)), live(sdk)
    assert fc("plan", "-f", path, "--detailed-exitcode").code == 0


def test_a_removed_variables_value_is_not_shown(fc, sdk, project):
    """Its x-fcctl-sensitive mark usually goes in the same edit: fcctl cannot tell it was secret."""
    marked = HEAD + RUNTIME_NO_ARGS + ("    x-fcctl-sensitive: [MYVAL]\n"
                                       "    environmentVariables: {MYVAL: zz-topsecret-zz, K: v}\n")
    assert fc("deploy", "-f", str(project(marked))).code == 0
    path = str(project(HEAD + RUNTIME_NO_ARGS + "    environmentVariables: {K: v}\n"))
    for args in (("plan", "-f", path), ("plan", "-f", path, "-o", "json")):
        res = fc(*args)
        assert "zz-topsecret-zz" not in res.out + res.err
        assert "environmentVariables.MYVAL" in res.out
